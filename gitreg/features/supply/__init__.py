"""Versions the rest of the supply chain can use: the Hugging Face directory layout (hf),
OpenSSF model signing signatures (oms) and CNCF ModelPack OCI artifacts (oci)."""

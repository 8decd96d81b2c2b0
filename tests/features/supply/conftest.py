"""Fixtures for the supply-chain exports: a small model run on disk, real EC keys and certificates."""
from __future__ import annotations

import datetime
import json
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers.oci import oci_registry  # noqa: F401  (the fixture)

TINY_CONFIG = {"model_type": "gpt2", "n_layer": 1, "n_head": 2, "n_embd": 8, "vocab_size": 16, "n_positions": 32}


def safetensors(shapes: dict[str, tuple[int, int]]) -> bytes:
    """A valid safetensors file (BF16 tensors of random bytes): 8-byte header length, JSON header, data."""
    header, offset = {}, 0
    for name, (a, b) in shapes.items():
        header[name] = {"dtype": "BF16", "shape": [a, b], "data_offsets": [offset, offset + 2 * a * b]}
        offset += 2 * a * b
    head = json.dumps(header).encode()
    return struct.pack("<Q", len(head)) + head + os.urandom(offset)


@pytest.fixture
def run_dir(tmp_path) -> dict[str, Path]:
    """What a fine-tuning run leaves: config.json, a LoRA adapter directory (PEFT's files), a GGUF."""
    root = tmp_path / "run"
    lora = root / "adapter"
    lora.mkdir(parents=True)
    (root / "config.json").write_text(json.dumps(TINY_CONFIG))
    (lora / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": 8,
                                                          "base_model_name_or_path": "Qwen/Qwen2.5-0.5B"}))
    (lora / "adapter_model.safetensors").write_bytes(safetensors({"lora_A": (8, 64), "lora_B": (64, 8)}))
    (root / "tiny-Q4_K_M.gguf").write_bytes(b"GGUF" + os.urandom(30_000))
    return {"config": root / "config.json", "lora": lora, "gguf": root / "tiny-Q4_K_M.gguf"}


@pytest.fixture
def registered(reg, run_dir):
    """majora v1 with its three files stored, a base model, data sources and scores."""
    files = [("config", str(run_dir["config"])), ("lora", str(run_dir["lora"])), ("gguf", str(run_dir["gguf"]))]
    return reg.register_model("majora", files=files, store=True, base_model="Qwen/Qwen2.5-0.5B",
                              training_data=["oracle", "toolbench"],
                              evaluation_scores={"accuracy": 0.91, "custom_metrics": {"mmlu/acc,none": 0.52}})


def _pem_key(path: Path, curve) -> tuple[Path, Path]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(curve)
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    pub = path.with_suffix(".pub")
    pub.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))
    return path, pub


@pytest.fixture
def ec_key(tmp_path):
    """(KEY.pem, KEY.pub) of a fresh ECDSA P-256 key."""
    from cryptography.hazmat.primitives.asymmetric import ec
    return _pem_key(tmp_path / "signer.pem", ec.SECP256R1())


@pytest.fixture
def make_key(tmp_path):
    def make(name: str, curve):
        return _pem_key(tmp_path / f"{name}.pem", curve)
    return make


@pytest.fixture
def cert_chain(tmp_path):
    """(leaf KEY.pem, leaf CERT.pem, CA.pem): a P-384 root CA and a code-signing leaf under it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP384R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gitreg test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA384()))
    leaf_key_path, _ = _pem_key(tmp_path / "leaf.pem", ec.SECP384R1())
    leaf_key = serialization.load_pem_private_key(leaf_key_path.read_bytes(), None)
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gitreg signer")]))
            .issuer_name(ca_name).public_key(leaf_key.public_key()).serial_number(2)
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=False, crl_sign=False,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
            .sign(ca_key, hashes.SHA384()))
    leaf_pem, ca_pem = tmp_path / "leaf-cert.pem", tmp_path / "ca.pem"
    leaf_pem.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return leaf_key_path, leaf_pem, ca_pem


def model_signing(*args: str) -> subprocess.CompletedProcess:
    """The real `model_signing` CLI (PyPI model-signing, pinned in pyproject's test extra)."""
    exe = shutil.which("model_signing") or str(Path(sys.executable).with_name("model_signing"))
    if not Path(exe).exists():
        pytest.fail("the model_signing CLI is missing: pip install 'git-model-registry[test]' (model-signing)")
    return subprocess.run([exe, *map(str, args)], capture_output=True, text=True)

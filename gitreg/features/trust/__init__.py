"""Trust: verify (signatures, hashes, contract), doctor (diagnose and repair), census."""

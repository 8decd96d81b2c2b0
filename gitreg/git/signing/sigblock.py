"""Reading a signature block without running anything: its kind and the key it records.

Cheap enough for every version of a site build (no subprocess, one object read). This
never says a signature is good; `git verify-tag` (sigcheck.py) does.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Optional

from gitreg.core.audit_records import SignatureBlock

MAX_BLOCK = 64 * 1024  # bigger than any real signature; a longer block is described by kind only
_HEADER = re.compile(rb"-----BEGIN ([A-Z0-9 ]{1,40})-----")
_KINDS = {b"SSH SIGNATURE": "ssh", b"PGP SIGNATURE": "openpgp", b"PGP MESSAGE": "openpgp",
          b"SIGNED MESSAGE": "x509"}


def describe(block: bytes) -> SignatureBlock:
    """The kind (from the armor header) and, for ssh and OpenPGP, the key the block names."""
    header = _HEADER.search(block[:200])
    kind = _KINDS.get(header.group(1), "unknown") if header else "unknown"
    key = None
    if kind in ("ssh", "openpgp") and len(block) <= MAX_BLOCK:
        data = _dearmor(block)
        try:
            key = (_ssh_key if kind == "ssh" else _openpgp_issuer)(data) if data else None
        except (IndexError, ValueError):  # a truncated or odd block: its kind is still known
            key = None
    return SignatureBlock(kind, key)


def _dearmor(block: bytes) -> Optional[bytes]:
    lines = [ln.strip() for ln in block.splitlines()]
    body, started = [], False
    for line in lines[1:]:
        if line.startswith(b"-----END"):
            break
        if b":" in line and not started:  # an armor header ("Version: ...")
            continue
        if line.startswith(b"=") and len(line) == 5:  # the OpenPGP checksum
            break
        if line:
            started = True
            body.append(line)
    try:
        return base64.b64decode(b"".join(body), validate=True)
    except (binascii.Error, ValueError):
        return None


def _string(data: bytes, at: int) -> tuple[bytes, int]:
    n = int.from_bytes(data[at:at + 4], "big")
    if at + 4 + n > len(data):
        raise ValueError("short")
    return data[at + 4:at + 4 + n], at + 4 + n


def _ssh_key(data: bytes) -> Optional[str]:
    """SHA256 fingerprint of the public key an SSHSIG blob carries (as ssh-keygen -l prints it)."""
    if not data.startswith(b"SSHSIG"):
        return None
    public, _ = _string(data, 10)  # magic (6) + version (4)
    return "SHA256:" + base64.b64encode(hashlib.sha256(public).digest()).decode().rstrip("=")


def _openpgp_issuer(data: bytes) -> Optional[str]:
    """The issuer fingerprint (subpacket 33), else key id (16), of the first signature packet."""
    first = data[0]
    if first & 0x40:  # new packet format
        tag, size, at = first & 0x3F, data[1], 2
        if 192 <= size < 224:
            size, at = ((size - 192) << 8) + data[2] + 192, 3
        elif size == 255:
            size, at = int.from_bytes(data[2:6], "big"), 6
    else:
        tag, width = (first >> 2) & 0x0F, (1, 2, 4, 0)[first & 3]
        at = 1 + width
        size = int.from_bytes(data[1:at], "big") if width else len(data) - 1
    body = data[at:at + size]
    if tag != 2 or body[0] not in (4, 5, 6):
        return None
    width = 4 if body[0] in (5, 6) else 2
    found: dict[int, bytes] = {}
    at = 4
    for _ in range(2):  # hashed, then unhashed subpackets
        n = int.from_bytes(body[at:at + width], "big")
        area, at = body[at + width:at + width + n], at + width + n
        found.update(_subpackets(area))
    if 33 in found and len(found[33]) > 1:
        return found[33][1:].hex().upper()
    return found[16].hex().upper() if 16 in found else None


def _subpackets(area: bytes) -> dict[int, bytes]:
    out: dict[int, bytes] = {}
    at = 0
    while at < len(area):
        n = area[at]
        if n < 192:
            at += 1
        elif n < 255:
            n, at = ((n - 192) << 8) + area[at + 1] + 192, at + 2
        else:
            n, at = int.from_bytes(area[at + 1:at + 5], "big"), at + 5
        if n == 0:
            break
        out.setdefault(area[at] & 0x7F, area[at + 1:at + n])
        at += n
    return out

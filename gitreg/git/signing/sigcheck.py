"""Asking git itself whether a signature is good: `git verify-tag --raw` / `verify-commit --raw`.

git's verdict (its exit status) is the verdict: it applies the user's keyring
(GNUPGHOME), gpg.ssh.allowedSignersFile and gpg.minTrustLevel. The raw output only
tells who signed, with which key.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from gitreg.core.errors import GitregError
from gitreg.git import gitcli

_SSH_GOOD = re.compile(r'^Good "git" signature (?:for (?P<who>.+) )?with \S+ key (?P<key>\S+)', re.M)
_GPG_STATUS = re.compile(
    r"^\[GNUPG:\] (?P<word>GOODSIG|BADSIG|EXPSIG|EXPKEYSIG|REVKEYSIG|ERRSIG|VALIDSIG|NO_PUBKEY) (?P<rest>.*)$",
    re.M,
)
_GPG_REASONS = {
    "BADSIG": "bad signature", "EXPSIG": "signature expired", "EXPKEYSIG": "key expired",
    "REVKEYSIG": "key revoked", "ERRSIG": "key not in the keyring", "NO_PUBKEY": "key not in the keyring",
}


@dataclass(frozen=True)
class SignatureCheck:
    valid: bool
    signer: Optional[str]  # uid / allowed-signers principal, when known
    key: Optional[str]  # key fingerprint (gpg) or SHA256:... (ssh)
    detail: str  # why it is not valid ('' when it is)


def check(registry: Path, oid: str, kind: str) -> SignatureCheck:
    """git's judgement of the signature on tag or commit `oid` (kind 'tag' or 'commit')."""
    try:
        proc = gitcli.run(registry, f"verify-{kind}", "--raw", oid)
    except gitcli.GitMissing as exc:
        raise GitregError(f"cannot run git to verify signatures: {exc.strerror}") from None
    return parse(proc.returncode == 0, proc.stderr + proc.stdout)


def parse(valid: bool, output: str) -> SignatureCheck:
    signer: Optional[str] = None
    key: Optional[str] = None
    reason = ""
    ssh = _SSH_GOOD.search(output)
    if ssh:
        signer, key = ssh.group("who"), ssh.group("key")
        if signer is None:
            reason = "key not in gpg.ssh.allowedSignersFile"
    for m in _GPG_STATUS.finditer(output):
        word, rest = m.group("word"), m.group("rest").split(" ", 1)
        if word == "VALIDSIG":
            key = rest[0]
        else:
            key = key or rest[0]
            if word in ("GOODSIG", "BADSIG", "EXPSIG", "EXPKEYSIG", "REVKEYSIG") and len(rest) > 1:
                signer = rest[1]
            reason = reason or _GPG_REASONS.get(word, "")
    if valid:
        return SignatureCheck(True, signer, key, "")
    if not reason:
        lines = [ln.strip() for ln in output.splitlines()
                 if ln.strip() and not ln.startswith("[GNUPG:]") and not ln.startswith("-----")]
        reason = lines[-1] if lines else "git rejected the signature"
        reason = reason.removeprefix("error: ").removeprefix("fatal: ")
    return SignatureCheck(False, signer, key, reason)

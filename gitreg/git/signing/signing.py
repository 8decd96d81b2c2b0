"""Signing tag and commit payloads exactly as git does, from git's own configuration.

Which writes are signed: `gitreg.sign` when it is set, else `tag.gpgSign` for version
tags and `commit.gpgSign` for commits; an explicit sign=True/False overrides both.
`gitreg.requireSigned=true` refuses a write that would be unsigned.

How (git's gpg-interface.c): `gpg.format` openpgp (`gpg.openpgp.program` /
`gpg.program`, default gpg) and x509 (`gpg.x509.program`, default gpgsm) run
`<program> --status-fd=2 -bsau <key>` on the payload; ssh (`gpg.ssh.program`, default
ssh-keygen) runs `ssh-keygen -Y sign -n git -f <key file> <payload file>`. The key is
`user.signingkey`: for ssh a key file, or a literal public key (`key::ssh-...`, signed
through ssh-agent with -U); when unset, openpgp/x509 use the committer identity and
ssh asks `gpg.ssh.defaultKeyCommand`.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Optional

import pygit2

from gitreg.core.errors import SigningError
from gitreg.git.signing import identity

TAG = "tag"
COMMIT = "commit"
_POLICY_KEYS = {TAG: "tag.gpgSign", COMMIT: "commit.gpgSign"}
_WHAT = {TAG: "version tag", COMMIT: "commit"}
_DEFAULT_PROGRAMS = {"openpgp": "gpg", "x509": "gpgsm", "ssh": "ssh-keygen"}
# Lines that open a signature appended to a payload (git's sigcheck_gpg/ssh formats).
_SIGNATURE_START = re.compile(
    rb"^-----BEGIN (?:PGP SIGNATURE|PGP MESSAGE|SIGNED MESSAGE|SSH SIGNATURE)-----$", re.M
)


def _value(config: pygit2.Config, key: str) -> Optional[str]:
    try:
        value = config[key]
    except (KeyError, pygit2.GitError):
        return None
    return value if value else None


def _bool(config: pygit2.Config, key: str) -> Optional[bool]:
    try:
        if key not in config:  # the usual case, asked without raising: an unsigned registration asks six
            return None
        return config.get_bool(key)
    except KeyError:
        return None
    except (pygit2.GitError, ValueError):
        raise SigningError(f"git config {key} is not a boolean") from None


def configured(config: pygit2.Config, what: str) -> bool:
    """Whether git's configuration asks for `what` (TAG or COMMIT) to be signed."""
    explicit = _bool(config, "gitreg.sign")
    if explicit is not None:
        return explicit
    return bool(_bool(config, _POLICY_KEYS[what]))


def required(config: pygit2.Config) -> bool:
    return bool(_bool(config, "gitreg.requireSigned"))


@dataclass(frozen=True)
class Signer:
    """One way of signing: a format, its program and the key (resolved before any write)."""
    format: str
    program: str
    key: str
    literal: bool = False  # ssh: `key` is a public key to sign with through ssh-agent

    def sign(self, payload: bytes) -> bytes:
        """An armored detached signature of payload; SigningError when the program fails."""
        if self.format == "ssh":
            signature = self._sign_ssh(payload)
        else:
            signature = self._sign_gpg(payload)
        return signature.replace(b"\r\n", b"\n")

    def _run(self, args: list[str], stdin: Optional[bytes]) -> subprocess.CompletedProcess:
        try:
            return subprocess.run(
                args, input=stdin, capture_output=True,
                stdin=None if stdin is not None else subprocess.DEVNULL,
            )
        except OSError as exc:
            raise SigningError(f"cannot sign: cannot run {self.program}: {exc.strerror}") from None

    def _sign_gpg(self, payload: bytes) -> bytes:
        proc = self._run([self.program, "--status-fd=2", "-bsau", self.key], payload)
        created = re.search(rb"^\[GNUPG:\] SIG_CREATED ", proc.stderr, re.M)
        if proc.returncode != 0 or not created or not proc.stdout:
            raise SigningError(
                f"cannot sign: {self.program} failed to sign the data with key {self.key!r}"
                f"{_why(proc.stderr)}; nothing was written"
            )
        return proc.stdout

    def _sign_ssh(self, payload: bytes) -> bytes:
        with tempfile.TemporaryDirectory(prefix="gitreg-sign-") as tmp:
            key_file = self.key
            if self.literal:
                key_file = os.path.join(tmp, "signing_key.pub")
                with open(key_file, "w") as fh:
                    fh.write(self.key + "\n")
            buffer = os.path.join(tmp, "buffer")
            with open(buffer, "wb") as fh:
                fh.write(payload)
            args = [self.program, "-Y", "sign", "-n", "git", "-f", key_file]
            if self.literal:
                args.append("-U")
            proc = self._run(args + [buffer], None)
            if proc.returncode != 0:
                hint = (
                    " (ssh-keygen -Y sign needs OpenSSH 8.2p1 or later)"
                    if b"usage:" in proc.stderr else _why(proc.stderr)
                )
                raise SigningError(
                    f"cannot sign: {self.program} failed to sign with {self.key}{hint}; "
                    "nothing was written"
                )
            try:
                with open(buffer + ".sig", "rb") as fh:
                    return fh.read()
            except OSError:
                raise SigningError(f"cannot sign: {self.program} wrote no signature") from None


def _why(stderr: bytes) -> str:
    lines = [
        line.strip() for line in stderr.decode("utf-8", "replace").splitlines()
        if line.strip() and not line.startswith("[GNUPG:]")
    ]
    return f": {lines[-1]}" if lines else ""


def _literal_ssh_key(key: str) -> Optional[str]:
    """The public key of a literal `key::...` (or legacy `ssh-...`) signing key, else None."""
    if key.startswith("key::"):
        return key[len("key::"):]
    if key.startswith("ssh-"):
        return key
    return None


def _default_ssh_key(config: pygit2.Config) -> str:
    command = _value(config, "gpg.ssh.defaultKeyCommand")
    if command is None:
        raise SigningError(
            "cannot sign: gpg.format is ssh but user.signingkey is not set "
            "(git config user.signingkey ~/.ssh/id_ed25519.pub); nothing was written"
        )
    try:
        proc = subprocess.run(command.split(), capture_output=True, text=True, stdin=subprocess.DEVNULL)
    except OSError as exc:
        raise SigningError(f"cannot sign: gpg.ssh.defaultKeyCommand failed: {exc.strerror}") from None
    first = proc.stdout.splitlines()[0].strip() if proc.stdout.strip() else ""
    if proc.returncode != 0 or _literal_ssh_key(first) is None:
        raise SigningError("cannot sign: gpg.ssh.defaultKeyCommand returned no key")
    return first


def signer(config: pygit2.Config) -> Signer:
    """The configured way of signing; SigningError when it cannot work (checked before writing)."""
    fmt = (_value(config, "gpg.format") or "openpgp").lower()
    if fmt not in _DEFAULT_PROGRAMS:
        raise SigningError(f"cannot sign: unknown gpg.format {fmt!r} (openpgp, x509 or ssh)")
    if fmt == "openpgp":
        program = _value(config, "gpg.openpgp.program") or _value(config, "gpg.program")
    else:
        program = _value(config, f"gpg.{fmt}.program")
    program = program or _DEFAULT_PROGRAMS[fmt]
    if shutil.which(program) is None:
        raise SigningError(
            f"cannot sign: {program!r} not found (gpg.format is {fmt}; "
            f"set gpg.{'program' if fmt == 'openpgp' else fmt + '.program'}); nothing was written"
        )
    key = _value(config, "user.signingkey")
    if fmt != "ssh":
        if key is None:  # git signs as the committer identity
            name, email = identity.identity(config, "committer")
            key = f"{name} <{email}>"
        return Signer(fmt, program, key)
    if key is None:
        key = _default_ssh_key(config)
    literal = _literal_ssh_key(key)
    if literal is not None:
        return Signer(fmt, program, literal, literal=True)
    path = os.path.expanduser(key)
    if not os.path.isfile(path):
        raise SigningError(f"cannot sign: user.signingkey {key} is not a key file; nothing was written")
    return Signer(fmt, program, path)


def signer_for(config: pygit2.Config, what: str, override: Optional[bool]) -> Optional[Signer]:
    """The signer for one kind of object (TAG or COMMIT), or None when it is written unsigned.

    Refuses (SigningError) an unsigned write under gitreg.requireSigned.
    """
    wanted = configured(config, what) if override is None else override
    if wanted:
        return signer(config)
    if required(config):
        why = "--no-sign / sign=False was given" if override is False else (
            "signing is not configured: set gitreg.sign=true"
            + (" (or tag.gpgSign)" if what == TAG else " (or commit.gpgSign)")
        )
        raise SigningError(
            f"refused: gitreg.requireSigned is true and this {_WHAT[what]} would be unsigned "
            f"({why}); nothing was written"
        )
    return None


def split_signed(data: bytes) -> tuple[bytes, Optional[bytes]]:
    """(payload, signature) of a tag object's data; signature None when unsigned.

    As git: the signature starts at the last line that opens one.
    """
    starts = list(_SIGNATURE_START.finditer(data))
    if not starts:
        return data, None
    at = starts[-1].start()
    return data[:at], data[at:]

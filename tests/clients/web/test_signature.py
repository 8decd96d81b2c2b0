"""The version page says whether the tag and commit are signed, how, with which key: as
recorded, not verified (a real ssh key and a real OpenPGP key made in the test)."""
from __future__ import annotations

import html
import re
import subprocess

from gitreg import ModelRegistry
from gitreg.clients.web.build import build
from gitreg.core.audit_records import SignatureBlock
from tests.clients.web.test_serve import start


def _signature_table(page: str) -> str:
    m = re.search(r'<table class="kv" id="signature-table">.*?</table>', page, re.S)
    assert m is not None, "no signature table on the version page"
    return html.unescape(re.sub(r"<[^>]+>", "", m.group(0)))


def test_version_page_shows_signed_and_unsigned(ssh_key, registry_path, git, tmp_path, browser):
    ssh_key.apply(registry_path)
    reg = ModelRegistry(registry_path)
    reg.register_model("majora", sign=True)
    reg.register_model("majora", sign=False)
    assert subprocess.run(["git", "-C", str(registry_path), "tag", "-v", "majora/v1"],
                          capture_output=True).returncode == 0  # git agrees v1 is signed with that key
    signed = reg.signature("majora", "v1")
    assert signed.tag == signed.commit == SignatureBlock("ssh", ssh_key.fingerprint)
    assert reg.signature("majora", "v2").tag is None and reg.signature("majora", "v2").commit is None

    out = tmp_path / "site"
    build(reg, out)
    v1 = (out / "m/majora/v1.html").read_text()
    v2 = (out / "m/majora/v2.html").read_text()
    commit1, commit2 = (reg.get_version("majora", v).commit[:12] for v in ("v1", "v2"))
    assert _signature_table(v1).split("\n")[1:3] == [
        f"tag majora/v1signed (ssh) key {ssh_key.fingerprint}",
        f"commit {commit1}signed (ssh) key {ssh_key.fingerprint}"]
    assert _signature_table(v2).split("\n")[1:3] == ["tag majora/v2unsigned", f"commit {commit2}unsigned"]
    for page, version in ((v1, "v1"), (v2, "v2")):
        assert "this page does not verify them" in page
        assert f"<code>git tag -v majora/{version}</code>" in page
        assert f"<code>gitreg verify majora:{version}</code>" in page

    browser.open((out / "m/majora/v1.html").as_uri())
    cells = browser.execute_script(
        "return [...document.querySelectorAll('#signature-table td')].map(td => td.textContent)")
    assert cells == [f"signed (ssh) key {ssh_key.fingerprint}"] * 2
    assert "Not verified here" in browser.one("#signature-check").text

    server = start(registry_path)
    try:
        status, _, served = server.get("m/majora/v1.html")
        assert status == 200 and _signature_table(served) == _signature_table(v1)
        status, _, served = server.get("m/majora/v2.html")
        assert status == 200 and _signature_table(served) == _signature_table(v2)
    finally:
        server.proc.kill()
        server.proc.wait(timeout=20)


def test_an_openpgp_signature_names_its_issuer(gpg_key, registry_path):
    gpg_key.apply(registry_path)
    reg = ModelRegistry(registry_path)
    reg.register_model("majora", sign=True)
    found = reg.signature("majora", "v1")
    assert found.tag == found.commit == SignatureBlock("openpgp", gpg_key.fingerprint.upper())


def test_odd_signature_blocks_are_described_by_kind_only(ssh_key, registry_path, git):
    """A block from the registry is untrusted: truncated, garbage or huge ones never raise."""
    from gitreg.git.signing import sigblock

    ssh_key.apply(registry_path)
    ModelRegistry(registry_path).register_model("majora", sign=True)
    raw = git(registry_path, "cat-file", "tag", "majora/v1").encode()
    block = raw[raw.index(b"-----BEGIN SSH SIGNATURE-----"):]
    assert sigblock.describe(block) == SignatureBlock("ssh", ssh_key.fingerprint)
    lines = block.splitlines(keepends=True)
    truncated = lines[0] + lines[1][:20] + b"\n" + lines[-1]
    assert sigblock.describe(truncated) == SignatureBlock("ssh", None)
    assert sigblock.describe(b"-----BEGIN SSH SIGNATURE-----\n!!!\n-----END SSH SIGNATURE-----\n").key is None
    assert sigblock.describe(b"-----BEGIN PGP SIGNATURE-----\n\nwA==\n-----END PGP SIGNATURE-----\n") \
        == SignatureBlock("openpgp", None)
    assert sigblock.describe(b"-----BEGIN SIGNED MESSAGE-----\nMIIB\n-----END SIGNED MESSAGE-----\n") \
        == SignatureBlock("x509", None)
    assert sigblock.describe(b"-----BEGIN PGP SIGNATURE-----\n" + b"A" * 100_000) == SignatureBlock("openpgp", None)
    assert sigblock.describe(b"-----BEGIN <script> SIG-----\n").kind == "unknown"

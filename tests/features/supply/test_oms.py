"""OpenSSF model signing: what gitreg writes, the real `model_signing` verifier judges."""
from __future__ import annotations

import base64
import datetime
import json
import shutil
import sys

import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import ec

from gitreg.core.errors import InvalidValueError, SigningError
from tests.features.artifacts.conftest import lfs_object
from tests.features.supply.conftest import model_signing


def _flip_one_byte(path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("layout", ["gitreg", "hf"])
def test_model_signing_verify_accepts_what_get_wrote_and_rejects_one_changed_byte(
        reg, registered, ec_key, tmp_path, layout):
    key, pub = ec_key
    assert reg.sign_oms("majora:v1", key) == ["gitreg", "hf"]
    out = reg.write_layout("majora:v1", tmp_path / "out", layout=layout)
    assert (out / "model.sig").is_file()
    ok = model_signing("verify", "key", out, "--signature", out / "model.sig", "--public_key", pub)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert [c.ok for c in reg.verify_oms("majora:v1", public_key=pub)] == [True, True]

    weights = next(out.rglob("adapter_model.safetensors"))
    _flip_one_byte(weights)
    bad = model_signing("verify", "key", out, "--signature", out / "model.sig", "--public_key", pub)
    assert bad.returncode != 0 and "adapter_model.safetensors" in bad.stdout + bad.stderr


def test_signing_reads_no_weight_bytes(reg, registered, registry_path, ec_key, tmp_path):
    """The objects are gone from the store: signing still works (it reads only the manifest)."""
    key, pub = ec_key
    for f in registered.files:
        for oid in [f.sha256] if f.contents is None else [c.sha256 for c in f.contents]:
            obj = lfs_object(registry_path, oid)
            obj.chmod(0o600)
            obj.unlink()
    shutil.rmtree(tmp_path / "run")
    reg.sign_oms("majora:v1", key)
    assert all(c.ok for c in reg.verify_oms("majora:v1", public_key=pub))


def test_p384_key_and_a_certificate_chain(reg, registered, make_key, cert_chain, tmp_path):
    key, pub = make_key("p384", ec.SECP384R1())
    reg.sign_oms("majora:v1", key)
    out = reg.write_layout("majora:v1", tmp_path / "k", layout="hf")
    assert model_signing("verify", "key", out, "--signature", out / "model.sig", "--public_key", pub).returncode == 0

    leaf_key, leaf_cert, ca = cert_chain
    reg.sign_oms("majora:v1", leaf_key, certificate=leaf_cert, chain=[ca])
    out = reg.write_layout("majora:v1", tmp_path / "c")
    done = model_signing("verify", "certificate", out, "--signature", out / "model.sig", "--certificate_chain", ca)
    assert done.returncode == 0, done.stdout + done.stderr
    assert all(c.ok for c in reg.verify_oms("majora:v1", chain=[ca]))


def test_stored_in_the_versions_note_readable_with_plain_git(reg, registered, registry_path, ec_key, git):
    key, _ = ec_key
    reg.sign_oms("majora:v1", key)
    note = yaml.safe_load(git(registry_path, "notes", "--ref=gitreg/majora", "show", registered.commit))
    bundle = json.loads(note["oms_signature"]["gitreg"])
    assert bundle["mediaType"] == "application/vnd.dev.sigstore.bundle.v0.3+json"
    assert bundle["dsseEnvelope"]["payloadType"] == "application/vnd.in-toto+json"
    log = git(registry_path, "log", "--format=%s", "refs/notes/gitreg/majora")
    assert log.splitlines()[0].startswith("sign majora v1")
    reg.sign_oms("majora:v1", key)  # signing again appends to the notes history, never rewrites it
    assert git(registry_path, "log", "--format=%s", "refs/notes/gitreg/majora").endswith(log)


def test_a_pipeline_signature_that_matches_is_kept_and_one_that_does_not_is_refused(reg, run_dir, ec_key, tmp_path):
    key, pub = ec_key
    outside = tmp_path / "pipeline.sig"
    made = model_signing("sign", "key", run_dir["lora"], "--private_key", key, "--signature", outside)
    assert made.returncode == 0, made.stderr
    reg.register_model("majora", files=[("lora", str(run_dir["lora"]))], store=True)
    assert reg.add_oms_signature("majora:v1", outside) == "hf"  # the pipeline signed the adapter directory
    out = reg.write_layout("majora:v1", tmp_path / "hf", layout="hf")
    assert (out / "model.sig").read_bytes() == outside.read_bytes()
    assert model_signing("verify", "key", out, "--signature", out / "model.sig", "--public_key", pub).returncode == 0
    assert all(c.ok for c in reg.verify_oms("majora:v1", public_key=pub))

    with pytest.raises(InvalidValueError, match="does not list the files of majora v2"):
        reg.register_model("majora", files=[("gguf", str(run_dir["gguf"]))], store=True)
        reg.add_oms_signature("majora:v2", outside)
    (tmp_path / "junk.sig").write_text("{not json")
    with pytest.raises(InvalidValueError, match="not an OpenSSF model signing v1.0 signature"):
        reg.add_oms_signature("majora:v2", tmp_path / "junk.sig")


def test_verify_without_a_signature_is_a_clear_error(reg, registered, ec_key):
    with pytest.raises(SigningError, match="has no OMS signature"):
        reg.verify_oms("majora:v1", public_key=ec_key[1])


def test_a_hostile_or_swapped_signature_in_the_note_is_never_trusted(reg, registered, registry_path, run_dir,
                                                                     ec_key, tmp_path, git):
    key, pub = ec_key
    # junk values (plain git can write anything into the note): ignored, nothing written as model.sig
    git(registry_path, "notes", "--ref=gitreg/majora", "add", "-f", "-m",
        "oms_signature: {gitreg: 12, hf: [1], other: x}", registered.commit)
    out = reg.write_layout("majora:v1", tmp_path / "junk")
    assert not (out / "model.sig").exists()
    with pytest.raises(SigningError, match="has no OMS signature"):
        reg.verify_oms("majora:v1", public_key=pub)
    # a real signature of another version put in v1's note: well signed, but not of these files
    v2 = reg.register_model("majora", files=[("gguf", str(run_dir["gguf"]))], store=True)
    reg.sign_oms("majora:v2", key)
    other = yaml.safe_load(git(registry_path, "notes", "--ref=gitreg/majora", "show", v2.commit))["oms_signature"]
    git(registry_path, "notes", "--ref=gitreg/majora", "add", "-f", "-m",
        yaml.safe_dump({"oms_signature": {"gitreg": other["gitreg"]}}), registered.commit)
    [check] = reg.verify_oms("majora:v1", public_key=pub)
    assert not check.ok and "differ from the manifest" in check.problem
    out = reg.write_layout("majora:v1", tmp_path / "swapped")
    done = model_signing("verify", "key", out, "--signature", out / "model.sig", "--public_key", pub)
    assert done.returncode != 0  # the real verifier agrees: the directory is not what was signed


def _statement_of(bundle_text: str) -> dict:
    return json.loads(base64.b64decode(json.loads(bundle_text)["dsseEnvelope"]["payload"]))


def test_the_statement_is_the_one_model_signing_writes_for_the_same_directory(reg, run_dir, ec_key, tmp_path):
    """Same subject digest, resources (names, order, digests) and serialization parameters as
    the real `model_signing sign` of the directory `get --layout hf -o` writes."""
    key, _ = ec_key
    reg.register_model("majora", files=[("lora", str(run_dir["lora"]))], store=True)
    reg.sign_oms("majora:v1", key)
    out = reg.write_layout("majora:v1", tmp_path / "hf", layout="hf")
    ours = _statement_of((out / "model.sig").read_text())
    ignore = [arg for p in ("model.sig", "README.md") for arg in ("--ignore-paths", str(out / p))]
    made = model_signing("sign", "key", out, "--private_key", key, "--signature", tmp_path / "theirs.sig", *ignore)
    assert made.returncode == 0, made.stdout + made.stderr
    theirs = _statement_of((tmp_path / "theirs.sig").read_text())
    ours["subject"][0]["name"] = theirs["subject"][0]["name"]  # theirs: the directory's name
    for statement in (ours, theirs):  # model_signing keeps its ignored paths in a set: any order
        statement["predicate"]["serialization"]["ignore_paths"].sort()
    assert ours == theirs


def test_signs_and_verifies_without_model_signing_installed(reg, registered, ec_key, cert_chain, monkeypatch):
    """No model_signing module (private or public) is needed at run time."""
    for name in [n for n in sys.modules if n == "model_signing" or n.startswith("model_signing.")] + ["model_signing"]:
        monkeypatch.setitem(sys.modules, name, None)  # any import of it now raises ImportError
    key, pub = ec_key
    assert reg.sign_oms("majora:v1", key) == ["gitreg", "hf"]
    assert all(c.ok for c in reg.verify_oms("majora:v1", public_key=pub))
    leaf_key, leaf_cert, ca = cert_chain
    reg.sign_oms("majora:v1", leaf_key, certificate=leaf_cert, chain=[ca])
    assert all(c.ok for c in reg.verify_oms("majora:v1", chain=[ca]))


def _self_signed_ca(tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gitreg test CA")])  # same name, other key
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(7).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    path = tmp_path / "other-ca.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def test_a_signature_by_another_key_or_chain_is_refused(reg, registered, registry_path, make_key, cert_chain,
                                                        tmp_path, git):
    key, pub = make_key("one", ec.SECP256R1())
    other_key, other_pub = make_key("two", ec.SECP256R1())
    reg.sign_oms("majora:v1", other_key)
    checks = reg.verify_oms("majora:v1", public_key=pub)
    assert [c.ok for c in checks] == [False, False] and "another key" in checks[0].problem
    # the key hint dropped (plain git can rewrite the note): the ECDSA check itself still says no
    note = yaml.safe_load(git(registry_path, "notes", "--ref=gitreg/majora", "show", registered.commit))
    bundles = {}
    for layout, text in note["oms_signature"].items():
        bundle = json.loads(text)
        bundle["verificationMaterial"]["publicKey"] = {}
        bundles[layout] = json.dumps(bundle)
    note["oms_signature"] = bundles
    git(registry_path, "notes", "--ref=gitreg/majora", "add", "-f", "-m", yaml.safe_dump(note), registered.commit)
    checks = reg.verify_oms("majora:v1", public_key=pub)
    assert [c.ok for c in checks] == [False, False] and "does not match" in checks[0].problem
    assert all(c.ok for c in reg.verify_oms("majora:v1", public_key=other_pub))

    leaf_key, leaf_cert, ca = cert_chain
    reg.sign_oms("majora:v1", leaf_key, certificate=leaf_cert, chain=[ca])
    checks = reg.verify_oms("majora:v1", chain=[_self_signed_ca(tmp_path)])
    assert [c.ok for c in checks] == [False, False] and "does not chain" in checks[0].problem

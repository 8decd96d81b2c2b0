"""`gitreg get --layout hf`, `sign --oms`, `verify --oms`, `add --oms-signature`, `export oci`, `import oci`:
what the commands print, and one line on stderr with a non-zero exit for every mistake."""
from __future__ import annotations

import json
import shutil

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.features.supply.conftest import ec_key, model_signing, registered, run_dir  # noqa: F401  (fixtures)
from tests.servers.oci import oci_registry  # noqa: F401  (the fixture)


def _one_line_error(r) -> bool:
    return r.code != 0 and r.err.count("\n") == 1 and "Traceback" not in r.err


def test_get_layout_hf(cli, registered, tmp_path):  # noqa: F811
    r = cli("get", "majora@latest", "--layout", "hf", "-o", str(tmp_path / "d"), "-q")
    assert r.code == 0, r.err
    assert r.out.strip() == str(tmp_path / "d") and (tmp_path / "d" / "config.json").is_file()
    r = cli("get", "majora:v1", "--layout", "onnx", "-o", str(tmp_path / "e"))
    assert _one_line_error(r) and "unknown layout 'onnx'" in r.err


def test_sign_get_verify(cli, registered, ec_key, tmp_path):  # noqa: F811
    key, pub = ec_key
    r = cli("sign", "majora:v1", "--oms", "--key", str(key))
    assert r.code == 0 and "layouts: gitreg, hf" in r.out, r.err
    assert cli("get", "majora:v1", "-o", str(tmp_path / "d"), "-q").code == 0
    done = model_signing("verify", "key", tmp_path / "d", "--signature", tmp_path / "d" / "model.sig",
                         "--public_key", pub)
    assert done.returncode == 0, done.stderr
    r = cli("verify", "--oms", "--public-key", str(pub), "majora:v1")
    assert r.code == 0 and "OMS signature (gitreg layout): OK" in r.out and "(hf layout): OK" in r.out
    # another key: gitreg and model_signing both say no
    other = tmp_path / "other.pub"
    other.write_bytes(ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    r = cli("verify", "--oms", "--public-key", str(other), "majora:v1")
    assert r.code == 1 and "FAILED" in r.out
    assert model_signing("verify", "key", tmp_path / "d", "--signature", tmp_path / "d" / "model.sig",
                         "--public_key", other).returncode != 0
    assert cli("get", "majora:v1", "-o", str(tmp_path / "r"), "--role", "gguf", "-q").code == 0
    assert not (tmp_path / "r" / "model.sig").exists()  # a part of the version: the signature would not fit


def test_sign_and_verify_mistakes(cli, registered, tmp_path):  # noqa: F811
    assert _one_line_error(r := cli("sign", "majora:v1", "--oms")) and "--key" in r.err
    assert _one_line_error(r := cli("sign", "majora:v1", "--key", "k.pem")) and "--oms" in r.err
    (tmp_path / "rsa.pem").write_text("not a key")
    assert _one_line_error(r := cli("sign", "majora:v1", "--oms", "--key", str(tmp_path / "rsa.pem")))
    assert "cannot use" in r.err
    assert _one_line_error(r := cli("verify", "--oms", "--public-key", "x.pub", "majora:v1"))
    assert "has no OMS signature" in r.err


def test_add_with_a_pipeline_signature(cli, run_dir, ec_key, tmp_path, registry_path, git):  # noqa: F811
    key, pub = ec_key
    made = model_signing("sign", "key", run_dir["lora"], "--private_key", key, "--signature", tmp_path / "p.sig")
    assert made.returncode == 0, made.stderr
    r = cli("add", "majora", "-f", f"lora={run_dir['lora']}", "--store", "--oms-signature", str(tmp_path / "p.sig"))
    assert r.code == 0, r.err
    assert "OK" in cli("verify", "--oms", "--public-key", str(pub), "majora:v1").out
    refs = git(registry_path, "for-each-ref")

    # refused BEFORE anything is written: no version, no ref moved, no note
    (tmp_path / "junk.sig").write_text("{not json")
    r = cli("add", "majora", "-f", f"gguf={run_dir['gguf']}", "--oms-signature", str(tmp_path / "junk.sig"))
    assert _one_line_error(r) and "not an OpenSSF model signing v1.0 signature" in r.err
    for dry in ([], ["--dry-run"]):
        r = cli("add", "majora", "-f", f"gguf={run_dir['gguf']}", "--store", "--oms-signature", str(tmp_path / "p.sig"),
                *dry)
        assert _one_line_error(r) and "does not list the files of majora" in r.err
    # the same files but one changed byte: the hashes registration computed say no
    changed = tmp_path / "changed" / run_dir["lora"].name
    shutil.copytree(run_dir["lora"], changed)
    weights = changed / "adapter_model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-1] + bytes([weights.read_bytes()[-1] ^ 1]))
    r = cli("add", "majora", "-f", f"lora={changed}", "--oms-signature", str(tmp_path / "p.sig"))
    assert _one_line_error(r) and "first differences: adapter_model.safetensors" in r.err
    assert git(registry_path, "for-each-ref") == refs
    assert [v["version"] for v in json.loads(cli("versions", "majora", "--json").out)] == ["v1"]


def test_export_and_import_oci(cli, registered, oci_registry, tmp_path):  # noqa: F811
    from gitreg.clients.cli.main import main

    r = cli("export", "oci", "majora:v1", f"{oci_registry.host}/m/majora:v1", "--plain-http", "-q")
    assert r.code == 0 and "6 blob(s) uploaded, 0 already there" in r.out, r.err
    r = cli("export", "oci", "majora:v1", "v1", "--layout", str(tmp_path / "lay"), "-q")
    assert r.code == 0 and (tmp_path / "lay" / "index.json").is_file()
    assert main(["-R", str(tmp_path / "b.git"), "import", "oci", f"{oci_registry.host}/m/majora:v1",
                 "--plain-http", "-m", "majora"]) == 0
    assert _one_line_error(r := cli("export", "oci", "majora:v1", "not a reference", "--plain-http"))
    assert "is not an OCI reference" in r.err
    assert _one_line_error(r := cli("export", "oci", "majora:v1", "127.0.0.1:1/m/x:v1", "--plain-http"))
    assert "cannot reach 127.0.0.1:1" in r.err
    assert _one_line_error(r := cli("import", "oci", f"{oci_registry.host}/m/nothing:v1", "--plain-http",
                                    "-m", "x"))
    assert "no such manifest" in r.err


def test_help_of_the_new_commands(cli):
    for command in (["sign"], ["export"], ["export", "oci"], ["import"], ["import", "oci"], ["get"], ["verify"]):
        r = cli(*command, "--help")
        assert r.code == 0 and r.out.startswith("Usage: gitreg"), command
        for leak in ("<str>", "<path>", "list[", "<bool>"):
            assert leak not in r.out, (command, leak)
    assert "--layout gitreg|hf" in cli("get", "--help").out
    assert "--oms-signature FILE" in cli("add", "--help").out
    assert "import-json" in cli("--help").out and "export-json" in cli("--help").out  # the old names stay

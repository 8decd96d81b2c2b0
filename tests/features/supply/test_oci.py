"""ModelPack OCI export/import against a real registry (distribution), checked by skopeo and oras."""
from __future__ import annotations

import hashlib
import json
import subprocess

import pytest

from gitreg import ModelRegistry
from gitreg.core.errors import InvalidValueError, RemoteError, SigningError
from gitreg.features.supply import oci
from tests.features.artifacts.conftest import lfs_object, run, sha256_of
from tests.features.supply.conftest import model_signing
from tests.servers import need


def _manifest(registry, repo: str, ref: str, accept: str = oci.OCI_MANIFEST) -> tuple[bytes, dict]:
    import urllib.request
    req = urllib.request.Request(f"http://{registry.host}/v2/{repo}/manifests/{ref}", headers={"Accept": accept})
    with urllib.request.urlopen(req) as r:
        data = r.read()
    return data, json.loads(data)


def _recorded(v) -> dict[str, str]:
    """{gitreg path: sha256} of a version's files, from its manifest."""
    from gitreg.features.supply.layouts import manifest_files
    return {p: sha for p, (sha, _) in manifest_files(v, "gitreg").items()}


def test_export_is_a_modelpack_whose_layers_are_the_lfs_oids_and_skopeo_checks_them(
        reg, registered, ec_key, oci_registry, tmp_path):
    reg.sign_oms("majora:v1", ec_key[0])
    report = reg.export_oci("majora:v1", f"{oci_registry.host}/models/majora:v1", plain_http=True)
    data, manifest = _manifest(oci_registry, "models/majora", "v1")
    assert report.digest == "sha256:" + hashlib.sha256(data).hexdigest()
    assert manifest["artifactType"] == "application/vnd.cncf.model.manifest.v1+json"
    assert manifest["config"]["mediaType"] == "application/vnd.cncf.model.config.v1+json"
    assert manifest["annotations"]["org.gitreg.commit"] == registered.commit
    assert manifest["annotations"]["org.gitreg.tag"] == "refs/tags/majora/v1"
    layers = {la["annotations"]["org.cncf.model.filepath"]: la for la in manifest["layers"]}
    assert layers["tiny-Q4_K_M.gguf"]["mediaType"] == "application/vnd.cncf.model.weight.v1.raw"
    assert layers["adapter_model.safetensors"]["mediaType"] == "application/vnd.cncf.model.weight.v1.raw"
    assert layers["config.json"]["mediaType"] == "application/vnd.cncf.model.weight.config.v1.raw"
    assert layers["README.md"]["mediaType"] == "application/vnd.cncf.model.doc.v1.raw"
    # every file's layer digest is its sha256 as recorded (the LFS oid): nothing was re-packed
    own = {la["annotations"]["org.gitreg.file"]: la["digest"] for la in manifest["layers"]
           if "org.gitreg.file" in la["annotations"]}
    assert own == {p: "sha256:" + sha for p, sha in _recorded(registered).items()}

    skopeo = need("skopeo", "skopeo")
    run(skopeo, "copy", "--src-tls-verify=false", f"docker://{oci_registry.host}/models/majora:v1",
        f"oci:{tmp_path / 'layout'}:v1")  # a second implementation checks every digest
    for la in manifest["layers"]:
        blob = tmp_path / "layout" / "blobs" / "sha256" / la["digest"].split(":")[1]
        assert sha256_of(blob) == la["digest"].split(":")[1] and blob.stat().st_size == la["size"]
    config = json.loads((tmp_path / "layout" / "blobs" / "sha256" / manifest["config"]["digest"][7:]).read_bytes())
    assert config["descriptor"]["name"] == "majora" and config["descriptor"]["revision"] == registered.commit
    assert config["descriptor"]["family"] == "gpt2"
    assert config["config"]["format"] == "gguf" and config["config"]["quantization"] == "Q4_K_M"
    assert config["config"]["paramSize"] == "1.02k" and config["config"]["precision"] == "bf16"  # 2 x 8x64 BF16
    assert config["modelfs"]["diffIds"] == [la["digest"] for la in manifest["layers"]]

    # the OMS signature: a referrer whose subject is the model, found through the OCI 1.1 fallback tag
    assert report.signature == f"tag {report.digest.replace(':', '-')}"
    _, index = _manifest(oci_registry, "models/majora", report.digest.replace(":", "-"), oci.OCI_INDEX)
    [sig] = index["manifests"]
    _, referrer = _manifest(oci_registry, "models/majora", sig["digest"])
    assert referrer["subject"]["digest"] == report.digest
    assert referrer["artifactType"] == "application/vnd.dev.sigstore.bundle.v0.3+json"

    # one corrupted blob in the registry: skopeo refuses it (the check above is a real one)
    oci_registry.blob_file(layers["config.json"]["digest"]).write_bytes(b'{"x": 1}' + b" " * 26)
    bad = subprocess.run([skopeo, "copy", "--src-tls-verify=false", f"docker://{oci_registry.host}/models/majora:v1",
                          f"oci:{tmp_path / 'again'}:v1"], capture_output=True, text=True)
    assert bad.returncode != 0 and "Digest did not match" in bad.stderr


def test_oras_pull_gives_the_same_bytes_and_nothing_is_uploaded_twice(reg, registered, run_dir, oci_registry, tmp_path):
    target = f"{oci_registry.host}/models/majora:v1"
    first = reg.export_oci("majora:v1", target, plain_http=True)
    assert len(first.uploaded) == 6 and not first.present  # config, README.md card, 4 files
    import oras.client
    oras.client.OrasClient(insecure=True).pull(target=target, outdir=str(tmp_path / "pulled"))
    for name, source in (("config.json", run_dir["config"]), ("tiny-Q4_K_M.gguf", run_dir["gguf"]),
                         ("adapter_model.safetensors", run_dir["lora"] / "adapter_model.safetensors"),
                         ("adapter_config.json", run_dir["lora"] / "adapter_config.json")):
        assert (tmp_path / "pulled" / name).read_bytes() == source.read_bytes()

    gguf_blob = oci_registry.blob_file("sha256:" + sha256_of(run_dir["gguf"]))
    before = gguf_blob.stat().st_mtime_ns
    again = reg.export_oci("majora:v1", target, plain_http=True)
    assert again.uploaded == [] and again.digest == first.digest
    # v2 shares the GGUF and the config: only its new file, its config and its card go up
    (tmp_path / "other.gguf").write_bytes(b"GGUF" + b"\1" * 5000)
    reg.register_model("majora", files=[("config", str(run_dir["config"])), ("gguf", str(run_dir["gguf"])),
                                        ("gguf", str(tmp_path / "other.gguf"))], store=True)
    third = reg.export_oci("majora:v2", f"{oci_registry.host}/models/majora:v2", plain_http=True)
    assert "sha256:" + sha256_of(run_dir["gguf"]) in third.present
    assert "sha256:" + sha256_of(run_dir["config"]) in third.present
    assert len(third.uploaded) == 3
    assert gguf_blob.stat().st_mtime_ns == before


def test_import_into_a_second_registry_gives_the_same_files_and_keeps_the_signature(
        reg, registered, ec_key, oci_registry, tmp_path):
    key, pub = ec_key
    reg.sign_oms("majora:v1", key)
    target = f"{oci_registry.host}/models/majora:v1"
    reg.export_oci("majora:v1", target, plain_http=True)
    second_path = tmp_path / "second.git"
    second = ModelRegistry(second_path)
    v, pulled = second.import_oci("majora", target, plain_http=True)
    assert _recorded(v) == _recorded(registered)
    assert sorted((f.role, f.sha256, f.size_bytes) for f in v.files) == \
        sorted((f.role, f.sha256, f.size_bytes) for f in registered.files)
    assert len(pulled.downloaded) == 4 and pulled.signature is not None
    for sha in _recorded(v).values():
        assert sha256_of(lfs_object(second_path, sha)) == sha
    assert all(c.ok for c in second.verify_oms("majora:v1", public_key=pub))
    out = second.write_layout("majora:v1", tmp_path / "out", layout="hf")  # the signature the artifact carried
    done = model_signing("verify", "key", out, "--signature", out / "model.sig", "--public_key", pub)
    assert done.returncode == 0, done.stderr
    # the same artifact again: every layer is already stored, nothing is downloaded
    _, again = second.import_oci("majora", target, plain_http=True)
    assert again.downloaded == [] and len(again.present) == 4


def test_an_oci_layout_on_disk_that_skopeo_reads(reg, registered, ec_key, tmp_path):
    reg.sign_oms("majora:v1", ec_key[0])
    root = reg.export_oci("majora:v1", layout_dir=tmp_path / "layout")
    index = json.loads((root / "index.json").read_text())
    assert index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"] == "v1"
    assert index["manifests"][1]["artifactType"] == "application/vnd.dev.sigstore.bundle.v0.3+json"
    skopeo = need("skopeo", "skopeo")
    run(skopeo, "copy", f"oci:{root}:v1", f"oci:{tmp_path / 'copy'}:v1")
    for blob in (root / "blobs" / "sha256").iterdir():
        assert sha256_of(blob) == blob.name


def test_a_corrupt_blob_or_a_foreign_artifact_registers_nothing(reg, registered, oci_registry, tmp_path, run_dir):
    target = f"{oci_registry.host}/models/majora:v1"
    reg.export_oci("majora:v1", target, plain_http=True)
    gguf = "sha256:" + sha256_of(run_dir["gguf"])
    blob = oci_registry.blob_file(gguf)
    blob.write_bytes(b"X" + blob.read_bytes()[1:])
    second = ModelRegistry(tmp_path / "second.git")
    with pytest.raises(RemoteError, match="arrived with other content"):
        second.import_oci("majora", target, plain_http=True)
    assert second.list_models() == []
    assert not lfs_object(tmp_path / "second.git", gguf[7:]).exists()

    import oras.client
    (tmp_path / "f.txt").write_text("hello")
    oras.client.OrasClient(insecure=True).push(target=f"{oci_registry.host}/other/thing:v1",
                                               files=[str(tmp_path / "f.txt")], disable_path_validation=True)
    with pytest.raises(InvalidValueError, match="is not a ModelPack model"):
        second.import_oci("thing", f"{oci_registry.host}/other/thing:v1", plain_http=True)


def test_a_docker_model_runner_style_artifact_is_imported_as_one_directory(reg, oci_registry, tmp_path, monkeypatch):
    """Per-file layers with a title and Docker's config type (what `docker model package` pushes)."""
    import oras.client
    work = tmp_path / "dmr"
    work.mkdir()
    (work / "model.gguf").write_bytes(b"GGUF" + b"\7" * 3000)
    (work / "config.json").write_text('{"format": "gguf"}')
    monkeypatch.chdir(work)  # oras names a layer by the path it was given
    oras.client.OrasClient(insecure=True).push(
        target=f"{oci_registry.host}/ai/tiny:latest", files=["model.gguf:application/vnd.docker.ai.gguf.v3"],
        manifest_config="config.json:application/vnd.docker.ai.model.config.v0.1+json")
    v, pulled = reg.import_oci("tiny", f"{oci_registry.host}/ai/tiny:latest", plain_http=True)
    [entry] = v.files
    assert entry.role == "model" and [c.path for c in entry.contents] == ["model.gguf"]
    assert entry.contents[0].sha256 == sha256_of(work / "model.gguf")
    out = reg.write_layout("tiny:v1", tmp_path / "out", layout="hf")
    assert (out / "model.gguf").read_bytes() == (work / "model.gguf").read_bytes()


def test_a_version_whose_files_clash_in_the_hf_layout_travels_in_the_gitreg_layout(
        reg, run_dir, oci_registry, tmp_path):
    tok = tmp_path / "tok"
    (tok / "sub").mkdir(parents=True)
    (tok / "config.json").write_text('{"tokenizer": true}')
    (tok / "sub" / "merges.txt").write_text("a b\n")
    v = reg.register_model("majora", files=[("config", str(run_dir["config"])), ("tokenizer", str(tok))], store=True)
    target = f"{oci_registry.host}/models/majora:v1"
    reg.export_oci("majora:v1", target, plain_http=True)
    _, manifest = _manifest(oci_registry, "models/majora", "v1")
    assert manifest["annotations"]["org.gitreg.layout"] == "gitreg"
    paths = sorted(la["annotations"]["org.cncf.model.filepath"] for la in manifest["layers"])
    assert paths == ["config/config.json", "tokenizer/tok/config.json", "tokenizer/tok/sub/merges.txt"]
    second, _ = ModelRegistry(tmp_path / "second.git").import_oci("majora", target, plain_http=True)
    assert _recorded(second) == _recorded(v)
    assert sorted((f.role, f.sha256) for f in second.files) == sorted((f.role, f.sha256) for f in v.files)


def test_a_registry_that_sends_an_endless_manifest_is_refused_at_the_bound(tmp_path):
    """A hostile or broken registry streams a manifest that never ends: the import stops after
    MAX_JSON + 1 bytes with one error, and nothing is registered."""
    import http.server
    import threading

    sent = []

    class Endless(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def do_GET(self):
            if self.path == "/v2/":
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")
                return
            self.send_response(200)
            self.send_header("Content-Type", oci.OCI_MANIFEST)
            self.end_headers()  # no length: the body runs until the connection closes
            chunk = b" " * (1 << 16)
            try:
                for _ in range(16 * oci.MAX_JSON // len(chunk)):
                    self.wfile.write(chunk)
                    sent.append(len(chunk))
            except (BrokenPipeError, ConnectionResetError):
                pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Endless)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        reg = ModelRegistry(tmp_path / "r.git")
        with pytest.raises(RemoteError, match=f"over {oci.MAX_JSON} bytes"):
            reg.import_oci("m", f"127.0.0.1:{server.server_address[1]}/ai/m:v1", plain_http=True)
        assert reg.list_models() == []
        assert sum(sent) < 16 * oci.MAX_JSON  # the client hung up; it did not read the rest
    finally:
        server.shutdown()
        server.server_close()


def test_a_signature_that_does_not_list_the_artifacts_files_refuses_the_import(
        reg, registered, ec_key, run_dir, oci_registry, tmp_path):
    """v1's signature attached (by a hostile or mistaken publisher) to v2's artifact: the import
    registers nothing, and --ignore-signature imports v2 without that signature."""
    import urllib.request
    reg.sign_oms("majora:v1", ec_key[0])
    signed = reg.export_oci("majora:v1", f"{oci_registry.host}/models/majora:v1", plain_http=True)
    (tmp_path / "other.gguf").write_bytes(b"GGUF" + b"\2" * 4000)
    reg.register_model("majora", files=[("gguf", str(tmp_path / "other.gguf"))], store=True)
    other = reg.export_oci("majora:v2", f"{oci_registry.host}/models/majora:v2", plain_http=True)
    index, _ = _manifest(oci_registry, "models/majora", signed.digest.replace(":", "-"), oci.OCI_INDEX)
    put = urllib.request.Request(
        f"http://{oci_registry.host}/v2/models/majora/manifests/{other.digest.replace(':', '-')}",
        data=index, method="PUT", headers={"Content-Type": oci.OCI_INDEX})
    urllib.request.urlopen(put).close()

    second = ModelRegistry(tmp_path / "second.git")
    with pytest.raises(InvalidValueError, match="does not list the files.*nothing imported"):
        second.import_oci("majora", f"{oci_registry.host}/models/majora:v2", plain_http=True)
    assert second.list_models() == []

    v, pulled = second.import_oci("majora", f"{oci_registry.host}/models/majora:v2", plain_http=True,
                                  ignore_signature=True)
    assert pulled.signature is not None and pulled.kept is None
    assert [f.sha256 for f in v.files] == [sha256_of(tmp_path / "other.gguf")]
    with pytest.raises(SigningError, match="has no OMS signature"):  # none was kept
        second.verify_oms(f"majora:{v.version}", public_key=ec_key[1])

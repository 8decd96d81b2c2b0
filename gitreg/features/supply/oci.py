"""A version as a CNCF ModelPack OCI artifact: to a registry, to an OCI image layout, and back.

Every file is one raw layer (`application/vnd.cncf.model.*.v1.raw`) whose digest is the
file's sha256 from the manifest, which for a stored file is its Git LFS oid: no layer is
built or hashed again. Layers carry `org.cncf.model.filepath` (the file's path in the hf
layout, or in the gitreg one when hf has a clash) and `org.gitreg.file` (its gitreg path:
role, name, path inside), so `import oci` rebuilds the same files: entries. The ModelPack
config records name, version, the commit as revision, and format / precision /
quantisation / parameter size where the files say so (config.json, the GGUF name, the
safetensors header); the manifest's annotations name the gitreg model, version, commit and
tag. An OMS signature is attached as an OCI 1.1 referrer (a manifest whose `subject` is the
model): where the registry has no referrers API (distribution 2.8) the OCI 1.1 fallback tag
`sha256-<hex of the model manifest>` holds an index of the referrers.

Registry traffic goes through the `oras` client (the `oci` extra): blobs already in the
repository are not uploaded again (HEAD first), large ones are streamed in chunks.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Optional

from gitreg.core.errors import GitregError, InvalidValueError, RemoteError
from gitreg.core.file_records import ContentFile
from gitreg.core.records import ArtifactFile, ModelVersion
from gitreg.features.artifacts import get, place
from gitreg.features.supply import hf, layouts, oms
from gitreg.git import lfs
from gitreg.git.repository import Store

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
ARTIFACT_TYPE = "application/vnd.cncf.model.manifest.v1+json"
CONFIG_TYPE = "application/vnd.cncf.model.config.v1+json"
WEIGHT = "application/vnd.cncf.model.weight.v1.raw"
WEIGHT_CONFIG = "application/vnd.cncf.model.weight.config.v1.raw"
DOC = "application/vnd.cncf.model.doc.v1.raw"
CODE = "application/vnd.cncf.model.code.v1.raw"
DATASET = "application/vnd.cncf.model.dataset.v1.raw"
BUNDLE_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"
DOCKER_MODEL_CONFIGS = ("application/vnd.docker.ai.model.config.v0.1+json",
                        "application/vnd.docker.ai.model.config.v0.2+json")
FILEPATH = "org.cncf.model.filepath"
TITLE = "org.opencontainers.image.title"
GITREG_FILE = "org.gitreg.file"
GENERATED = "org.gitreg.generated"  # the hf model card made at export: not a file of the version
CHUNK = 64 << 20
MAX_JSON = 4 << 20  # manifests, configs, indexes read from a registry

_WEIGHT_EXT = {".safetensors", ".bin", ".gguf", ".ggml", ".pt", ".pth", ".ckpt", ".onnx", ".h5", ".msgpack",
               ".tflite", ".pb", ".npz", ".npy", ".mlmodel", ".keras"}
_CODE_EXT = {".py", ".sh", ".ipynb", ".js", ".ts", ".go", ".rs", ".c", ".cc", ".cpp", ".h"}
_DOC_EXT = {".md", ".pdf", ".rst"}
_DOC_NAMES = re.compile(r"(?i)^(readme|license|licence|notice|use_policy|model_card)")
_CONFIG_EXT = {".json", ".yaml", ".yml", ".txt", ".model", ".tiktoken", ".jinja", ".vocab", ".toml"}
_GGUF_QUANT = re.compile(r"(?i)[-_.]((?:I?Q\d+(?:_[A-Z0-9]+)*)|BF16|F16|F32)\.gguf$")
_ROLE_OF_TYPE = {WEIGHT: "weights", WEIGHT_CONFIG: "config", DOC: "doc", CODE: "code", DATASET: "dataset"}


def media_type(path: str, role: str) -> str:
    """The ModelPack layer type of one file: by its name first, then by its role."""
    name = PurePosixPath(path).name
    ext = PurePosixPath(name).suffix.lower()
    if ext in _WEIGHT_EXT:
        return WEIGHT
    if ext in _CODE_EXT:
        return CODE
    if ext in _DOC_EXT or _DOC_NAMES.match(name):
        return DOC
    if ext in _CONFIG_EXT or role in ("config", "tokenizer"):
        return WEIGHT_CONFIG
    return {"dataset": DATASET, "code": CODE, "doc": DOC, "docs": DOC}.get(role, WEIGHT)


@dataclass
class Blob:
    """One blob of the artifact: a file's bytes where they are, or bytes made here."""
    media_type: str
    digest: str  # sha256:<hex>
    size: int
    path: Optional[Path] = None
    data: Optional[bytes] = None
    annotations: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, media_type: str, data: bytes, **kw: Any) -> "Blob":
        return cls(media_type, "sha256:" + hashlib.sha256(data).hexdigest(), len(data), data=data, **kw)

    def descriptor(self) -> dict[str, Any]:
        d: dict[str, Any] = {"mediaType": self.media_type, "digest": self.digest, "size": self.size}
        if self.annotations:
            d["annotations"] = dict(self.annotations)
        return d


@dataclass
class Artifact:
    """The ModelPack artifact of a version, and its OMS signature's referrer when it has one."""
    config: Blob
    layers: list[Blob]
    manifest: bytes
    referrer: Optional[tuple[bytes, list[Blob]]] = None  # (manifest, its config and layer)

    @property
    def digest(self) -> str:
        return "sha256:" + hashlib.sha256(self.manifest).hexdigest()


def _json(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _small_json(path: Path) -> dict[str, Any]:
    try:
        if path.stat().st_size > MAX_JSON:
            return {}
        loaded = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


_DTYPES = {"BF16": "bf16", "F16": "fp16", "F32": "fp32", "F64": "fp64", "I8": "int8", "U8": "uint8",
           "F8_E4M3": "fp8", "F8_E5M2": "fp8"}


def _safetensors_facts(path: Path) -> tuple[int, Optional[str]]:
    """(parameter count, most common dtype) from a safetensors header alone (never the tensors)."""
    try:
        with open(path, "rb") as fh:
            (n,) = struct.unpack("<Q", fh.read(8))
            if n > MAX_JSON:
                return 0, None
            header = json.loads(fh.read(n))
    except (OSError, ValueError, struct.error):
        return 0, None
    count, dtypes = 0, {}
    for name, t in header.items() if isinstance(header, dict) else ():
        if name == "__metadata__" or not isinstance(t, dict) or not isinstance(t.get("shape"), list):
            continue
        size = 1
        for d in t["shape"]:
            size *= d if isinstance(d, int) and d >= 0 else 0
        count += size
        dtypes[t.get("dtype")] = dtypes.get(t.get("dtype"), 0) + size
    common = max(dtypes, key=dtypes.get) if dtypes else None
    return count, _DTYPES.get(str(common)) if common else None


def _param_size(count: int) -> str:
    for unit, scale in (("t", 1e12), ("b", 1e9), ("m", 1e6), ("k", 1e3)):
        if count >= scale:
            return f"{count / scale:.3g}{unit}"
    return str(count)


def model_config(v: ModelVersion, files: list[tuple[str, Blob]]) -> dict[str, Any]:
    """The ModelPack config (application/vnd.cncf.model.config.v1+json): what the files say."""
    by_name = {PurePosixPath(p).name: b for p, b in files}
    cfg = _small_json(by_name["config.json"].path) if "config.json" in by_name and by_name["config.json"].path else {}
    names = [PurePosixPath(p).name for p, _ in files]
    exts = {PurePosixPath(n).suffix.lower() for n in names}
    fmt = next((f for ext, f in ((".gguf", "gguf"), (".safetensors", "safetensors"), (".onnx", "onnx"),
                                 (".bin", "pytorch"), (".pt", "pytorch"), (".pth", "pytorch")) if ext in exts), None)
    config: dict[str, Any] = {}
    if fmt:
        config["format"] = fmt
    if cfg.get("model_type") or cfg.get("architectures"):
        config["architecture"] = "transformer"
    quant = next((m.group(1).upper() for n in names if (m := _GGUF_QUANT.search(n))), None)
    qc = cfg.get("quantization_config")
    if quant is None and isinstance(qc, dict) and isinstance(qc.get("quant_method"), str):
        quant = qc["quant_method"]
    if quant:
        config["quantization"] = quant
    params, precision = 0, None
    for p, b in files:
        if p.endswith(".safetensors") and b.path is not None:
            count, dtype = _safetensors_facts(b.path)
            params += count
            precision = precision or dtype
    if params:
        config["paramSize"] = _param_size(params)
    dtype = cfg.get("torch_dtype") or cfg.get("dtype")
    precision = precision or ({"bfloat16": "bf16", "float16": "fp16", "float32": "fp32"}.get(dtype)
                              if isinstance(dtype, str) else None)
    if precision:
        config["precision"] = precision
    descriptor: dict[str, Any] = {"name": v.model_name, "version": v.version, "revision": v.commit}
    if v.created_at:
        descriptor["createdAt"] = v.created_at
    if v.registered_by:
        descriptor["authors"] = [v.registered_by]
    if isinstance(cfg.get("model_type"), str):
        descriptor["family"] = cfg["model_type"]
    if v.notes:
        descriptor["description"] = v.notes[:1000]
    return {"descriptor": descriptor, "config": config,
            "modelfs": {"type": "layers", "diffIds": [b.digest for _, b in files]}}


def build(store: Optional[Store], v: ModelVersion, tag_id: Optional[str], *, progress=None,
          transfer_progress: bool = False) -> Artifact:
    """The artifact of a version: its files fetched and checked here, nothing hashed again."""
    where = f"{v.model_name}/{v.version}:manifest.yaml"
    try:
        layouts.manifest_files(v, "hf")
        layout = "hf"
    except InvalidValueError:
        layout = layouts.check_layout("gitreg")
    layouts.manifest_files(v, layout)  # every file has a sha256 (else: refused before any download)
    sources = get.sources(store, v, progress=progress, transfer_progress=transfer_progress)
    files: list[tuple[str, Blob]] = []
    for s in sources:
        path = "/".join(layouts.target(s.entry, s.parts, layout, where))
        own = "/".join(layouts.target(s.entry, s.parts, "gitreg", where))
        files.append((path, Blob(media_type(path, s.entry.role), "sha256:" + s.sha256, s.path.stat().st_size,
                                 path=s.path, annotations={FILEPATH: path, TITLE: path, GITREG_FILE: own})))
    if layout == "hf" and oms.card_allowed(store, v) and layouts.CARD not in {p for p, _ in files}:
        files.append((layouts.CARD, Blob.of(DOC, hf.card(v), annotations={FILEPATH: layouts.CARD, TITLE: layouts.CARD,
                                                                        GENERATED: "model-card"})))
    files.sort(key=lambda f: f[0])
    config = Blob.of(CONFIG_TYPE, _json(model_config(v, files)))
    annotations = {
        "org.opencontainers.image.title": v.model_name,
        "org.opencontainers.image.version": v.version,
        "org.opencontainers.image.revision": v.commit,
        "org.gitreg.model": v.model_name, "org.gitreg.version": v.version, "org.gitreg.commit": v.commit,
        "org.gitreg.tag": f"refs/tags/{v.model_name}/{v.version}", "org.gitreg.layout": layout,
    }
    if tag_id:
        annotations["org.gitreg.tag-object"] = tag_id
    if v.created_at:
        annotations["org.opencontainers.image.created"] = v.created_at
    layers = [b for _, b in files]
    manifest = _json({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": ARTIFACT_TYPE,
                      "config": config.descriptor(), "layers": [b.descriptor() for b in layers],
                      "annotations": annotations})
    art = Artifact(config, layers, manifest)
    bundle = oms.stored(store, v).get(layout)
    if bundle is not None:
        art.referrer = _referrer(art, bundle.encode("utf-8"))
    return art


def _referrer(art: Artifact, bundle: bytes) -> tuple[bytes, list[Blob]]:
    """The OMS signature as an OCI 1.1 referrer of the model manifest."""
    empty = Blob.of(OCI_EMPTY, b"{}")
    layer = Blob.of(BUNDLE_TYPE, bundle, annotations={TITLE: oms.SIGNATURE_FILE})
    manifest = _json({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": BUNDLE_TYPE,
                      "config": empty.descriptor(), "layers": [layer.descriptor()],
                      "subject": {"mediaType": OCI_MANIFEST, "digest": art.digest, "size": len(art.manifest)},
                      "annotations": {"org.gitreg.signature": "oms"}})
    return manifest, [empty, layer]


# -- an OCI image layout on disk --------------------------------------------------------------
def write_layout(art: Artifact, root: Path, tag: str) -> Path:
    """`root` as an OCI image layout (oci-layout, index.json, blobs/sha256/...) tagged `tag`;
    file layers are copied (reflinked where the file system can) from where they are."""
    blobs = [art.config] + art.layers
    manifests = [(art.manifest, {"org.opencontainers.image.ref.name": tag}, ARTIFACT_TYPE)]
    if art.referrer is not None:
        blobs += art.referrer[1]
        manifests.append((art.referrer[0], {}, BUNDLE_TYPE))
    for blob in blobs:
        hexd = blob.digest.split(":", 1)[1]
        if (root / "blobs" / "sha256" / hexd).exists():
            continue
        if blob.path is not None:
            place.copy_fast(blob.path, root, ("blobs", "sha256", hexd))
        else:
            place.write_bytes(root, ("blobs", "sha256", hexd), blob.data or b"")
    index_path = root / "index.json"
    index = _small_json(index_path) if index_path.exists() else {}
    listed = index.get("manifests") if isinstance(index.get("manifests"), list) else []
    entries = [m for m in listed if isinstance(m, dict) and not (
        isinstance(m.get("annotations"), dict) and m["annotations"].get("org.opencontainers.image.ref.name") == tag)]
    for data, notes, artifact_type in manifests:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        place.write_bytes(root, ("blobs", "sha256", digest.split(":", 1)[1]), data)
        entry = {"mediaType": OCI_MANIFEST, "digest": digest, "size": len(data), "artifactType": artifact_type}
        if notes:
            entry["annotations"] = notes
        if all(e.get("digest") != digest for e in entries) or notes:
            entries.append(entry)
    place.write_bytes(root, ("oci-layout",), _json({"imageLayoutVersion": "1.0.0"}))
    place.write_bytes(root, ("index.json",), _json({"schemaVersion": 2, "mediaType": OCI_INDEX,
                                                    "manifests": entries}))
    return root


# -- a registry, through oras --------------------------------------------------------------------
def _client(plain_http: bool) -> Any:
    try:
        import oras.provider
    except ImportError:
        raise GitregError("OCI export/import needs the oras package: pip install 'git-model-registry[oci]'") from None
    return oras.provider.Registry(insecure=plain_http)


def _split(target: str) -> tuple[str, str, str]:
    """(registry host, repository, tag or digest) of REGISTRY/REPO[:TAG|@sha256:...]."""
    m = re.fullmatch(r"([A-Za-z0-9.-]+(?::\d+)?)/([a-z0-9]+(?:[._/-][a-z0-9]+)*)(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})"
                     r"|@(sha256:[0-9a-f]{64}))?", target)
    if not m:
        raise InvalidValueError(f"{target!r} is not an OCI reference REGISTRY/REPOSITORY[:TAG|@sha256:DIGEST]")
    return m.group(1), m.group(2), m.group(3) or m.group(4) or "latest"


@dataclass
class PushReport:
    """What one export to a registry did: the manifest digest, blobs uploaded and already there."""
    reference: str
    digest: str
    uploaded: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    signature: Optional[str] = None  # how the OMS signature was attached: "referrers API" or the fallback tag


class _Remote:
    """One repository of a registry, reached through oras' Registry (auth, retries, uploads)."""

    def __init__(self, target: str, plain_http: bool) -> None:
        self.host, self.repo, self.ref = _split(target)
        self.client = _client(plain_http)
        self.container = self.client.get_container(f"{self.host}/{self.repo}")
        self.base = f"{self.client.prefix}://{self.host}/v2/{self.repo}"
        self._reachable()

    def _reachable(self) -> None:
        """One quick probe of /v2/ first: oras retries a refused connection for minutes."""
        import requests
        try:
            self.client.session.get(f"{self.client.prefix}://{self.host}/v2/", timeout=15)
        except requests.RequestException as exc:
            raise RemoteError(f"cannot reach {self.host}: {str(exc)[:200]}") from None

    def _ok(self, response: Any, what: str) -> Any:
        if response.status_code not in (200, 201, 202):
            raise RemoteError(f"{self.host}/{self.repo}: {what} refused ({response.status_code} "
                              f"{response.text[:200].strip()})")
        return response

    def request(self, method: str, url: str, **kw: Any) -> Any:
        import requests
        try:
            return self.client.do_request(url, method, **kw)
        except requests.RequestException as exc:
            raise RemoteError(f"cannot reach {self.host}: {str(exc)[:200]}") from None

    def has_blob(self, blob: Blob) -> bool:
        return self.request("HEAD", f"{self.base}/blobs/{blob.digest}").status_code == 200

    def upload(self, blob: Blob) -> None:
        import tempfile
        layer = {"digest": blob.digest, "size": blob.size, "mediaType": blob.media_type}
        if blob.path is not None:
            self._ok(self.client.chunked_upload(str(blob.path), self.container, layer, chunk_size=CHUNK),
                     f"upload of {blob.digest}")
            return
        with tempfile.NamedTemporaryFile() as tmp:
            tmp.write(blob.data or b"")
            tmp.flush()
            self._ok(self.client.put_upload(tmp.name, self.container, layer), f"upload of {blob.digest}")

    def read_bounded(self, url: str, limit: int, what: str, **kw: Any) -> Optional[bytes]:
        """The body of a GET of at most `limit` bytes (None on 404), streamed so that a hostile
        or broken registry sending more is refused after limit + 1 bytes, not held in memory."""
        r = self.request("GET", url, stream=True, **kw)
        try:
            if r.status_code == 404:
                return None
            self._ok(r, what)
            body = bytearray()
            for chunk in r.iter_content(min(limit + 1, 1 << 16)):
                body += chunk
                if len(body) > limit:
                    raise RemoteError(f"{self.host}/{self.repo}: {what} is over {limit} bytes")
            return bytes(body)
        finally:
            r.close()

    def put_manifest(self, ref: str, data: bytes, media_type: str) -> Any:
        return self._ok(self.request("PUT", f"{self.base}/manifests/{ref}", data=data,
                                     headers={"Content-Type": media_type}), f"manifest {ref}")

    def get_json(self, ref: str, accept: str) -> Optional[tuple[bytes, dict[str, Any]]]:
        data = self.read_bounded(f"{self.base}/manifests/{ref}", MAX_JSON, f"manifest {ref}",
                                 headers={"Accept": accept})
        if data is None:
            return None
        try:
            parsed = json.loads(data)
        except ValueError:
            raise RemoteError(f"{self.host}/{self.repo}: manifest {ref} is not JSON") from None
        if not isinstance(parsed, dict):
            raise RemoteError(f"{self.host}/{self.repo}: manifest {ref} is not an object")
        return data, parsed


def push(art: Artifact, target: str, plain_http: bool = False) -> PushReport:
    """Upload the blobs the repository lacks, then the manifest under the tag, then the signature."""
    remote = _Remote(target, plain_http)
    report = PushReport(f"{remote.host}/{remote.repo}:{remote.ref}", art.digest)
    blobs = [art.config] + art.layers + (art.referrer[1] if art.referrer else [])
    seen: set[str] = set()
    for blob in blobs:
        if blob.digest in seen:
            continue
        seen.add(blob.digest)
        if remote.has_blob(blob):
            report.present.append(blob.digest)
        else:
            remote.upload(blob)
            report.uploaded.append(blob.digest)
    remote.put_manifest(remote.ref, art.manifest, OCI_MANIFEST)
    if art.referrer is not None:
        data = art.referrer[0]
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        r = remote.put_manifest(digest, data, OCI_MANIFEST)
        if r.headers.get("OCI-Subject"):
            report.signature = "referrers API"
        else:
            report.signature = _fallback_tag(remote, art, digest, len(data))
    return report


def _fallback_tag(remote: _Remote, art: Artifact, digest: str, size: int) -> str:
    """OCI 1.1's referrers tag schema: the index at tag sha256-<hex> lists the referrers."""
    tag = art.digest.replace(":", "-")
    got = remote.get_json(tag, OCI_INDEX)
    manifests = [m for m in (got[1].get("manifests") if got else None) or [] if isinstance(m, dict)]
    if all(m.get("digest") != digest for m in manifests):
        manifests.append({"mediaType": OCI_MANIFEST, "digest": digest, "size": size, "artifactType": BUNDLE_TYPE})
    remote.put_manifest(tag, _json({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}), OCI_INDEX)
    return f"tag {tag}"


# -- import -------------------------------------------------------------------------------------
@dataclass
class Pulled:
    """What `import oci` read: the entries to register, the signature found, what was downloaded."""
    files: list[ArtifactFile]
    digest: str
    annotations: dict[str, str]
    signature: Optional[bytes] = None
    downloaded: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    kept: Optional[str] = None  # the layout the signature was kept under (import_version)


def _layer_files(manifest: dict[str, Any], where: str) -> list[tuple[tuple[str, ...], str, int, str]]:
    """[(gitreg path parts, sha256 hex, size, media type)] of a ModelPack or Docker Model Runner manifest."""
    from gitreg.features.artifacts import tree
    layers = manifest.get("layers")
    if not isinstance(layers, list) or not layers:
        raise InvalidValueError(f"{where} has no layers")
    out = []
    for layer in layers:
        if not isinstance(layer, dict):
            raise InvalidValueError(f"{where}: a layer is not an object")
        digest, size, mtype = layer.get("digest"), layer.get("size"), layer.get("mediaType")
        ann = layer.get("annotations") if isinstance(layer.get("annotations"), dict) else {}
        if not (isinstance(digest, str) and digest.startswith("sha256:") and lfs.is_oid(digest[7:])
                and isinstance(size, int) and size >= 0 and isinstance(mtype, str)):
            raise InvalidValueError(f"{where}: a layer without a sha256 digest, size and media type")
        if mtype.endswith((".tar", "+gzip", "+zstd")):
            raise InvalidValueError(f"{where}: layer {digest[:19]}… is an archive ({mtype[:80]}); "
                                    "only raw (per-file) layers are imported")
        if ann.get(GENERATED):
            continue
        own = ann.get(GITREG_FILE)
        path = ann.get(FILEPATH) or ann.get(TITLE)
        if isinstance(own, str) and own.count("/") >= 1:
            parts = tree.safe_parts(own, where)
        elif isinstance(path, str):
            parts = ("",) + tree.safe_parts(path, where)  # a foreign artifact: placed by the caller
        else:
            raise InvalidValueError(f"{where}: layer {digest[:19]}… names no file ({FILEPATH})")
        out.append((parts, digest[7:], size, mtype))
    return out


def entries(layer_files: list[tuple[tuple[str, ...], str, int, str]], source: str, name: str) -> list[ArtifactFile]:
    """files: entries from layers: gitreg's own as they were (role, name, path inside); a foreign
    ModelPack as one directory of role `model` holding its files at their paths."""
    grouped: dict[tuple[str, str], list[tuple[tuple[str, ...], str, int]]] = {}
    for parts, sha, size, _ in layer_files:
        if parts[0] == "":
            key, rest = ("model", name), parts[1:]
        else:
            key, rest = (parts[0], parts[1]), parts[2:]
        grouped.setdefault(key, []).append((rest, sha, size))
    out = []
    for (role, base), items in grouped.items():
        uri = f"{source}/{base}"
        if len(items) == 1 and items[0][0] == ():
            _, sha, size = items[0]
            out.append(ArtifactFile(role=role, path=uri, sha256=sha, size_bytes=size, stored="lfs"))
            continue
        if any(rest == () for rest, _, _ in items):
            raise InvalidValueError(f"{source}: {role}/{base} is both a file and a directory")
        contents = sorted((ContentFile("/".join(rest), sha, size) for rest, sha, size in items), key=lambda c: c.path)
        listing = hashlib.sha256()
        for c in contents:
            listing.update(f"{c.path}\0{c.sha256}\n".encode())
        out.append(ArtifactFile(role=role, path=uri, sha256=listing.hexdigest(),
                                size_bytes=sum(c.size_bytes for c in contents), contents=contents, stored="lfs"))
    return out


def pull(store: Store, target: str, plain_http: bool = False) -> Pulled:
    """Read a ModelPack (or Docker Model Runner) artifact; download into the LFS store the layers
    it does not hold yet, each checked against its digest while it streams in."""
    remote = _Remote(target, plain_http)
    where = f"{remote.host}/{remote.repo}:{remote.ref}"
    got = remote.get_json(remote.ref, OCI_MANIFEST)
    if got is None:
        raise RemoteError(f"{where}: no such manifest")
    data, manifest = got
    config = manifest.get("config") if isinstance(manifest.get("config"), dict) else {}
    kind = manifest.get("artifactType") or config.get("mediaType")
    if kind not in (ARTIFACT_TYPE, CONFIG_TYPE) + DOCKER_MODEL_CONFIGS:
        raise InvalidValueError(f"{where} is not a ModelPack model (artifact type {str(kind)[:80]})")
    layer_files = _layer_files(manifest, where)
    if not layer_files:
        raise InvalidValueError(f"{where} holds no files of a model")
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    ann = manifest.get("annotations") if isinstance(manifest.get("annotations"), dict) else {}
    pulled = Pulled(entries(layer_files, f"oci://{remote.host}/{remote.repo}@{digest}", remote.repo.split("/")[-1]),
                    digest, {k: v for k, v in ann.items() if isinstance(k, str) and isinstance(v, str)})
    git_dir = store.git_dir()
    lfs.require_git_lfs()
    for _, sha, size, _ in layer_files:
        if lfs.has_object(git_dir, sha, size):
            pulled.present.append(sha)
            continue
        _download(remote, sha, size, git_dir)
        pulled.downloaded.append(sha)
    pulled.signature = _signature(remote, digest)
    return pulled


def _download(remote: _Remote, sha: str, size: int, git_dir: Path) -> None:
    r = remote.request("GET", f"{remote.base}/blobs/sha256:{sha}", stream=True)
    remote._ok(r, f"blob sha256:{sha[:12]}…")
    writer = lfs.ObjectWriter(git_dir)
    digest, got = hashlib.sha256(), 0
    try:
        for chunk in r.iter_content(CHUNK):
            got += len(chunk)
            if got > size:
                break
            digest.update(chunk)
            view = memoryview(chunk)
            while view:
                view = view[os.write(writer.fileno(), view):]
        if got != size or digest.hexdigest() != sha:
            raise RemoteError(f"{remote.host}/{remote.repo}: blob sha256:{sha[:16]}… arrived with other content "
                              f"({got} bytes, sha256 {digest.hexdigest()[:16]}…)")
        writer.commit(sha)
    except BaseException:
        writer.abort()
        raise
    finally:
        r.close()


def _signature(remote: _Remote, digest: str) -> Optional[bytes]:
    """The OMS signature attached to a model manifest (referrers API, else the fallback tag), or None."""
    index = None
    try:
        data = remote.read_bounded(f"{remote.base}/referrers/{digest}", MAX_JSON, "referrers index",
                                   headers={"Accept": OCI_INDEX})
        index = json.loads(data) if data is not None else None
    except (RemoteError, ValueError):  # no referrers API (or a broken one): the fallback tag below
        index = None
    if not isinstance(index, dict):
        got = remote.get_json(digest.replace(":", "-"), OCI_INDEX)
        index = got[1] if got else {}
    for m in index.get("manifests") or []:
        if not isinstance(m, dict) or m.get("artifactType") != BUNDLE_TYPE or not isinstance(m.get("digest"), str):
            continue
        got = remote.get_json(m["digest"], OCI_MANIFEST)
        layers = got[1].get("layers") if got else None
        if not layers or not isinstance(layers[0], dict) or not isinstance(layers[0].get("digest"), str):
            continue
        want = layers[0]["digest"]
        try:
            blob = remote.read_bounded(f"{remote.base}/blobs/{want}", oms.MAX_SIGNATURE, f"signature {want[:19]}…")
        except RemoteError:
            continue
        if blob is not None and "sha256:" + hashlib.sha256(blob).hexdigest() == want:
            return blob
    return None


def import_version(store: Store, pulled: Pulled, model: str, version: Optional[str], *,
                   ignore_signature: bool = False) -> ModelVersion:
    """Register the pulled files and keep the artifact's OMS signature. A signature that does not
    list exactly these files is refused before anything is written (the artifact is not what was
    signed), unless `ignore_signature`: then the version is registered without it."""
    from gitreg.model.snapshot import ModelSnapshot

    bundle = pulled.signature.decode("utf-8", "replace") if pulled.signature is not None else None
    if bundle is not None and not ignore_signature:
        try:
            oms.layout_for_files(model, version, pulled.files, bundle)
        except InvalidValueError as exc:
            raise InvalidValueError(f"{exc}: nothing imported (--ignore-signature imports it without the "
                                    "signature)") from None
    written = register(store, pulled, model, version)
    record = ModelSnapshot(store, model, use_cache=False).version(written)
    if bundle is not None and not ignore_signature:
        pulled.kept = oms.add_bundle(store, record, bundle)
    return record


def register(store: Store, pulled: Pulled, model: str, version: Optional[str]) -> str:
    """Register the pulled files (all in the LFS store now) as a new version; returns its name."""
    from gitreg.features.registration import registration

    source = pulled.files[0].path.rsplit("/", 1)[0] if pulled.files else "an OCI artifact"
    reg = registration.prepare(
        model, version, parent_version=None, status="completed", base_model=None, training={},
        evaluation_scores=None, paths={}, training_data=None, git_commit=None, tags=None,
        notes=f"imported from {source}", model_card=None)
    reg.files = pulled.files
    return registration.write(store, reg)

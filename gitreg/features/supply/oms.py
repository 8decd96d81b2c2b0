"""OpenSSF model signing (the `model_signing` v1.0 format) from the manifest's sha256 values.

An OMS signature is a sigstore bundle v0.3 holding a DSSE envelope over one in-toto
statement (predicate `https://model_signing/signature/v1.0`) that lists every file of a
directory by relative path and sha256. gitreg knows every path and sha256 of a version from
its manifest, so it builds that statement without reading a byte of the weights, for each
directory layout it writes (`gitreg`: `get -o`, `hf`: `get --layout hf -o`); `get -o DIR`
then writes the matching one as DIR/model.sig, which `model_signing verify` accepts as is.

Stored as the key `oms_signature` ({layout: bundle JSON}) of the version's note
(refs/notes/gitreg/<model>): added after registration, an append to the notes history,
travels with push/pull. The signing and key handling are model_signing's own classes
(the `oms` extra), so the bytes are the ones its verifier expects.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Optional

from gitreg.core.errors import InvalidValueError, SigningError
from gitreg.core.records import ModelVersion
from gitreg.features.notes.annotations import annotate_version
from gitreg.features.supply import layouts
from gitreg.git.repository import Store
from gitreg.model.snapshot import ModelSnapshot

PREDICATE = "https://model_signing/signature/v1.0"
STATEMENT = "https://in-toto.io/Statement/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
NOTE_KEY = "oms_signature"
SIGNATURE_FILE = "model.sig"
IGNORED = (SIGNATURE_FILE, ".git", ".gitattributes", ".github", ".gitignore")  # model_signing's defaults
MAX_SIGNATURE = 1 << 20  # a bundle read from a registry or a file: bounded like a manifest


def _lib() -> Any:
    try:
        from model_signing import manifest
        from model_signing._hashing import hashing
        from model_signing._signing import sign_certificate, sign_ec_key, sign_sigstore_pb, signing
    except ImportError:
        raise SigningError(
            "OpenSSF model signing needs the model_signing package: pip install 'git-model-registry[oms]'"
        ) from None
    return manifest, hashing, signing, sign_ec_key, sign_certificate, sign_sigstore_pb


def ignored(v: ModelVersion, layout: str) -> list[str]:
    """What a verifier of this layout's directory skips: model_signing's defaults, plus the hf
    layout's generated model card (its scores change later; the files it describes do not)."""
    extra = [layouts.CARD] if layout == "hf" and layouts.CARD not in layouts.manifest_files(v, layout) else []
    return list(IGNORED) + extra


def expected(v: ModelVersion, layout: str) -> dict[str, str]:
    """{path: sha256} the signature of `layout` must list: the manifest's files, nothing read."""
    return {path: sha for path, (sha, _) in layouts.manifest_files(v, layout).items()}


def _manifest(v: ModelVersion, layout: str) -> Any:
    manifest, hashing, *_ = _lib()
    serialization = manifest._FileSerialization("sha256", allow_symlinks=False, ignore_paths=ignored(v, layout))
    items = [manifest.FileManifestItem(path=PurePosixPath(p), digest=hashing.Digest("sha256", bytes.fromhex(sha)))
             for p, sha in expected(v, layout).items()]
    return manifest.Manifest(f"{v.model_name}-{v.version}", items, serialization)


@dataclass
class KeySpec:
    """How to sign or verify: an EC key (PEM), or a certificate and its chain."""
    private_key: Optional[Path] = None
    password: Optional[str] = None
    public_key: Optional[Path] = None
    certificate: Optional[Path] = None
    chain: list[Path] = field(default_factory=list)


def _signer(spec: KeySpec) -> Any:
    *_, sign_ec_key, sign_certificate, _ = _lib()
    if spec.private_key is None:
        raise InvalidValueError("signing needs --key KEY.pem (ECDSA P-256/384/521), with --certificate for a chain")
    try:
        if spec.certificate is not None:
            return sign_certificate.Signer(spec.private_key, spec.certificate, spec.chain)
        return sign_ec_key.Signer(spec.private_key, spec.password)
    except (ValueError, TypeError, OSError) as exc:
        raise SigningError(f"cannot use {spec.private_key} to sign: {exc}") from None


def sign(store: Store, v: ModelVersion, spec: KeySpec) -> list[str]:
    """Sign every layout the version can be written in; store the bundles in its note.
    Returns the layouts signed (hf is left out when two files land on one path there)."""
    _, _, signing, *_ = _lib()
    signer = _signer(spec)
    bundles: dict[str, str] = {}
    for layout in layouts.LAYOUTS:
        try:
            payload = signing.Payload(_manifest(v, layout))
        except InvalidValueError:
            if layout == "gitreg":
                raise
            continue
        try:
            bundles[layout] = signer.sign(payload).bundle.to_json()
        except ValueError as exc:
            raise SigningError(f"signing {v.model_name} {v.version} failed: {exc}") from None
    _store(store, v, bundles, f"OMS signature ({', '.join(bundles)} layout)")
    return list(bundles)


def _store(store: Store, v: ModelVersion, bundles: dict[str, str], detail: str) -> None:
    def change(note: dict[str, Any]) -> dict[str, Any]:
        note[NOTE_KEY] = {**_valid_bundles(note.get(NOTE_KEY)), **bundles}
        return note

    annotate_version(store, v.model_name, v.version, "sign", detail, change)


def _valid_bundles(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {k: s for k, s in value.items() if k in layouts.LAYOUTS and isinstance(s, str) and len(s) <= MAX_SIGNATURE}


def stored(store: Optional[Store], v: ModelVersion) -> dict[str, str]:
    """{layout: bundle JSON} of the version's OMS signatures (untrusted: only well-formed entries)."""
    if store is None:
        return {}
    snap = ModelSnapshot.load(store, v.model_name)
    return _valid_bundles(snap.note(v.commit, f"{v.model_name}/{v.version}").get(NOTE_KEY))


def statement(bundle: str) -> dict[str, Any]:
    """The in-toto statement inside a bundle, parsed but NOT verified (bounded, shape checked)."""
    if len(bundle) > MAX_SIGNATURE:
        raise InvalidValueError(f"the OMS signature is over {MAX_SIGNATURE} bytes")
    try:
        envelope = json.loads(bundle)["dsseEnvelope"]
        if envelope["payloadType"] != PAYLOAD_TYPE:
            raise ValueError(f"payload type {str(envelope['payloadType'])[:80]}")
        data = json.loads(base64.b64decode(envelope["payload"], validate=True))
        if data.get("_type") != STATEMENT or data.get("predicateType") != PREDICATE:
            raise ValueError(f"not a {PREDICATE} statement")
        resources = data["predicate"]["resources"]
        if not isinstance(resources, list) or not all(
                isinstance(r, dict) and r.get("algorithm") == "sha256" and isinstance(r.get("name"), str)
                and isinstance(r.get("digest"), str) for r in resources):
            raise ValueError("resources are not sha256 file digests")
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidValueError(f"not an OpenSSF model signing v1.0 signature: {str(exc)[:200]}") from None
    return data


def resources(data: dict[str, Any]) -> dict[str, str]:
    return {r["name"]: r["digest"] for r in data["predicate"]["resources"]}


def layout_of(v: ModelVersion, bundle: str) -> str:
    """The layout whose files a signature lists exactly (by path and sha256), else an error."""
    signed = resources(statement(bundle))
    for layout in layouts.LAYOUTS:
        try:
            if signed == expected(v, layout):
                return layout
        except InvalidValueError:
            continue
    mine = expected(v, "gitreg")
    diff = sorted(set(signed.items()) ^ set(mine.items()))[:3]
    raise InvalidValueError(
        f"the signature does not list the files of {v.model_name} {v.version} (in either layout); "
        f"first differences: {', '.join(p for p, _ in diff)}")


def add(store: Store, v: ModelVersion, path: Path) -> str:
    """Import an OMS signature made elsewhere (a training pipeline) after checking it lists
    exactly the version's files; returns the layout it matched."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_SIGNATURE + 1)
    except OSError as exc:
        raise InvalidValueError(f"cannot read {path}: {exc.strerror}") from None
    return add_bundle(store, v, data.decode("utf-8", "replace"))


def add_bundle(store: Store, v: ModelVersion, bundle: str) -> str:
    """Keep a signature once it lists exactly the version's files; returns its layout."""
    layout = layout_of(v, bundle)
    _store(store, v, {layout: bundle}, f"OMS signature imported ({layout} layout)")
    return layout


@dataclass
class OmsCheck:
    """One stored signature checked: its layout, whether it verifies, and why not."""
    layout: str
    ok: bool
    problem: str = ""


def verify(store: Optional[Store], v: ModelVersion, spec: KeySpec) -> list[OmsCheck]:
    """Check each stored signature with the key (or certificate chain) and against the
    manifest's sha256 values. The bytes are checked against those by `verify --files` / get."""
    _, _, _, sign_ec_key, sign_certificate, sign_sigstore_pb = _lib()
    bundles = stored(store, v)
    if not bundles:
        raise SigningError(f"{v.model_name} {v.version} has no OMS signature (gitreg sign --oms)")
    try:
        if spec.public_key is not None:
            verifier = sign_ec_key.Verifier(spec.public_key)
        elif spec.chain:
            verifier = sign_certificate.Verifier(spec.chain)
        else:
            raise InvalidValueError("verifying needs --public-key KEY.pub or --certificate-chain PEM")
    except (ValueError, TypeError, OSError) as exc:
        raise SigningError(f"cannot use the key to verify: {exc}") from None
    out = []
    for layout, bundle in sorted(bundles.items()):
        try:
            signature = _read(sign_sigstore_pb, bundle)
            signed = verifier.verify(signature)
            if signed != _manifest(v, layout):
                raise ValueError("the signed files or sha256 values differ from the manifest's")
            out.append(OmsCheck(layout, True))
        except Exception as exc:  # noqa: BLE001 - the library raises anything on a bad signature
            out.append(OmsCheck(layout, False, str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__))
    return out


def _read(sign_sigstore_pb: Any, text: str) -> Any:
    """The library's own reader (it adjusts older bundles), on a temporary copy."""
    import tempfile
    statement(text)  # shape and bounds first
    with tempfile.NamedTemporaryFile("w", suffix=".sig", encoding="utf-8") as tmp:
        tmp.write(text)
        tmp.flush()
        return sign_sigstore_pb.Signature.read(Path(tmp.name))


def card_allowed(store: Optional[Store], v: ModelVersion) -> bool:
    """Whether the hf layout may add its generated README.md: not when the version's hf
    signature (one imported from a pipeline) does not skip it, or the directory would not verify."""
    bundle = stored(store, v).get("hf")
    if bundle is None:
        return True
    try:
        ignore = statement(bundle)["predicate"]["serialization"].get("ignore_paths") or []
    except (InvalidValueError, KeyError, TypeError, AttributeError):
        return True
    return isinstance(ignore, list) and layouts.CARD in ignore


def write_signature(store: Optional[Store], v: ModelVersion, layout: str, dest: Path) -> Optional[Path]:
    """DIR/model.sig for a directory just written in `layout`, when the version has one."""
    from gitreg.features.artifacts import place
    bundle = stored(store, v).get(layout)
    if bundle is None:
        return None
    return place.write_bytes(dest, (SIGNATURE_FILE,), bundle.encode("utf-8"))

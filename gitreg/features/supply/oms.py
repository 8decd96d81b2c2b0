"""OpenSSF model signing (the `model_signing` v1.0 format) from the manifest's sha256 values.

An OMS signature is a sigstore bundle v0.3 holding a DSSE envelope over one in-toto
statement (predicate `https://model_signing/signature/v1.0`) that lists every file of a
directory by relative path and sha256. gitreg knows every path and sha256 of a version from
its manifest, so it builds that statement without reading a byte of the weights, for each
directory layout it writes (`gitreg`: `get -o`, `hf`: `get --layout hf -o`); `get -o DIR`
then writes the matching one as DIR/model.sig, which `model_signing verify` accepts as is.

Stored as the key `oms_signature` ({layout: bundle JSON}) of the version's note
(refs/notes/gitreg/<model>): added after registration, an append to the notes history,
travels with push/pull. Built from public, stable pieces only: the statement JSON exactly
as model_signing 1.1.1 writes it, the DSSE PAE signed with `cryptography` and the bundle as
plain JSON; model_signing itself is not needed (the tests run its real verifier on the result).
"""
from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Optional

from gitreg.core.errors import InvalidValueError, SigningError
from gitreg.core.records import ModelVersion, VersionStatus
from gitreg.features.notes.annotations import annotate_version
from gitreg.features.supply import layouts
from gitreg.git.repository import Store
from gitreg.model.snapshot import ModelSnapshot

PREDICATE = "https://model_signing/signature/v1.0"
STATEMENT = "https://in-toto.io/Statement/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"
NOTE_KEY = "oms_signature"
SIGNATURE_FILE = "model.sig"
IGNORED = (SIGNATURE_FILE, ".git", ".gitattributes", ".github", ".gitignore")  # model_signing's defaults
MAX_SIGNATURE = 1 << 20  # a bundle read from a registry or a file: bounded like a manifest


def _crypto() -> Any:
    try:
        from cryptography import exceptions, x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
    except ImportError:
        raise SigningError(
            "OpenSSF model signing needs the cryptography package: pip install 'git-model-registry[oms]'"
        ) from None
    return exceptions, x509, hashes, serialization, ec


def ignored(v: ModelVersion, layout: str) -> list[str]:
    """What a verifier of this layout's directory skips: model_signing's defaults, plus the hf
    layout's generated model card (its scores change later; the files it describes do not)."""
    extra = [layouts.CARD] if layout == "hf" and layouts.CARD not in layouts.manifest_files(v, layout) else []
    return list(IGNORED) + extra


def expected(v: ModelVersion, layout: str) -> dict[str, str]:
    """{path: sha256} the signature of `layout` must list: the manifest's files, nothing read."""
    return {path: sha for path, (sha, _) in layouts.manifest_files(v, layout).items()}


def _payload(v: ModelVersion, layout: str) -> bytes:
    """The in-toto statement model_signing 1.1.1 writes for the layout's directory (same fields,
    values, resource order and root digest), from the manifest's sha256 values."""
    files = sorted(expected(v, layout).items(), key=lambda item: PurePosixPath(item[0]).parts)
    data = {
        "_type": STATEMENT,
        "subject": [{"name": f"{v.model_name}-{v.version}", "digest": {"sha256": _root(sha for _, sha in files)}}],
        "predicateType": PREDICATE,
        "predicate": {
            "serialization": {"method": "files", "hash_type": "sha256",
                              "ignore_paths": ignored(v, layout), "allow_symlinks": False},
            "resources": [{"name": p, "digest": sha, "algorithm": "sha256"} for p, sha in files],
        },
    }
    return json.dumps(data, indent=2).encode("utf-8")


def _root(digests: Any) -> str:
    """The statement's subject digest: sha256 over the resources' raw digests, in their order."""
    return hashlib.sha256(b"".join(bytes.fromhex(d) for d in digests)).hexdigest()


def _pae(payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding: what the signature covers."""
    return b" ".join([f"DSSEv1 {len(PAYLOAD_TYPE)} {PAYLOAD_TYPE} {len(payload)}".encode(), payload])


def _hash_for(key: Any) -> Any:
    """The digest sigstore pairs with each supported curve (P-256/384/521); others refused."""
    _, _, hashes, _, _ = _crypto()
    by_curve = {"secp256r1": hashes.SHA256, "secp384r1": hashes.SHA384, "secp521r1": hashes.SHA512}
    curve = getattr(getattr(key, "curve", None), "name", None)
    if curve not in by_curve:
        raise ValueError(f"not an ECDSA P-256/384/521 key ({curve or type(key).__name__})")
    return by_curve[curve]()


def _key_hint(public_key: Any) -> str:
    """model_signing's key identifier: sha256 of the PEM SubjectPublicKeyInfo."""
    _, _, _, serialization, _ = _crypto()
    pem = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(pem).hexdigest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass
class _Signer:
    """A private key and the verification material the bundle carries for it."""
    key: Any
    material: dict[str, Any]

    def bundle(self, payload: bytes) -> str:
        """A sigstore bundle v0.3 (JSON) holding the DSSE envelope over the payload."""
        _, _, _, _, ec = _crypto()
        sig = self.key.sign(_pae(payload), ec.ECDSA(_hash_for(self.key.public_key())))
        return json.dumps({
            "mediaType": BUNDLE_MEDIA_TYPE,
            "verificationMaterial": {**self.material, "tlogEntries": []},
            "dsseEnvelope": {"payload": _b64(payload), "payloadType": PAYLOAD_TYPE,
                             "signatures": [{"sig": _b64(sig), "keyid": ""}]},
        }, separators=(",", ":"))


@dataclass
class KeySpec:
    """How to sign or verify: an EC key (PEM), or a certificate and its chain."""
    private_key: Optional[Path] = None
    password: Optional[str] = None
    public_key: Optional[Path] = None
    certificate: Optional[Path] = None
    chain: list[Path] = field(default_factory=list)


def _signer(spec: KeySpec) -> _Signer:
    _, x509, _, serialization, _ = _crypto()
    if spec.private_key is None:
        raise InvalidValueError("signing needs --key KEY.pem (ECDSA P-256/384/521), with --certificate for a chain")
    try:
        password = spec.password.encode() if spec.password is not None else None
        key = serialization.load_pem_private_key(spec.private_key.read_bytes(), password)
        _hash_for(key.public_key())
        if spec.certificate is None:
            return _Signer(key, {"publicKey": {"hint": _key_hint(key.public_key())}})
        cert = x509.load_pem_x509_certificate(spec.certificate.read_bytes())
        if cert.public_key() != key.public_key():
            raise ValueError("the certificate's public key is not the private key's")
        chain = x509.load_pem_x509_certificates(b"".join(p.read_bytes() for p in spec.chain)) if spec.chain else []
        der = [_b64(c.public_bytes(serialization.Encoding.DER)) for c in [cert, *chain]]
        return _Signer(key, {"x509CertificateChain": {"certificates": [{"rawBytes": d} for d in der]}})
    except (ValueError, TypeError, OSError) as exc:
        raise SigningError(f"cannot use {spec.private_key} to sign: {exc}") from None


def sign(store: Store, v: ModelVersion, spec: KeySpec) -> list[str]:
    """Sign every layout the version can be written in; store the bundles in its note.
    Returns the layouts signed (hf is left out when two files land on one path there)."""
    signer = _signer(spec)
    bundles: dict[str, str] = {}
    for layout in layouts.LAYOUTS:
        try:
            payload = _payload(v, layout)
        except InvalidValueError:
            if layout == "gitreg":
                raise
            continue
        bundles[layout] = signer.bundle(payload)
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
    signed = set(resources(statement(bundle)).items())
    diffs: list[list[tuple[str, str]]] = []
    for layout in layouts.LAYOUTS:
        try:
            diff = sorted(signed ^ set(expected(v, layout).items()))
        except InvalidValueError:
            continue
        if not diff:
            return layout
        diffs.append(diff)
    closest = sorted({p for p, _ in min(diffs, key=len)})[:3] if diffs else []
    raise InvalidValueError(
        f"the signature does not list the files of {v.model_name} {v.version} (in either layout); "
        f"first differences: {', '.join(closest)}")


def layout_for_files(model: str, version: Optional[str], files: list, bundle: str) -> str:
    """layout_of for files not registered yet (an import checks its signature before writing)."""
    probe = ModelVersion(model_name=model, version=version or "(the version to import)", created_at="",
                         status=VersionStatus.COMPLETED, files=files)
    return layout_of(probe, bundle)


def read(path: Path) -> str:
    """An OMS signature file as text, bounded and shape-checked (not yet verified)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_SIGNATURE + 1)
    except OSError as exc:
        raise InvalidValueError(f"cannot read {path}: {exc.strerror}") from None
    bundle = data.decode("utf-8", "replace")
    statement(bundle)
    return bundle


def add(store: Store, v: ModelVersion, path: Path) -> str:
    """Import an OMS signature made elsewhere (a training pipeline) after checking it lists
    exactly the version's files; returns the layout it matched."""
    return add_bundle(store, v, read(path))


def registration_check(bundle: str) -> Callable[[Any], None]:
    """A check for `Registration.checks`: refuses the registration, before anything is written,
    when the signature does not list exactly the files being registered (from their hashes)."""
    def check(reg: Any) -> None:
        layout_of(ModelVersion(reg.model, reg.version or "(new version)", "", VersionStatus.COMPLETED,
                               files=reg.files), bundle)
    return check


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


def _verifier(spec: KeySpec) -> Any:
    """A function bundle -> None that raises unless the bundle's DSSE signature checks out
    with the public key, or with a signing certificate that chains to the given roots."""
    exceptions, x509, _, serialization, ec = _crypto()
    try:
        if spec.public_key is not None:
            key = serialization.load_pem_public_key(spec.public_key.read_bytes())
            _hash_for(key)
            roots = None
        elif spec.chain:
            roots = x509.load_pem_x509_certificates(b"".join(p.read_bytes() for p in spec.chain))
        else:
            raise InvalidValueError("verifying needs --public-key KEY.pub or --certificate-chain PEM")
    except (ValueError, TypeError, OSError) as exc:
        raise SigningError(f"cannot use the key to verify: {exc}") from None

    def check(bundle: dict[str, Any]) -> None:
        material = bundle["verificationMaterial"]
        if roots is None:
            signer = key
            hint = (material.get("publicKey") or {}).get("hint")
            if hint and hint != _key_hint(key):
                raise ValueError("the signature was made with another key")
        else:
            certs = [base64.b64decode(c["rawBytes"], validate=True)
                     for c in material["x509CertificateChain"]["certificates"]]
            signer = _chained_key(roots, certs)
        envelope = bundle["dsseEnvelope"]
        payload = base64.b64decode(envelope["payload"], validate=True)
        try:
            signer.verify(base64.b64decode(envelope["signatures"][0]["sig"], validate=True), _pae(payload),
                          ec.ECDSA(_hash_for(signer)))
        except exceptions.InvalidSignature:
            raise ValueError("the signature does not match its contents") from None
    return check


def _chained_key(roots: list[Any], certs: list[bytes]) -> Any:
    """The signing certificate's key once it chains (at its own start time, as model_signing
    checks) to one of the roots and may sign code (pyOpenSSL's verifier: the `oms` extra)."""
    _, x509, _, _, _ = _crypto()
    try:
        from OpenSSL import crypto
    except ImportError:
        raise SigningError("certificate chains need pyOpenSSL: pip install 'git-model-registry[oms]'") from None
    leaf, *rest = [x509.load_der_x509_certificate(c) for c in certs]
    trusted = crypto.X509Store()
    for root in roots:
        trusted.add_cert(crypto.X509.from_cryptography(root))
    trusted.set_time(leaf.not_valid_before_utc)
    try:
        crypto.X509StoreContext(trusted, crypto.X509.from_cryptography(leaf),
                                [crypto.X509.from_cryptography(c) for c in rest]).verify_certificate()
    except crypto.X509StoreContextError as exc:
        raise ValueError(f"the signing certificate does not chain to the given roots: {exc}") from None
    try:
        usable = leaf.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    except x509.ExtensionNotFound:
        usable = False
    if not usable:
        try:
            usable = x509.ExtendedKeyUsageOID.CODE_SIGNING in leaf.extensions.get_extension_for_class(
                x509.ExtendedKeyUsage).value
        except x509.ExtensionNotFound:
            pass
    if not usable:
        raise ValueError("the signing certificate cannot be used for signing")
    return leaf.public_key()


def verify(store: Optional[Store], v: ModelVersion, spec: KeySpec) -> list[OmsCheck]:
    """Check each stored signature with the key (or certificate chain) and against the
    manifest's sha256 values. The bytes are checked against those by `verify --files` / get."""
    bundles = stored(store, v)
    if not bundles:
        raise SigningError(f"{v.model_name} {v.version} has no OMS signature (gitreg sign --oms)")
    check = _verifier(spec)
    out = []
    for layout, bundle in sorted(bundles.items()):
        try:
            data = statement(bundle)
            parsed = json.loads(bundle)
            if parsed.get("mediaType") != BUNDLE_MEDIA_TYPE:
                raise ValueError(f"not a sigstore bundle v0.3: {str(parsed.get('mediaType'))[:80]}")
            check(parsed)
            root = _root(r["digest"] for r in data["predicate"]["resources"])
            if [s.get("digest", {}).get("sha256") for s in data.get("subject", [])] != [root]:
                raise ValueError("the statement's root digest does not match its resources")
            if resources(data) != expected(v, layout):
                raise ValueError("the signed files or sha256 values differ from the manifest's")
            out.append(OmsCheck(layout, True))
        except (InvalidValueError, SigningError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
            out.append(OmsCheck(layout, False, str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__))
    return out


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

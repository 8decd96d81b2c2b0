from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

from gitreg.clients.cli import context
from gitreg.clients.cli.framework import Argument, BadParameter, Context, Option


def run(
    ctx: Context,
    ref: Annotated[str, Argument(metavar="REF", help="MODEL:VERSION, MODEL@ENV or MODEL@latest.")],
    oms: Annotated[
        bool, Option("--oms", help="An OpenSSF model signing (model_signing v1.0) signature.")
    ] = False,
    key: Annotated[Optional[Path], Option("--key", metavar="KEY.pem",
                                                help="ECDSA P-256/384/521 private key (PEM).")] = None,
    certificate: Annotated[Optional[Path], Option("--certificate", metavar="CERT.pem",
                                                        help="The key's signing certificate.")] = None,
    chain: Annotated[Optional[list[Path]], Option("--certificate-chain", metavar="PEM",
                                                        help="Certificates up to the root; repeatable.")] = None,
) -> None:
    """Sign a version for the wider supply chain, from its manifest's sha256 values (no weights read).

    The signature is kept in the version's note; `get -o DIR` writes it as DIR/model.sig,
    which `model_signing verify key DIR --signature DIR/model.sig --public_key KEY.pub` accepts.
    Password-protected keys: set GITREG_KEY_PASSWORD.
    """
    import os

    if not oms:
        raise BadParameter("say which signature to make: --oms (git's own tag signatures come with `add --sign`)")
    if key is None:
        raise BadParameter("--oms needs --key KEY.pem", param_hint="--key")
    layouts = context.registry(ctx).sign_oms(ref, key, password=os.environ.get("GITREG_KEY_PASSWORD"),
                                             certificate=certificate, chain=chain or [])
    context.say(f"signed {ref} (OpenSSF model signing; layouts: {', '.join(layouts)})")

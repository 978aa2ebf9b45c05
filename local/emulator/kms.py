"""Key creation (moto 5.2.5): moto makes an RSA-2048 key pair for every key, symmetric ones included,
which only Sign, Verify and GetPublicKey of an asymmetric key use: about 50 ms of every CreateKey on
a 2-core machine (the webhook secrets' key of every fresh account). The pair is made when first used."""

from __future__ import annotations

from typing import Any

import moto.kms.models as kms_models

_original_generate_private_key = kms_models.generate_private_key  # type: ignore[attr-defined]


class _KeyPairOnFirstUse:
    """Stands for moto's private key object; makes it on the first attribute asked for."""

    def __init__(self, key_spec: str) -> None:
        self._key_spec = key_spec
        self._made: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._made is None:
            self._made = _original_generate_private_key(self._key_spec)
        return getattr(self._made, name)


def install() -> None:
    kms_models.generate_private_key = _KeyPairOnFirstUse  # type: ignore[attr-defined,assignment]

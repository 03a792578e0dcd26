"""What a key may be used for: AWS's InvalidKeyUsageException checks, and the private key of
an asymmetric key, made on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kmsmock.backend.context import RequestContext
from kmsmock.backend.keys import Key
from kmsmock.crypto import asymmetric, keypool
from kmsmock.errors import KmsError

if TYPE_CHECKING:
    from kmsmock.crypto.asymmetric import PrivateKey


def require_usage(context: RequestContext, key: Key, usage: str) -> None:
    if key.key_usage != usage:
        raise KmsError(
            "InvalidKeyUsageException",
            f"{key.arn} key usage is {key.key_usage} which is not valid for {context.operation}.",
        )


def incompatible(algorithm: str, key: Key) -> KmsError:
    """Recorded for MAC algorithms (and seen for encryption ones); used for every kind."""
    return KmsError(
        "InvalidKeyUsageException",
        f"Algorithm {algorithm} is incompatible with key spec {key.key_spec}.",
    )


def private_key(key: Key) -> PrivateKey:
    """``key``'s private key, made the first time it is needed and kept on the key. RSA keys
    come from the pool of keys that finished mocks used, when it has one (crypto/keypool.py).

    Callers hold the world lock (every operation does), so two requests cannot both make one.
    """
    private = key.private_key
    if private is None:
        generate = asymmetric.family(key.key_spec).generate
        if key.key_spec in keypool.POOLED_SPECS:
            private = keypool.take(key.key_spec, generate, owner=key.instance_secret)
        else:
            private = generate(key.key_spec)
        key.private_key = private
    return private

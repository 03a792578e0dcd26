"""What the key-material import tests share: EXTERNAL keys, import parameters, and material
wrapped offline with ``cryptography`` and imported."""

from __future__ import annotations

import os
from typing import Any

from botocore.client import BaseClient
from conftest import new_key
from cryptography.hazmat.primitives import hashes, keywrap, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def wrap(public_der: bytes, algorithm: str, material: bytes) -> bytes:
    """Wrap ``material`` offline, as AWS's importing-keys guide does with OpenSSL."""
    public = serialization.load_der_public_key(public_der)
    assert isinstance(public, rsa.RSAPublicKey)
    hash_: hashes.HashAlgorithm = hashes.SHA256() if algorithm.endswith("256") else hashes.SHA1()
    oaep = padding.OAEP(mgf=padding.MGF1(hash_), algorithm=hash_, label=None)
    if algorithm.startswith("RSAES_OAEP"):
        return public.encrypt(material, oaep)
    aes_key = os.urandom(32)
    return public.encrypt(aes_key, oaep) + keywrap.aes_key_wrap_with_padding(aes_key, material)


def params(client: BaseClient, key_id: str, algorithm: str = "RSAES_OAEP_SHA_256") -> Any:
    """GetParametersForImport for ``key_id`` with ``algorithm`` and an RSA_2048 wrapping key."""
    return client.get_parameters_for_import(
        KeyId=key_id, WrappingAlgorithm=algorithm, WrappingKeySpec="RSA_2048"
    )


def do_import(
    client: BaseClient,
    key_id: str,
    material: bytes,
    algorithm: str = "RSAES_OAEP_SHA_256",
    **extra: Any,
) -> Any:
    """Wrap ``material`` for ``key_id`` and ImportKeyMaterial it (not expiring unless ``extra``
    says otherwise)."""
    got = params(client, key_id, algorithm)
    extra.setdefault("ExpirationModel", "KEY_MATERIAL_DOES_NOT_EXPIRE")
    return client.import_key_material(
        KeyId=key_id,
        ImportToken=got["ImportToken"],
        EncryptedKeyMaterial=wrap(got["PublicKey"], algorithm, material),
        **extra,
    )


def external(client: BaseClient, **kwargs: Any) -> str:
    """CreateKey with Origin EXTERNAL (and ``kwargs``); its key ID."""
    key_id: str = new_key(client, Origin="EXTERNAL", **kwargs)["KeyId"]
    return key_id

"""Importing key material (BYOK): RSA wrapping keys, unwrapping, and checking the material.

As AWS documents the wrapping algorithms:

- ``RSAES_OAEP_SHA_1`` / ``RSAES_OAEP_SHA_256``: the material is encrypted directly with the
  RSA public key (OAEP, MGF1 with the same hash, no label);
- ``RSA_AES_KEY_WRAP_SHA_1`` / ``_SHA_256``: an ephemeral 256-bit AES key is encrypted with
  RSA-OAEP, and the material is wrapped under it with AES key wrap with padding (RFC 5649); the
  two are concatenated, the RSA part first (it is as long as the modulus);
- ``SM2PKE`` (China regions only, with the ``SM2`` wrapping key spec): the material is
  encrypted directly with the SM2 public key, the ciphertext in the GM/T 0009 ASN.1 form KMS
  takes for SM2PKE everywhere (crypto/sm2_keys.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, keywrap
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import load_der_private_key

if TYPE_CHECKING:
    from kmsmock.crypto.asymmetric import PrivateKey
    from kmsmock.crypto.sm2_keys import SM2PrivateKey

WRAPPING_ALGORITHMS = (
    "RSAES_OAEP_SHA_1",
    "RSAES_OAEP_SHA_256",
    "RSA_AES_KEY_WRAP_SHA_1",
    "RSA_AES_KEY_WRAP_SHA_256",
)
WRAPPING_KEY_SPECS = ("RSA_2048", "RSA_3072", "RSA_4096")
# The SM2 wrapping key spec and the one algorithm that goes with it (China regions only).
SM2_SPEC = "SM2"
SM2_ALGORITHM = "SM2PKE"

# The lengths AWS accepts for imported HMAC key material, in bytes (importing-keys docs):
# at least the hash's output, at most its block size.
HMAC_LENGTHS = {
    "HMAC_224": (28, 64),
    "HMAC_256": (32, 64),
    "HMAC_384": (48, 128),
    "HMAC_512": (64, 128),
}
_CURVES = {
    "ECC_NIST_P256": "secp256r1",
    "ECC_NIST_P384": "secp384r1",
    "ECC_NIST_P521": "secp521r1",
    "ECC_SECG_P256K1": "secp256k1",
}
_RSA_BITS = {"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}


class UnwrapError(Exception):
    """The wrapped material cannot be unwrapped with this wrapping key and algorithm."""


def _oaep(algorithm: str) -> padding.OAEP:
    hash_: hashes.HashAlgorithm = (
        hashes.SHA256() if algorithm.endswith("SHA_256") else hashes.SHA1()
    )
    return padding.OAEP(mgf=padding.MGF1(hash_), algorithm=hash_, label=None)


def unwrap(wrapping_key: rsa.RSAPrivateKey | SM2PrivateKey, algorithm: str, blob: bytes) -> bytes:
    """The key material ``blob`` carries, wrapped for ``wrapping_key`` with ``algorithm``."""
    if not isinstance(wrapping_key, rsa.RSAPrivateKey):
        from kmsmock.crypto import sm2_keys

        material = sm2_keys.decrypt(wrapping_key, algorithm, blob)
        if material is None:
            raise UnwrapError
        return material
    try:
        if algorithm.startswith("RSAES_OAEP"):
            return wrapping_key.decrypt(blob, _oaep(algorithm))
        size = wrapping_key.key_size // 8
        aes_key = wrapping_key.decrypt(blob[:size], _oaep(algorithm))
        return keywrap.aes_key_unwrap_with_padding(aes_key, blob[size:])
    except (ValueError, keywrap.InvalidUnwrap):
        raise UnwrapError from None


def symmetric_material_ok(key_spec: str, material: bytes) -> bool:
    """Whether ``material`` is a key AWS accepts for a symmetric or HMAC key of ``key_spec``."""
    if key_spec == "SYMMETRIC_DEFAULT":
        return len(material) == 32
    low, high = HMAC_LENGTHS[key_spec]
    return low <= len(material) <= high


def private_key_for(key_spec: str, material: bytes) -> PrivateKey | None:
    """The private key in ``material`` (PKCS #8 DER) if it is one of ``key_spec``, else None."""
    if key_spec == SM2_SPEC:
        # `cryptography` has no SM2 curve; SM2 keys exist only where gmssl is installed.
        from kmsmock.crypto import sm2_keys

        return sm2_keys.load_private_key(material)
    try:
        private = load_der_private_key(material, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        # UnsupportedAlgorithm: a key on a curve OpenSSL knows and `cryptography` does not
        # (an SM2 key imported into an ECC key, say).
        return None
    if isinstance(private, rsa.RSAPrivateKey):
        return private if _RSA_BITS.get(key_spec) == private.key_size else None
    if isinstance(private, ec.EllipticCurvePrivateKey):
        return private if _CURVES.get(key_spec) == private.curve.name else None
    return None

"""RSA keys (RSA_2048/3072/4096): RSASSA-PSS and PKCS #1 v1.5 signatures, RSAES-OAEP.

As AWS documents: PSS uses MGF1 with the algorithm's hash and a salt as long as the digest;
OAEP uses MGF1 with the same hash as the OAEP hash and no label.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

_BITS = {"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "SHA_1": hashes.SHA1,
    "SHA_256": hashes.SHA256,
    "SHA_384": hashes.SHA384,
    "SHA_512": hashes.SHA512,
}


def _hash(algorithm: str) -> hashes.HashAlgorithm:
    return _HASHES[algorithm[algorithm.index("SHA_") :]]()


def generate(spec: str) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=_BITS[spec])


def _signing(algorithm: str) -> tuple[padding.AsymmetricPadding, hashes.HashAlgorithm]:
    hash_ = _hash(algorithm)
    if algorithm.startswith("RSASSA_PSS"):
        return padding.PSS(mgf=padding.MGF1(hash_), salt_length=hash_.digest_size), hash_
    return padding.PKCS1v15(), hash_


def sign(private: rsa.RSAPrivateKey, algorithm: str, message: bytes, digest: bool) -> bytes:
    pad, hash_ = _signing(algorithm)
    return private.sign(message, pad, utils.Prehashed(hash_) if digest else hash_)


def verify(
    public: rsa.RSAPublicKey, algorithm: str, message: bytes, signature: bytes, digest: bool
) -> bool:
    pad, hash_ = _signing(algorithm)
    try:
        public.verify(signature, message, pad, utils.Prehashed(hash_) if digest else hash_)
    except (InvalidSignature, ValueError):
        return False
    return True


def _oaep(algorithm: str) -> padding.OAEP:
    hash_ = _hash(algorithm)
    return padding.OAEP(mgf=padding.MGF1(hash_), algorithm=hash_, label=None)


def max_plaintext(spec: str, algorithm: str) -> int:
    """The longest plaintext OAEP takes: the modulus bytes less two hashes and two bytes."""
    return _BITS[spec] // 8 - 2 * _hash(algorithm).digest_size - 2


def encrypt(public: rsa.RSAPublicKey, algorithm: str, plaintext: bytes) -> bytes:
    return public.encrypt(plaintext, _oaep(algorithm))


def decrypt(private: rsa.RSAPrivateKey, algorithm: str, blob: bytes) -> bytes | None:
    """The plaintext, or None when ``blob`` is not an OAEP ciphertext for this key."""
    try:
        return private.decrypt(blob, _oaep(algorithm))
    except ValueError:
        return None

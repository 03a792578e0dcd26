"""ML_DSA_44/65/87 signing keys (FIPS 204 ML-DSA, by `cryptography`): ML_DSA_SHAKE_256.

Pure ML-DSA with an empty context, as AWS signs with MessageType RAW (KMS Developer Guide,
"ML-DSA keys in AWS KMS"). MessageType EXTERNAL_MU (a caller-computed 64-byte mu, FIPS 204
section 6.2) arrives as ``digest=True`` (ML-DSA takes no DIGEST, so the flag is free to mean "the
message is already pre-processed"): `cryptography` can neither sign nor verify from a mu, so
mldsa_mu.py does, from the key's 32-byte seed xi and its public key bytes.
"""

from __future__ import annotations

from typing import TypeAlias

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import mldsa

from kmsmock.crypto import mldsa_mu

MLDSAPrivateKey: TypeAlias = (
    mldsa.MLDSA44PrivateKey | mldsa.MLDSA65PrivateKey | mldsa.MLDSA87PrivateKey
)
MLDSAPublicKey: TypeAlias = mldsa.MLDSA44PublicKey | mldsa.MLDSA65PublicKey | mldsa.MLDSA87PublicKey


def generate(spec: str) -> MLDSAPrivateKey:
    if spec == "ML_DSA_44":
        return mldsa.MLDSA44PrivateKey.generate()
    if spec == "ML_DSA_65":
        return mldsa.MLDSA65PrivateKey.generate()
    if spec == "ML_DSA_87":
        return mldsa.MLDSA87PrivateKey.generate()
    raise ValueError(spec)


def _spec(key: MLDSAPrivateKey | MLDSAPublicKey) -> str:
    if isinstance(key, (mldsa.MLDSA44PrivateKey, mldsa.MLDSA44PublicKey)):
        return "ML_DSA_44"
    if isinstance(key, (mldsa.MLDSA65PrivateKey, mldsa.MLDSA65PublicKey)):
        return "ML_DSA_65"
    return "ML_DSA_87"


def sign(private: MLDSAPrivateKey, algorithm: str, message: bytes, digest: bool) -> bytes:
    if digest:
        # `private_bytes_raw()` is the seed xi; KeyGen_internal rebuilds the same key from it.
        expanded = mldsa_mu.keygen_internal(private.private_bytes_raw(), _spec(private))
        return mldsa_mu.sign_internal(expanded, message)
    return private.sign(message)


def verify(
    public: MLDSAPublicKey, algorithm: str, message: bytes, signature: bytes, digest: bool
) -> bool:
    if digest:
        return mldsa_mu.verify_internal(
            public.public_bytes_raw(), message, signature, _spec(public)
        )
    try:
        public.verify(signature, message)
    except InvalidSignature:
        return False
    return True

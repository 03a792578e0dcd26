"""ML_DSA_44/65/87 signing keys (FIPS 204 ML-DSA, by `cryptography`): ML_DSA_SHAKE_256.

Pure ML-DSA with an empty context, as AWS signs with MessageType RAW (KMS Developer Guide,
"ML-DSA keys in AWS KMS"). MessageType EXTERNAL_MU (a caller-computed 64-byte mu, FIPS 204
section 6.2) is not served: `cryptography` can neither sign nor verify from a mu, and signing.py
answers NotImplementedException for it rather than pretending.
"""

from __future__ import annotations

from typing import TypeAlias

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import mldsa

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


def sign(private: MLDSAPrivateKey, algorithm: str, message: bytes, digest: bool) -> bytes:
    return private.sign(message)


def verify(
    public: MLDSAPublicKey, algorithm: str, message: bytes, signature: bytes, digest: bool
) -> bool:
    try:
        public.verify(signature, message)
    except InvalidSignature:
        return False
    return True

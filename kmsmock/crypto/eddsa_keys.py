"""ECC_NIST_EDWARDS25519 signing keys: ED25519_SHA_512 (pure Ed25519, by `cryptography`) and
ED25519_PH_SHA_512 (Ed25519ph, RFC 8032 HashEdDSA, by kmsmock.crypto.ed25519ph).

AWS's Sign reference (MessageType): ED25519_SHA_512 takes MessageType RAW only and
ED25519_PH_SHA_512 DIGEST only; with DIGEST, "KMS still performs the SHA-512 prehash described
in Step 1 of Section 7.8.1 in FIPS 186-5. This means the input is hashed twice". So the 64-byte
Message is itself the Ed25519ph message M, and PH(M) = SHA-512(Message) is what is signed: an
offline Ed25519ph verifier takes the digest the caller sent as the message. (signing.py checks
the MessageType and the 64-byte length before these functions are called.)
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from kmsmock.crypto import ed25519ph

PREHASHED = "ED25519_PH_SHA_512"


def generate(spec: str) -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


def sign(private: ed25519.Ed25519PrivateKey, algorithm: str, message: bytes, digest: bool) -> bytes:
    if algorithm == PREHASHED:
        return ed25519ph.sign(private.private_bytes_raw(), message)
    return private.sign(message)


def verify(
    public: ed25519.Ed25519PublicKey,
    algorithm: str,
    message: bytes,
    signature: bytes,
    digest: bool,
) -> bool:
    if algorithm == PREHASHED:
        return ed25519ph.verify(public.public_bytes_raw(), message, signature)
    try:
        public.verify(signature, message)
    except InvalidSignature:
        return False
    return True

"""ML_KEM_512/768/1024 keys (FIPS 203 ML-KEM): Encapsulate and Decapsulate.

ML-KEM-768 and ML-KEM-1024 come from `cryptography`. `cryptography` has no ML-KEM-512, so
ML_KEM_512 keys use the pure-Python kyber-py (the optional extra ``kmsmock[mlkem512]``),
behind a small class shaped like `cryptography`'s keys: every other part of kmsmock (GetPublicKey,
persistence, replicas) handles the three specs alike.

As AWS does (KMS Developer Guide, "ML-KEM keys"; Decapsulate API reference):
- the shared secret is FIPS 203's 32-byte K;
- SharedSecretCiphertextBlob is the raw FIPS 203 ciphertext: 768, 1088 or 1568 bytes;
- Decapsulate fails only for a ciphertext whose length does not fit the key spec; any other
  ciphertext (tampered, or made for another key) gives FIPS 203's implicit rejection, a
  pseudo-random secret and no error;
- GetPublicKey returns a SubjectPublicKeyInfo with NIST's ML-KEM OIDs (2.16.840.1.101.3.4.4.1-3,
  no parameters, as the IETF LAMPS ML-KEM certificate profile and `cryptography` write them)
  around the raw encapsulation key.
Private keys are kept as their 64-byte seed d || z (FIPS 203 ML-KEM.KeyGen_internal), written
as PKCS #8 in the seed form `cryptography` writes for the other two specs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, TypeAlias

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

if TYPE_CHECKING:
    from types import ModuleType

    # `cryptography`'s mlkem module is imported only for ML_KEM_768/1024 keys: ML_KEM_512 keys
    # (kyber-py) are served where `cryptography` predates ML-KEM (before 47) too.
    from cryptography.hazmat.primitives.asymmetric import mlkem

SPECS = ("ML_KEM_512", "ML_KEM_768", "ML_KEM_1024")
ALGORITHM = "ML_KEM"
SHARED_SECRET_BYTES = 32
# FIPS 203 table 3 (c's length), as the Encapsulate API reference lists them.
CIPHERTEXT_BYTES = {"ML_KEM_512": 768, "ML_KEM_768": 1088, "ML_KEM_1024": 1568}
SEED_BYTES = 64
EXTRA = "mlkem512"
DEPENDENCY = "kyber-py"

# AlgorithmIdentifier SEQUENCE { id-alg-ml-kem-512 } (2.16.840.1.101.3.4.4.1), no parameters.
_ALGORITHM_512 = bytes.fromhex("300b0609608648016503040401")
# SubjectPublicKeyInfo up to the 800-byte key: SEQUENCE (len 0x0332) { AlgorithmIdentifier,
# BIT STRING (len 0x0321, no unused bits) }.
_SPKI_512_PREFIX = bytes.fromhex("30820332") + _ALGORITHM_512 + bytes.fromhex("0382032100")
# PKCS #8 PrivateKeyInfo, seed form: SEQUENCE { version 0, AlgorithmIdentifier,
# OCTET STRING { [0] IMPLICIT OCTET STRING (64-byte seed) } }, as `cryptography` writes
# ML-KEM-768/1024 keys.
_PKCS8_512_PREFIX = bytes.fromhex("3054020100") + _ALGORITHM_512 + bytes.fromhex("04428040")


def _kyber() -> ModuleType:
    """kyber-py's ml_kem module; ImportError if the extra is not installed."""
    return importlib.import_module("kyber_py.ml_kem")


def mlkem512_available() -> bool:
    """Whether ML_KEM_512 keys can be served: they need the optional dependency kyber-py."""
    try:
        _kyber()
    except ImportError:
        return False
    return True


class MLKEM512PublicKey:
    """An ML-KEM-512 encapsulation key (800 bytes), with `cryptography`'s public-key methods."""

    __slots__ = ("_raw",)

    def __init__(self, raw: bytes) -> None:
        self._raw = raw

    def public_bytes_raw(self) -> bytes:
        return self._raw

    def public_bytes(self, encoding: Encoding, format: PublicFormat) -> bytes:
        if encoding is not Encoding.DER or format is not PublicFormat.SubjectPublicKeyInfo:
            raise ValueError("ML-KEM-512 public keys are written only as DER SubjectPublicKeyInfo")
        return _SPKI_512_PREFIX + self._raw

    def encapsulate(self) -> tuple[bytes, bytes]:
        """(shared secret, ciphertext), as `cryptography`'s ``encapsulate`` returns them."""
        secret, ciphertext = _kyber().ML_KEM_512.encaps(self._raw)
        return bytes(secret), bytes(ciphertext)


class MLKEM512PrivateKey:
    """An ML-KEM-512 key pair from its 64-byte seed d || z (FIPS 203 ML-KEM.KeyGen_internal)."""

    __slots__ = ("_decapsulation_key", "_public", "_seed")

    def __init__(self, seed: bytes) -> None:
        if len(seed) != SEED_BYTES:
            raise ValueError("an ML-KEM seed is 64 bytes")
        encapsulation_key, decapsulation_key = _kyber().ML_KEM_512.key_derive(seed)
        self._seed = seed
        self._decapsulation_key: bytes = decapsulation_key
        self._public = MLKEM512PublicKey(bytes(encapsulation_key))

    @classmethod
    def generate(cls) -> MLKEM512PrivateKey:
        import os

        return cls(os.urandom(SEED_BYTES))

    def public_key(self) -> MLKEM512PublicKey:
        return self._public

    def private_bytes_raw(self) -> bytes:
        return self._seed

    def private_bytes(self) -> bytes:
        """PKCS #8 DER (seed form), as `cryptography` writes the other ML-KEM keys."""
        return _PKCS8_512_PREFIX + self._seed

    def decapsulate(self, ciphertext: bytes) -> bytes:
        # kyber-py checks the length first (callers have), then implicitly rejects.
        return bytes(_kyber().ML_KEM_512.decaps(self._decapsulation_key, ciphertext))


MLKEMPrivateKey: TypeAlias = (
    "MLKEM512PrivateKey | mlkem.MLKEM768PrivateKey | mlkem.MLKEM1024PrivateKey"
)
MLKEMPublicKey: TypeAlias = "MLKEM512PublicKey | mlkem.MLKEM768PublicKey | mlkem.MLKEM1024PublicKey"


def generate(spec: str) -> MLKEMPrivateKey:
    if spec == "ML_KEM_512":
        return MLKEM512PrivateKey.generate()
    from cryptography.hazmat.primitives.asymmetric import mlkem

    if spec == "ML_KEM_768":
        return mlkem.MLKEM768PrivateKey.generate()
    if spec == "ML_KEM_1024":
        return mlkem.MLKEM1024PrivateKey.generate()
    raise ValueError(spec)


def encapsulate(private: MLKEMPrivateKey) -> tuple[bytes, bytes]:
    """(shared secret, ciphertext) made with ``private``'s public key: ML-KEM.Encaps."""
    return private.public_key().encapsulate()


def decapsulate(private: MLKEMPrivateKey, spec: str, ciphertext: bytes) -> bytes | None:
    """ML-KEM.Decaps: the shared secret, a pseudo-random one for a ciphertext that was altered
    or made for another key (implicit rejection); None if its length does not fit ``spec``."""
    if len(ciphertext) != CIPHERTEXT_BYTES[spec]:
        return None
    return private.decapsulate(ciphertext)


def pair_der(private: MLKEMPrivateKey) -> tuple[bytes, bytes]:
    """(PKCS #8 private key DER in the seed form, SubjectPublicKeyInfo DER) of ``private``:
    GenerateDataKeyPair's PrivateKeyPlaintext and PublicKey for an ML-KEM pair."""
    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

    public = private.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    if isinstance(private, MLKEM512PrivateKey):
        return private.private_bytes(), public
    return private.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption()), public


def load_private_key(der: bytes) -> MLKEM512PrivateKey | None:
    """An ML-KEM-512 private key from PKCS #8 DER in the seed form, else None."""
    if len(der) != len(_PKCS8_512_PREFIX) + SEED_BYTES or not der.startswith(_PKCS8_512_PREFIX):
        return None
    return MLKEM512PrivateKey(der[len(_PKCS8_512_PREFIX) :])

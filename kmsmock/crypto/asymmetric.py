"""Asymmetric key families behind one small protocol: RSA (rsa_keys.py), ECDSA (ecc_keys.py),
EdDSA (eddsa_keys.py), ML-DSA (mldsa_keys.py), SM2 (sm2_keys.py, optional dependency gmssl)
and ML-KEM (mlkem_keys.py; ML_KEM_512 needs the optional dependency kyber-py).

A family module generates a private key for a spec and signs and verifies with it; RSA and SM2
also encrypt; ML-KEM keys only encapsulate and decapsulate (operations/encapsulation.py calls
mlkem_keys directly). The modules are imported on first use, so a mock that only ever makes
symmetric keys never loads them.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from typing import TypeAlias

    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    from kmsmock.crypto.mldsa_keys import MLDSAPrivateKey
    from kmsmock.crypto.mlkem_keys import MLKEMPrivateKey
    from kmsmock.crypto.sm2_keys import SM2PrivateKey

    PrivateKey: TypeAlias = (
        rsa.RSAPrivateKey
        | ec.EllipticCurvePrivateKey
        | ed25519.Ed25519PrivateKey
        | MLDSAPrivateKey
        | MLKEMPrivateKey
        | SM2PrivateKey
    )

# Digest sizes of the hashes the signing algorithms name, for the DIGEST length check. SM2DSA's
# digest is the 32-byte SM3 e = SM3(Z_A || M) (KMS Developer Guide, "SM2 key spec").
DIGEST_SIZE = {"SHA_256": 32, "SHA_384": 48, "SHA_512": 64}
_SM2DSA_DIGEST_SIZE = 32

# Looked up by the whole spec, else by its family (the text before its first "_").
_FAMILY_MODULE = {
    "RSA": "kmsmock.crypto.rsa_keys",
    "ECC": "kmsmock.crypto.ecc_keys",
    "ECC_NIST_EDWARDS25519": "kmsmock.crypto.eddsa_keys",
    "ML_KEM_512": "kmsmock.crypto.mlkem_keys",
    "ML_KEM_768": "kmsmock.crypto.mlkem_keys",
    "ML_KEM_1024": "kmsmock.crypto.mlkem_keys",
    "ML": "kmsmock.crypto.mldsa_keys",
    "SM2": "kmsmock.crypto.sm2_keys",
}
_SIGNING: dict[str, tuple[str, ...]] = {
    "RSA_2048": (
        "RSASSA_PKCS1_V1_5_SHA_256",
        "RSASSA_PKCS1_V1_5_SHA_384",
        "RSASSA_PKCS1_V1_5_SHA_512",
        "RSASSA_PSS_SHA_256",
        "RSASSA_PSS_SHA_384",
        "RSASSA_PSS_SHA_512",
    ),
    "ECC_NIST_P256": ("ECDSA_SHA_256",),
    "ECC_NIST_P384": ("ECDSA_SHA_384",),
    "ECC_NIST_P521": ("ECDSA_SHA_512",),
    "ECC_SECG_P256K1": ("ECDSA_SHA_256",),
    # The order of the botocore model's SigningAlgorithmSpec enum; AWS's is not recorded.
    "ECC_NIST_EDWARDS25519": ("ED25519_SHA_512", "ED25519_PH_SHA_512"),
    "ML_DSA_44": ("ML_DSA_SHAKE_256",),
    "SM2": ("SM2DSA",),
}
_SIGNING["RSA_3072"] = _SIGNING["RSA_4096"] = _SIGNING["RSA_2048"]
_SIGNING["ML_DSA_65"] = _SIGNING["ML_DSA_87"] = _SIGNING["ML_DSA_44"]
# The MessageTypes each signing algorithm takes (Sign API reference, MessageType): pure Ed25519
# only RAW, Ed25519ph only DIGEST, ML-DSA RAW and EXTERNAL_MU (never DIGEST); the others RAW
# and DIGEST.
_MESSAGE_TYPES: dict[str, tuple[str, ...]] = {
    "ED25519_SHA_512": ("RAW",),
    "ED25519_PH_SHA_512": ("DIGEST",),
    "ML_DSA_SHAKE_256": ("RAW", "EXTERNAL_MU"),
}
# Asymmetric encryption: RSA and SM2 keys with KeyUsage ENCRYPT_DECRYPT.
RSA_ENCRYPTION = ("RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256")
SM2_ENCRYPTION = ("SM2PKE",)

# ML-KEM keys (KeyUsage ENCAPSULATE_DECAPSULATE): one algorithm for every spec (Encapsulate API
# reference). Spelled out here, not imported, so that listing them loads no crypto module.
ENCAPSULATION_SPECS = frozenset({"ML_KEM_512", "ML_KEM_768", "ML_KEM_1024"})
ENCAPSULATION_ALGORITHMS = ("ML_KEM",)

SPECS = frozenset(_SIGNING) | ENCAPSULATION_SPECS


class Family(Protocol):
    """What every asymmetric family module provides (modules satisfy it structurally)."""

    def generate(self, spec: str) -> Any: ...

    def sign(self, private: Any, algorithm: str, message: bytes, digest: bool) -> bytes: ...

    def verify(
        self, public: Any, algorithm: str, message: bytes, signature: bytes, digest: bool
    ) -> bool: ...


class Encryptor(Protocol):
    """What the family modules that encrypt (RSA, SM2) provide besides ``Family``."""

    def max_plaintext(self, spec: str, algorithm: str) -> int: ...

    def encrypt(self, public: Any, algorithm: str, plaintext: bytes) -> bytes: ...

    def decrypt(self, private: Any, algorithm: str, blob: bytes) -> bytes | None: ...


def family(spec: str) -> Family:
    module: Family = importlib.import_module(_module_name(spec))
    return module


def encryptor(spec: str) -> Encryptor:
    module: Encryptor = importlib.import_module(_module_name(spec))
    return module


def _module_name(spec: str) -> str:
    return _FAMILY_MODULE.get(spec) or _FAMILY_MODULE[spec.split("_", 1)[0]]


def encryption_algorithms(spec: str) -> tuple[str, ...]:
    """The EncryptionAlgorithms of an asymmetric ENCRYPT_DECRYPT key of ``spec``."""
    return SM2_ENCRYPTION if spec == "SM2" else RSA_ENCRYPTION


def sm2_available() -> bool:
    """Whether SM2 keys can be served: sm2_keys needs the optional dependency gmssl."""
    try:
        importlib.import_module("kmsmock.crypto.sm2_keys")
    except ImportError:
        return False
    return True


def mlkem512_available() -> bool:
    """Whether ML_KEM_512 keys can be served: they need the optional dependency kyber-py."""
    try:
        module = importlib.import_module("kmsmock.crypto.mlkem_keys")
    except ImportError:
        return False
    available: bool = module.mlkem512_available()
    return available


# ML-DSA and ML-KEM-768/1024 keys come from `cryptography`, whose mldsa and mlkem modules
# arrived in 47.0 and make keys only where its backend has them: the 47.0.0 wheels (OpenSSL 4.0)
# raise UnsupportedAlgorithm, 48.0.0's make them. kmsmock's floor (42) is older, so these specs
# are served only where the installed `cryptography` makes them, and refused clearly elsewhere.
CRYPTOGRAPHY_NEEDED = "cryptography>=48"
_CRYPTOGRAPHY_MODULE = {
    "ML_DSA_44": "mldsa",
    "ML_DSA_65": "mldsa",
    "ML_DSA_87": "mldsa",
    "ML_KEM_768": "mlkem",
    "ML_KEM_1024": "mlkem",
}


@functools.cache
def cryptography_makes(spec: str) -> bool:
    """Whether the installed `cryptography` makes keys of ``spec``: always true but for ML-DSA
    and ML-KEM-768/1024 (SM2 and ML_KEM_512 keys do not come from `cryptography` at all)."""
    module = _CRYPTOGRAPHY_MODULE.get(spec)
    if module is None:
        return True
    # Looked up, not imported: a `cryptography` before 47 has no such module.
    if importlib.util.find_spec(f"cryptography.hazmat.primitives.asymmetric.{module}") is None:
        return False
    from cryptography.hazmat.backends.openssl.backend import backend

    supported: bool = backend.mldsa_supported() if module == "mldsa" else backend.mlkem_supported()
    return supported


def cryptography_missing(spec: str) -> str | None:
    """None where keys of ``spec`` can be made here; else what to tell someone who asked for
    one: which `cryptography` kmsmock needs for them, and how to install it."""
    if cryptography_makes(spec):
        return None
    from cryptography import __version__

    return (
        f"kmsmock needs cryptography 48 or later for {spec} keys (installed: cryptography "
        f"{__version__}): pip install '{CRYPTOGRAPHY_NEEDED}'"
    )


def signing_algorithms(spec: str) -> tuple[str, ...]:
    return _SIGNING.get(spec, ())


def message_types(algorithm: str) -> tuple[str, ...]:
    return _MESSAGE_TYPES.get(algorithm, ("RAW", "DIGEST"))


def digest_size(algorithm: str) -> int:
    """The length of the digest a signing algorithm signs (``..._SHA_384`` -> 48)."""
    if algorithm == "SM2DSA":
        return _SM2DSA_DIGEST_SIZE
    return DIGEST_SIZE[algorithm[-7:]]


def public_key_der(private: PrivateKey) -> bytes:
    """The SubjectPublicKeyInfo DER of ``private``'s public key, as GetPublicKey returns it."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return private.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)

"""Private keys as PKCS #8 PEM, the one form every family of asymmetric key takes.

RSA, ECC, Ed25519, ML-DSA and ML-KEM-768/1024 keys are `cryptography` objects, written and read
by it; SM2 keys (crypto/sm2_keys.py) and ML-KEM-512 keys (crypto/mlkem_keys.py) write and read
their own PKCS #8 DER, wrapped in PEM here.
"""

from __future__ import annotations

import base64
import importlib
import textwrap
from typing import TYPE_CHECKING, Any

from kmsmock.persist.fields import Place

if TYPE_CHECKING:
    from kmsmock.crypto.asymmetric import PrivateKey

_BEGIN = "-----BEGIN PRIVATE KEY-----"
_END = "-----END PRIVATE KEY-----"
_RSA_BITS = {"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}
# The ML-DSA and ML-KEM specs `cryptography` writes and reads: its module and private key class.
_POST_QUANTUM = {
    "ML_DSA_44": ("mldsa", "MLDSA44PrivateKey"),
    "ML_DSA_65": ("mldsa", "MLDSA65PrivateKey"),
    "ML_DSA_87": ("mldsa", "MLDSA87PrivateKey"),
    "ML_KEM_768": ("mlkem", "MLKEM768PrivateKey"),
    "ML_KEM_1024": ("mlkem", "MLKEM1024PrivateKey"),
}
_CURVES = {
    "ECC_NIST_P256": "secp256r1",
    "ECC_NIST_P384": "secp384r1",
    "ECC_NIST_P521": "secp521r1",
    "ECC_SECG_P256K1": "secp256k1",
}


def private_key_pem(private: Any) -> str:
    if type(private).__name__ in ("SM2PrivateKey", "MLKEM512PrivateKey"):
        body = base64.b64encode(private.private_bytes()).decode("ascii")
        return "\n".join([_BEGIN, *textwrap.wrap(body, 64), _END]) + "\n"
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    pem: bytes = private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    return pem.decode("ascii")


def der_of(pem: str, place: Place) -> bytes:
    """The DER inside a PEM ``PRIVATE KEY`` block."""
    text = pem.strip()
    if not (text.startswith(_BEGIN) and text.endswith(_END)):
        place.fail(
            f"must be an unencrypted PKCS #8 PEM private key ({_BEGIN} ... {_END}); "
            "convert others with `openssl pkcs8 -topk8 -nocrypt`"
        )
    body = "".join(text[len(_BEGIN) : -len(_END)].split())
    try:
        return base64.b64decode(body, validate=True)
    except ValueError:
        place.fail("the PEM block is not valid base64")


def load_private_key(pem: str, spec: str, place: Place) -> PrivateKey:
    """The private key of key spec ``spec`` in ``pem``, or a StateFileError at ``place``."""
    der = der_of(pem, place)
    wrong = f"is not a private key of key spec {spec}"
    if spec == "SM2":
        from kmsmock.crypto import sm2_keys

        sm2 = sm2_keys.load_private_key(der)
        if sm2 is None:
            place.fail(wrong)
        return sm2
    if spec == "ML_KEM_512":
        from kmsmock.crypto import mlkem_keys

        if not mlkem_keys.mlkem512_available():
            place.fail("ML_KEM_512 keys need kyber-py: pip install 'kmsmock[mlkem512]'")
        mlkem512 = mlkem_keys.load_private_key(der)
        if mlkem512 is None:
            place.fail(wrong)
        return mlkem512
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    from cryptography.hazmat.primitives.serialization import load_der_private_key

    try:
        private = load_der_private_key(der, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        place.fail(f"{wrong}: it cannot be read as a PKCS #8 private key")
    fits = False
    if isinstance(private, rsa.RSAPrivateKey):
        fits = _RSA_BITS.get(spec) == private.key_size
    elif isinstance(private, ec.EllipticCurvePrivateKey):
        fits = _CURVES.get(spec) == private.curve.name
    elif isinstance(private, ed25519.Ed25519PrivateKey):
        fits = spec == "ECC_NIST_EDWARDS25519"
    elif spec in _POST_QUANTUM:
        # Imported only for these specs: a `cryptography` before 47 has neither module, and
        # decode.py refuses the specs before this where the installed one cannot make them.
        module, name = _POST_QUANTUM[spec]
        family = importlib.import_module(f"cryptography.hazmat.primitives.asymmetric.{module}")
        fits = isinstance(private, getattr(family, name))
    if not fits:
        place.fail(wrong)
    result: PrivateKey = private  # type: ignore[assignment]
    return result

"""Data key pairs: GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext.

A fresh asymmetric pair per call, as AWS makes one: the private key as unencrypted PKCS #8
DER, the public key as SubjectPublicKeyInfo DER, and the private key's DER sealed under the
symmetric key with the encryption context, as GenerateDataKey seals a data key, so Decrypt
of ``PrivateKeyCiphertextBlob`` returns the PKCS #8 DER. The pair is unrelated to the KMS key.
SM2 pairs (China regions only, optional dependency gmssl) come from crypto/sm2_keys.py, since
``cryptography`` has no SM2 curve.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kmsmock.backend.context import RequestContext
from kmsmock.backend.keys import Key
from kmsmock.crypto import asymmetric
from kmsmock.errors import KmsError
from kmsmock.operations.encryption import check_dry_run, encrypting_key, seal
from kmsmock.operations.recipient import deliver
from kmsmock.operations.table import Params, Result, operation

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

_RSA_BITS = {"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}
_SM2 = "SM2"


def _generate(spec: str) -> PrivateKeyTypes:
    """A new private key of ``spec``; ``cryptography`` is imported only when a pair is made."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if spec in _RSA_BITS:
        return rsa.generate_private_key(public_exponent=65537, key_size=_RSA_BITS[spec])
    if spec == "ECC_NIST_EDWARDS25519":
        return ed25519.Ed25519PrivateKey.generate()
    curves: dict[str, ec.EllipticCurve] = {
        "ECC_NIST_P256": ec.SECP256R1(),
        "ECC_NIST_P384": ec.SECP384R1(),
        "ECC_NIST_P521": ec.SECP521R1(),
        "ECC_SECG_P256K1": ec.SECP256K1(),
    }
    return ec.generate_private_key(curves[spec])


def _require_region_offers(context: RequestContext, spec: str) -> None:
    """SM2 exists only in AWS's China regions; elsewhere AWS refuses it as unsupported there
    (its CreateKey text, "KeySpec SM2 is not supported in this Region", worded for this
    member: AWS's own text for data key pairs is not recorded). In China, SM2 pairs need the
    optional dependency gmssl, as SM2 KMS keys do (the same text as CreateKey's). ML-KEM pairs
    (in botocore 1.44's DataKeyPairSpec) are the inverse: not in the China Regions, as ML-KEM
    KMS keys are not (CreateKey's wording; AWS's text here is not recorded), and need a
    `cryptography` that makes them (ML_KEM_768/1024) or kyber-py (ML_KEM_512)."""
    if spec in asymmetric.ENCAPSULATION_SPECS:
        if context.partition == "aws-cn":
            raise KmsError(
                "UnsupportedOperationException",
                f"KeyPairSpec {spec} is not supported in this Region",
            )
        if spec == "ML_KEM_512" and not asymmetric.mlkem512_available():
            raise KmsError(
                "NotImplementedException",
                "kmsmock needs the optional dependency kyber-py for ML_KEM_512 keys: "
                "pip install 'kmsmock[mlkem512]'",
            )
        missing = asymmetric.cryptography_missing(spec)
        if missing is not None:
            raise KmsError("NotImplementedException", missing)
        return
    if spec != _SM2:
        return
    if context.partition != "aws-cn":
        raise KmsError(
            "UnsupportedOperationException", f"KeyPairSpec {spec} is not supported in this Region"
        )
    if not asymmetric.sm2_available():
        raise KmsError(
            "NotImplementedException",
            "kmsmock needs the optional dependency gmssl for SM2 keys: pip install 'kmsmock[sm2]'",
        )


def _pair(spec: str) -> tuple[bytes, bytes]:
    """(PKCS #8 private key DER, SPKI public key DER) of a new pair of ``spec``."""
    if spec == _SM2:
        from kmsmock.crypto import sm2_keys

        sm2_private = sm2_keys.generate(spec)
        return sm2_private.private_bytes(), sm2_private.public_key().public_bytes()

    if spec in asymmetric.ENCAPSULATION_SPECS:
        from kmsmock.crypto import mlkem_keys

        return mlkem_keys.pair_der(mlkem_keys.generate(spec))

    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
        PublicFormat,
    )

    private = _generate(spec)
    private_der = private.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    public_der = private.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return private_der, public_der


def _data_key_pair(context: RequestContext, params: Params) -> tuple[Key, bytes, bytes, bytes]:
    """(key, PKCS #8 private key, SPKI public key, sealed private key) after AWS's checks."""
    spec: str = params["KeyPairSpec"]
    _require_region_offers(context, spec)
    # The same checks as GenerateDataKey: a symmetric ENCRYPT_DECRYPT key that is usable.
    key = encrypting_key(context, params["KeyId"], None)
    check_dry_run(params)
    private_der, public_der = _pair(spec)
    blob = seal(context, key, private_der, params.get("EncryptionContext"))
    key.last_used = (context.operation, context.now, context.request_id)
    return key, private_der, public_der, blob


@operation("GenerateDataKeyPair")
def generate_data_key_pair(context: RequestContext, params: Params) -> Result:
    key, private_der, public_der, blob = _data_key_pair(context, params)
    result: Result = {"PrivateKeyCiphertextBlob": blob}
    deliver(context, result, "PrivateKeyPlaintext", private_der)
    result.update(
        PublicKey=public_der,
        KeyId=key.arn,
        KeyPairSpec=params["KeyPairSpec"],
        KeyMaterialId=key.current_material_id,
    )
    return result


@operation("GenerateDataKeyPairWithoutPlaintext")
def generate_data_key_pair_without_plaintext(context: RequestContext, params: Params) -> Result:
    key, _, public_der, blob = _data_key_pair(context, params)
    return {
        "PrivateKeyCiphertextBlob": blob,
        "PublicKey": public_der,
        "KeyId": key.arn,
        "KeyPairSpec": params["KeyPairSpec"],
        "KeyMaterialId": key.current_material_id,
    }

"""Probes of the cryptographic operations, importing key material, and the Recipient member
(drift_survey.py says what a probe is)."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from drift_survey import (
    ABSENT,
    KEEP,
    Ctx,
    Differs,
    Holds,
    Observe,
    Outcome,
    base,
    probe,
    then,
)

from kmsmock.nitro import attestation_document, open_ciphertext_for_recipient

MISSING_KEY = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-4000-8000-000000000000"
CONTEXT = {"purpose": "drift"}
PEER = ec.generate_private_key(ec.SECP256R1())
PEER_PUBLIC = PEER.public_key().public_bytes(
    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
)
OTHER_CURVE_PUBLIC = (
    ec.generate_private_key(ec.SECP384R1())
    .public_key()
    .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
)
ENCLAVE = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def recipient() -> dict[str, Any]:
    document = attestation_document(ENCLAVE.public_key(), pcrs={0: "a1" * 48})
    return {"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256", "AttestationDocument": document}


def _decrypts(member: str, **params: Any) -> Observe:
    """Whether the response's ``member`` decrypts (with ``params``): "ok", or the error code."""

    def look(ctx: Ctx, outcome: Outcome) -> Any:
        try:
            ctx.client().decrypt(CiphertextBlob=outcome.response[member], **params)
        except ClientError as error:
            return error.response["Error"]["Code"]
        return "decrypts"

    return then(look)


def _length(member: str) -> Observe:
    return then(lambda ctx, outcome: len(outcome.response[member]))


def _members(ctx: Ctx, outcome: Outcome) -> Any:
    return outcome.code or tuple(sorted(outcome.response))


# -- Encrypt, Decrypt, ReEncrypt -----------------------------------------------------------


@base("Encrypt")
def _encrypt(ctx: Ctx) -> dict[str, Any]:
    return {"KeyId": ctx.key(), "Plaintext": b"order 42"}


def _plaintext_of(ctx: Ctx, outcome: Outcome) -> Any:
    return ctx.client().decrypt(CiphertextBlob=outcome.response["CiphertextBlob"])["Plaintext"]


probe("Encrypt.Plaintext", Differs(KEEP, b"order 43", then(_plaintext_of)))
probe("Encrypt.EncryptionContext", Differs(ABSENT, CONTEXT, _decrypts("CiphertextBlob")))
probe("Encrypt.EncryptionAlgorithm", Differs(ABSENT, "RSAES_OAEP_SHA_256"))


@base("Decrypt")
def _decrypt(ctx: Ctx) -> dict[str, Any]:
    key_id = ctx.key()
    blob = ctx.client().encrypt(KeyId=key_id, Plaintext=b"x", EncryptionContext=CONTEXT)
    return {"CiphertextBlob": blob["CiphertextBlob"], "EncryptionContext": CONTEXT}


def _dry_run_on_garbage(ctx: Ctx) -> dict[str, Any]:
    return {"KeyId": ctx.key(), "CiphertextBlob": os.urandom(64), "DryRun": True}


probe("Decrypt.CiphertextBlob", Differs(KEEP, b"\x01" * 64))
probe("Decrypt.EncryptionContext", Differs(KEEP, ABSENT))
probe("Decrypt.KeyId", Differs(ABSENT, MISSING_KEY))
probe("Decrypt.EncryptionAlgorithm", Differs(ABSENT, "RSAES_OAEP_SHA_1"))
probe("Decrypt.DryRunModifiers", Differs(ABSENT, ["IGNORE_CIPHERTEXT"], setup=_dry_run_on_garbage))


@base("ReEncrypt")
def _re_encrypt(ctx: Ctx) -> dict[str, Any]:
    blob = ctx.client().encrypt(KeyId=ctx.key(), Plaintext=b"x", EncryptionContext=CONTEXT)
    return {
        "CiphertextBlob": blob["CiphertextBlob"],
        "SourceEncryptionContext": CONTEXT,
        "DestinationKeyId": ctx.key(),
    }


probe("ReEncrypt.CiphertextBlob", Differs(KEEP, b"\x01" * 64))
probe("ReEncrypt.SourceEncryptionContext", Differs(KEEP, ABSENT))
probe("ReEncrypt.SourceKeyId", Differs(ABSENT, MISSING_KEY))
probe("ReEncrypt.DestinationKeyId", Differs(KEEP, MISSING_KEY))
probe(
    "ReEncrypt.DestinationEncryptionContext",
    Differs(ABSENT, CONTEXT, _decrypts("CiphertextBlob")),
)
probe("ReEncrypt.SourceEncryptionAlgorithm", Differs(ABSENT, "RSAES_OAEP_SHA_1"))
probe("ReEncrypt.DestinationEncryptionAlgorithm", Differs(ABSENT, "RSAES_OAEP_SHA_1"))
probe(
    "ReEncrypt.DryRunModifiers",
    Differs(
        ABSENT,
        ["IGNORE_CIPHERTEXT"],
        setup=lambda ctx: {
            "CiphertextBlob": os.urandom(64),
            "SourceKeyId": ctx.key(),
            "DestinationKeyId": ctx.key(),
            "DryRun": True,
        },
    ),
)


# -- data keys and random bytes ------------------------------------------------------------


@base("GenerateDataKey")
def _generate_data_key(ctx: Ctx) -> dict[str, Any]:
    return {"KeyId": ctx.key(), "KeySpec": "AES_256"}


@base("GenerateDataKeyWithoutPlaintext")
def _generate_data_key_without_plaintext(ctx: Ctx) -> dict[str, Any]:
    return {"KeyId": ctx.key(), "KeySpec": "AES_256"}


def _by_bytes(ctx: Ctx) -> dict[str, Any]:
    return {"KeyId": ctx.key(), "NumberOfBytes": 16}


def _decrypted_length(ctx: Ctx, outcome: Outcome) -> Any:
    return len(_plaintext_of(ctx, outcome))


probe("GenerateDataKey.KeySpec", Differs(KEEP, "AES_128", _length("Plaintext")))
probe("GenerateDataKey.NumberOfBytes", Differs(KEEP, 7, _length("Plaintext"), _by_bytes))
probe("GenerateDataKey.EncryptionContext", Differs(ABSENT, CONTEXT, _decrypts("CiphertextBlob")))
probe(
    "GenerateDataKeyWithoutPlaintext.KeySpec",
    Differs(KEEP, "AES_128", then(_decrypted_length)),
)
probe(
    "GenerateDataKeyWithoutPlaintext.NumberOfBytes",
    Differs(KEEP, 7, then(_decrypted_length), _by_bytes),
)
probe(
    "GenerateDataKeyWithoutPlaintext.EncryptionContext",
    Differs(ABSENT, CONTEXT, _decrypts("CiphertextBlob")),
)

for _operation in ("GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext"):
    base(_operation)(lambda ctx: {"KeyId": ctx.key(), "KeyPairSpec": "ECC_NIST_P256"})
    probe(
        f"{_operation}.KeyPairSpec",
        Differs(KEEP, "ECC_NIST_P384", _length("PublicKey")),
    )
    probe(
        f"{_operation}.EncryptionContext",
        Differs(ABSENT, CONTEXT, _decrypts("PrivateKeyCiphertextBlob")),
    )


@base("GenerateRandom")
def _generate_random(ctx: Ctx) -> dict[str, Any]:
    return {"NumberOfBytes": 16}


probe("GenerateRandom.NumberOfBytes", Differs(KEEP, 7, _length("Plaintext")))
probe("GenerateRandom.CustomKeyStoreId", Differs(ABSENT, "cks-1234567890abcdef0"))


# -- signatures and MACs -------------------------------------------------------------------


def _signing_key(ctx: Ctx) -> str:
    return ctx.key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")


@base("Sign")
def _sign(ctx: Ctx) -> dict[str, Any]:
    return {"KeyId": _signing_key(ctx), "Message": b"m", "SigningAlgorithm": "ECDSA_SHA_256"}


def _verifies(ctx: Ctx, outcome: Outcome) -> Any:
    request = outcome.request
    try:
        return ctx.client().verify(
            KeyId=request["KeyId"],
            Message=b"m",
            SigningAlgorithm="ECDSA_SHA_256",
            Signature=outcome.response["Signature"],
        )["SignatureValid"]
    except ClientError as error:
        return error.response["Error"]["Code"]


probe("Sign.Message", Differs(KEEP, b"n", then(_verifies)))
probe("Sign.MessageType", Differs(ABSENT, "DIGEST"))  # "m" is no SHA-256 digest
probe("Sign.SigningAlgorithm", Differs(KEEP, "ECDSA_SHA_384"))


@base("Verify")
def _verify(ctx: Ctx) -> dict[str, Any]:
    request = _sign(ctx)
    signature = ctx.client().sign(**request)["Signature"]
    return {**request, "Signature": signature}


probe("Verify.Message", Differs(KEEP, b"n"))
probe("Verify.MessageType", Differs(ABSENT, "DIGEST"))
probe("Verify.Signature", Differs(KEEP, b"\x30\x06\x02\x01\x01\x02\x01\x01"))
probe("Verify.SigningAlgorithm", Differs(KEEP, "ECDSA_SHA_384"))


@base("GenerateMac")
def _generate_mac(ctx: Ctx) -> dict[str, Any]:
    key_id = ctx.key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
    return {"KeyId": key_id, "Message": b"m", "MacAlgorithm": "HMAC_SHA_256"}


def _mac_verifies(ctx: Ctx, outcome: Outcome) -> Any:
    try:
        return ctx.client().verify_mac(
            KeyId=outcome.request["KeyId"],
            Message=b"m",
            MacAlgorithm="HMAC_SHA_256",
            Mac=outcome.response["Mac"],
        )["MacValid"]
    except ClientError as error:
        return error.response["Error"]["Code"]


probe("GenerateMac.Message", Differs(KEEP, b"n", then(_mac_verifies)))
probe("GenerateMac.MacAlgorithm", Differs(KEEP, "HMAC_SHA_384"))


@base("VerifyMac")
def _verify_mac(ctx: Ctx) -> dict[str, Any]:
    request = _generate_mac(ctx)
    return {**request, "Mac": ctx.client().generate_mac(**request)["Mac"]}


probe("VerifyMac.Message", Differs(KEEP, b"n"))
probe("VerifyMac.MacAlgorithm", Differs(KEEP, "HMAC_SHA_384"))
probe("VerifyMac.Mac", Differs(KEEP, b"\x00" * 32))


# -- key agreement, encapsulation, public keys ---------------------------------------------


@base("DeriveSharedSecret")
def _derive_shared_secret(ctx: Ctx) -> dict[str, Any]:
    key_id = ctx.key(KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT")
    return {"KeyId": key_id, "KeyAgreementAlgorithm": "ECDH", "PublicKey": PEER_PUBLIC}


def _is_ecdh(ctx: Ctx, outcome: Outcome) -> None:
    # ECDH with the key's private half: the peer computes the same secret from its side.
    assert outcome.ok
    public = serialization.load_der_public_key(
        ctx.client().get_public_key(KeyId=outcome.request["KeyId"])["PublicKey"]
    )
    assert isinstance(public, ec.EllipticCurvePublicKey)
    assert outcome.response["SharedSecret"] == PEER.exchange(ec.ECDH(), public)


probe("DeriveSharedSecret.KeyAgreementAlgorithm", Holds("ECDH", _is_ecdh))
probe("DeriveSharedSecret.PublicKey", Differs(KEEP, OTHER_CURVE_PUBLIC))


def _kem_key(ctx: Ctx) -> str:
    return ctx.key(KeySpec="ML_KEM_768", KeyUsage="ENCAPSULATE_DECAPSULATE")


@base("Encapsulate")
def _encapsulate(ctx: Ctx) -> dict[str, Any]:
    return {"KeyId": _kem_key(ctx), "EncapsulationAlgorithm": "ML_KEM"}


def _is_ml_kem(ctx: Ctx, outcome: Outcome) -> None:
    # The encapsulated secret is what decapsulating its ciphertext gives.
    assert outcome.ok
    opened = ctx.client().decapsulate(
        KeyId=outcome.request["KeyId"],
        SharedSecretCiphertextBlob=outcome.response["SharedSecretCiphertextBlob"],
        EncapsulationAlgorithm="ML_KEM",
    )
    assert opened["SharedSecret"] == outcome.response["SharedSecret"]


probe("Encapsulate.EncapsulationAlgorithm", Holds("ML_KEM", _is_ml_kem))


@base("Decapsulate")
def _decapsulate(ctx: Ctx) -> dict[str, Any]:
    request = _encapsulate(ctx)
    made = ctx.client().encapsulate(**request)
    ctx.memo["secret"] = made["SharedSecret"]
    return {**request, "SharedSecretCiphertextBlob": made["SharedSecretCiphertextBlob"]}


def _same_secret(ctx: Ctx, outcome: Outcome) -> Any:
    return outcome.response["SharedSecret"] == ctx.memo["secret"]


def _flipped(ctx: Ctx) -> bytes:
    # The ciphertext the setup made, one bit changed (ML-KEM answers it with another secret).
    blob = bytearray(ctx.memo["blob"])
    blob[0] ^= 1
    return bytes(blob)


def _decapsulate_noting(ctx: Ctx) -> dict[str, Any]:
    request = _decapsulate(ctx)
    ctx.memo["blob"] = request["SharedSecretCiphertextBlob"]
    return request


probe(
    "Decapsulate.SharedSecretCiphertextBlob",
    Differs(KEEP, _flipped, then(_same_secret), _decapsulate_noting),
)


def _is_decapsulated(ctx: Ctx, outcome: Outcome) -> None:
    assert outcome.ok and outcome.response["SharedSecret"] == ctx.memo["secret"]


probe("Decapsulate.EncapsulationAlgorithm", Holds("ML_KEM", _is_decapsulated))


@base("GetPublicKey")
def _get_public_key(ctx: Ctx) -> dict[str, Any]:
    return {"KeyId": _signing_key(ctx)}


# -- importing key material ----------------------------------------------------------------


def _external(ctx: Ctx) -> str:
    return ctx.key(Origin="EXTERNAL")


@base("GetParametersForImport")
def _get_parameters_for_import(ctx: Ctx) -> dict[str, Any]:
    return {
        "KeyId": _external(ctx),
        "WrappingAlgorithm": "RSAES_OAEP_SHA_256",
        "WrappingKeySpec": "RSA_2048",
    }


probe("GetParametersForImport.WrappingAlgorithm", Differs(KEEP, "RSAES_PKCS1_V1_5"))
probe("GetParametersForImport.WrappingKeySpec", Differs(KEEP, "SM2"))  # China only


def wrapped(ctx: Ctx, key_id: str, material: bytes) -> dict[str, Any]:
    """ImportKeyMaterial's token and ``material`` wrapped for ``key_id``."""
    got = ctx.client().get_parameters_for_import(**{**_wrapping(), "KeyId": key_id})
    public = serialization.load_der_public_key(got["PublicKey"])
    assert isinstance(public, rsa.RSAPublicKey)
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    return {
        "ImportToken": got["ImportToken"],
        "EncryptedKeyMaterial": public.encrypt(material, oaep),
    }


def _wrapping() -> dict[str, str]:
    return {"WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048"}


@base("ImportKeyMaterial")
def _import_key_material(ctx: Ctx) -> dict[str, Any]:
    key_id = _external(ctx)
    return {
        "KeyId": key_id,
        **wrapped(ctx, key_id, bytes(range(32))),
        "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE",
    }


def _tomorrow(ctx: Ctx) -> datetime:
    return datetime.now(timezone.utc) + timedelta(days=1)


def _descriptions(ctx: Ctx, outcome: Outcome) -> Any:
    rotations = ctx.client().list_key_rotations(
        KeyId=outcome.request["KeyId"], IncludeKeyMaterial="ALL_KEY_MATERIAL"
    )["Rotations"]
    return [entry.get("KeyMaterialDescription") for entry in rotations]


probe("ImportKeyMaterial.ImportToken", Differs(KEEP, b"\x00" * 32))
probe("ImportKeyMaterial.EncryptedKeyMaterial", Differs(KEEP, b"\x00" * 256))
probe("ImportKeyMaterial.ValidTo", Differs(ABSENT, _tomorrow))
probe("ImportKeyMaterial.ExpirationModel", Differs(KEEP, ABSENT))
probe("ImportKeyMaterial.ImportType", Differs(ABSENT, "EXISTING_KEY_MATERIAL"))
probe("ImportKeyMaterial.KeyMaterialId", Differs(ABSENT, "0" * 64))
probe(
    "ImportKeyMaterial.KeyMaterialDescription",
    Differs(ABSENT, "first", then(_descriptions)),
)


@base("DeleteImportedKeyMaterial")
def _delete_imported_key_material(ctx: Ctx) -> dict[str, Any]:
    request = _import_key_material(ctx)
    ctx.client().import_key_material(**request)
    return {"KeyId": request["KeyId"]}


probe("DeleteImportedKeyMaterial.KeyMaterialId", Differs(ABSENT, "0" * 64))


# -- Recipient (Nitro Enclaves) ------------------------------------------------------------


def _opens(ctx: Ctx, outcome: Outcome) -> None:
    # RSAES_OAEP_SHA_256 is what opening the CMS envelope with the enclave's key takes.
    assert outcome.ok
    assert open_ciphertext_for_recipient(ENCLAVE, outcome.response["CiphertextForRecipient"])


def _with_recipient(setup: Callable[[Ctx], dict[str, Any]]) -> Callable[[Ctx], dict[str, Any]]:
    return lambda ctx: {**setup(ctx), "Recipient": recipient()}


RECIPIENT_BASES: dict[str, Callable[[Ctx], dict[str, Any]]] = {
    "Decrypt": _decrypt,
    "GenerateDataKey": _generate_data_key,
    "GenerateDataKeyPair": lambda ctx: {"KeyId": ctx.key(), "KeyPairSpec": "ECC_NIST_P256"},
    "GenerateRandom": _generate_random,
    "DeriveSharedSecret": _derive_shared_secret,
}
for _operation, _setup in RECIPIENT_BASES.items():
    probe(f"{_operation}.Recipient", Differs(ABSENT, recipient(), _members))
    probe(
        f"{_operation}.Recipient.AttestationDocument",
        Differs(KEEP, b"not a document", setup=_with_recipient(_setup)),
    )
    probe(
        f"{_operation}.Recipient.KeyEncryptionAlgorithm",
        Holds("RSAES_OAEP_SHA_256", _opens, _with_recipient(_setup)),
    )

"""Imported key material (BYOK): Origin EXTERNAL, GetParametersForImport, ImportKeyMaterial,
DeleteImportedKeyMaterial, expiry. Material is wrapped offline with ``cryptography``."""

from __future__ import annotations

import hmac
import os
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from conftest import REGION, describe, fails, key_arn, new_key
from cryptography.hazmat.primitives import hashes, keywrap, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmsmock import mock_kms
from kmsmock.crypto import ciphertext

START = datetime(2030, 1, 1, tzinfo=timezone.utc)
ALGORITHMS = (
    "RSAES_OAEP_SHA_1",
    "RSAES_OAEP_SHA_256",
    "RSA_AES_KEY_WRAP_SHA_1",
    "RSA_AES_KEY_WRAP_SHA_256",
)
WRAPPING_SPECS = ("RSA_2048", "RSA_3072", "RSA_4096")


def wrap(public_der: bytes, algorithm: str, material: bytes) -> bytes:
    """Wrap ``material`` offline, as AWS's importing-keys guide does with OpenSSL."""
    public = serialization.load_der_public_key(public_der)
    assert isinstance(public, rsa.RSAPublicKey)
    hash_: hashes.HashAlgorithm = hashes.SHA256() if algorithm.endswith("256") else hashes.SHA1()
    oaep = padding.OAEP(mgf=padding.MGF1(hash_), algorithm=hash_, label=None)
    if algorithm.startswith("RSAES_OAEP"):
        return public.encrypt(material, oaep)
    aes_key = os.urandom(32)
    return public.encrypt(aes_key, oaep) + keywrap.aes_key_wrap_with_padding(aes_key, material)


def params(client: BaseClient, key_id: str, algorithm: str = "RSAES_OAEP_SHA_256") -> Any:
    return client.get_parameters_for_import(
        KeyId=key_id, WrappingAlgorithm=algorithm, WrappingKeySpec="RSA_2048"
    )


def do_import(
    client: BaseClient,
    key_id: str,
    material: bytes,
    algorithm: str = "RSAES_OAEP_SHA_256",
    **extra: Any,
) -> Any:
    got = params(client, key_id, algorithm)
    extra.setdefault("ExpirationModel", "KEY_MATERIAL_DOES_NOT_EXPIRE")
    return client.import_key_material(
        KeyId=key_id,
        ImportToken=got["ImportToken"],
        EncryptedKeyMaterial=wrap(got["PublicKey"], algorithm, material),
        **extra,
    )


def external(client: BaseClient, **kwargs: Any) -> str:
    key_id: str = new_key(client, Origin="EXTERNAL", **kwargs)["KeyId"]
    return key_id


def pkcs8(private: Any) -> bytes:
    der: bytes = private.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return der


# --- CreateKey Origin EXTERNAL and the PendingImport state ---


@pytest.mark.parametrize(
    ("spec", "usage"),
    [
        ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"),
        ("HMAC_256", "GENERATE_VERIFY_MAC"),
        ("RSA_2048", "SIGN_VERIFY"),
        ("ECC_NIST_P256", "SIGN_VERIFY"),
    ],
)
def test_external_key_waits_for_its_material(client: BaseClient, spec: str, usage: str) -> None:
    meta = new_key(client, Origin="EXTERNAL", KeySpec=spec, KeyUsage=usage)
    assert (meta["Origin"], meta["KeyState"], meta["Enabled"]) == (
        "EXTERNAL",
        "PendingImport",
        False,
    )
    # Recorded: no CurrentKeyMaterialId, ExpirationModel or ValidTo before the first import.
    assert not {"CurrentKeyMaterialId", "ExpirationModel", "ValidTo"} & set(meta)
    assert describe(client, meta["KeyId"])["KeyState"] == "PendingImport"


def test_pending_import_refuses_every_use(client: BaseClient) -> None:
    pending = f"{key_arn('{}')} is pending import."
    sym = external(client)
    assert fails(client.encrypt, KeyId=sym, Plaintext=b"x") == (
        "KMSInvalidStateException",
        pending.format(sym),
    )
    assert fails(client.generate_data_key, KeyId=sym, KeySpec="AES_256") == (
        "KMSInvalidStateException",
        pending.format(sym),
    )
    assert fails(client.enable_key, KeyId=sym) == ("KMSInvalidStateException", pending.format(sym))
    assert fails(client.disable_key, KeyId=sym) == (
        "KMSInvalidStateException",
        pending.format(sym),
    )
    mac = external(client, KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
    assert fails(client.generate_mac, KeyId=mac, Message=b"m", MacAlgorithm="HMAC_SHA_256") == (
        "KMSInvalidStateException",
        pending.format(mac),
    )
    ecc = external(client, KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
    assert fails(client.sign, KeyId=ecc, Message=b"m", SigningAlgorithm="ECDSA_SHA_256") == (
        "KMSInvalidStateException",
        pending.format(ecc),
    )
    assert fails(client.get_public_key, KeyId=ecc) == (
        "KMSInvalidStateException",
        pending.format(ecc),
    )
    # Rotation settings name the origin (key-state table footnote 6).
    assert fails(client.enable_key_rotation, KeyId=sym) == (
        "UnsupportedOperationException",
        f"{key_arn(sym)} origin is EXTERNAL which is not valid for this operation.",
    )


# --- The recipe: import, use, delete, reimport ---


def test_import_use_delete_and_reimport(client: BaseClient) -> None:
    key_id = external(client)
    material = os.urandom(32)
    answer = do_import(client, key_id, material)
    assert answer["KeyId"] == key_arn(key_id)
    material_id = answer["KeyMaterialId"]
    assert len(material_id) == 64 and int(material_id, 16) >= 0
    meta = describe(client, key_id)
    assert (meta["KeyState"], meta["Enabled"]) == ("Enabled", True)
    assert meta["ExpirationModel"] == "KEY_MATERIAL_DOES_NOT_EXPIRE"
    assert "ValidTo" not in meta
    assert meta["CurrentKeyMaterialId"] == material_id

    blob = client.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    # The imported bytes are the key: the blob's AES-GCM opens with them.
    assert ciphertext.open_(material, ciphertext.parse(blob), None) == b"secret"
    decrypted = client.decrypt(CiphertextBlob=blob)
    assert (decrypted["Plaintext"], decrypted["KeyMaterialId"]) == (b"secret", material_id)

    deleted = client.delete_imported_key_material(KeyId=key_id)
    assert (deleted["KeyId"], deleted["KeyMaterialId"]) == (key_arn(key_id), material_id)
    meta = describe(client, key_id)
    assert (meta["KeyState"], meta["Enabled"]) == ("PendingImport", False)
    assert "ExpirationModel" not in meta
    assert meta["CurrentKeyMaterialId"] == material_id  # recorded: it stays
    assert fails(client.decrypt, CiphertextBlob=blob) == (
        "KMSInvalidStateException",
        f"{key_arn(key_id)} is pending import.",
    )

    # Only the same material goes back in; then old ciphertexts decrypt again.
    got = params(client, key_id)
    assert fails(
        client.import_key_material,
        KeyId=key_id,
        ImportToken=got["ImportToken"],
        EncryptedKeyMaterial=wrap(got["PublicKey"], "RSAES_OAEP_SHA_256", os.urandom(32)),
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
    ) == (
        "IncorrectKeyMaterialException",
        "The key material being imported is not the key material previously imported "
        f"into {key_arn(key_id)}.",
    )
    again = do_import(client, key_id, material, KeyMaterialId=material_id)
    assert again["KeyMaterialId"] == material_id
    assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"


def test_same_material_gives_other_keys_other_ids(client: BaseClient) -> None:
    material = os.urandom(32)
    first, second = external(client), external(client)
    one = do_import(client, first, material)["KeyMaterialId"]
    two = do_import(client, second, material)["KeyMaterialId"]
    assert one != two
    # A ciphertext names its key: the other key, with the same bytes, does not open it.
    blob = client.encrypt(KeyId=first, Plaintext=b"x")["CiphertextBlob"]
    assert fails(client.decrypt, CiphertextBlob=blob, KeyId=second)[0] == "IncorrectKeyException"


# --- Every wrapping algorithm and wrapping key spec ---


@pytest.mark.parametrize("spec", WRAPPING_SPECS)
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_every_wrapping_algorithm_and_spec(client: BaseClient, algorithm: str, spec: str) -> None:
    with freeze_time(START):
        key_id = external(client)
        got = client.get_parameters_for_import(
            KeyId=key_id, WrappingAlgorithm=algorithm, WrappingKeySpec=spec
        )
        assert got["KeyId"] == key_arn(key_id)
        assert got["ParametersValidTo"] == START + timedelta(hours=24)
        public = serialization.load_der_public_key(got["PublicKey"])
        assert isinstance(public, rsa.RSAPublicKey)
        assert public.key_size == int(spec[4:])
        material = os.urandom(32)
        client.import_key_material(
            KeyId=key_id,
            ImportToken=got["ImportToken"],
            EncryptedKeyMaterial=wrap(got["PublicKey"], algorithm, material),
            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
        )
        blob = client.encrypt(KeyId=key_id, Plaintext=b"p")["CiphertextBlob"]
        assert ciphertext.open_(material, ciphertext.parse(blob), None) == b"p"


def test_material_wrapped_with_the_other_hash_is_refused(client: BaseClient) -> None:
    key_id = external(client)
    got = params(client, key_id, "RSAES_OAEP_SHA_256")
    wrapped = wrap(got["PublicKey"], "RSAES_OAEP_SHA_1", os.urandom(32))
    assert fails(
        client.import_key_material,
        KeyId=key_id,
        ImportToken=got["ImportToken"],
        EncryptedKeyMaterial=wrapped,
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
    ) == ("InvalidCiphertextException", "")
    assert describe(client, key_id)["KeyState"] == "PendingImport"


def test_pkcs1_v1_5_is_no_longer_accepted(client: BaseClient) -> None:
    key_id = external(client)
    assert fails(
        client.get_parameters_for_import,
        KeyId=key_id,
        WrappingAlgorithm="RSAES_PKCS1_V1_5",
        WrappingKeySpec="RSA_2048",
    ) == (
        "ValidationException",
        "WrappingAlgorithm RSAES_PKCS1_V1_5 is not supported. Use RSAES_OAEP_SHA_1, "
        "RSAES_OAEP_SHA_256, RSA_AES_KEY_WRAP_SHA_1 or RSA_AES_KEY_WRAP_SHA_256.",
    )


@pytest.mark.parametrize(
    ("algorithm", "spec", "refused"),
    [
        ("SM2PKE", "SM2", "WrappingKeySpec SM2"),
        ("RSAES_OAEP_SHA_256", "SM2", "WrappingKeySpec SM2"),
        ("SM2PKE", "RSA_2048", "WrappingAlgorithm SM2PKE"),
    ],
)
def test_sm2_wrapping_is_refused_outside_china(
    client: BaseClient, algorithm: str, spec: str, refused: str
) -> None:
    # SM2 wrapping exists only in AWS's China regions (test_sm2.py serves it there), worded
    # as CreateKey's recorded refusal of SM2 outside China.
    key_id = external(client)
    assert fails(
        client.get_parameters_for_import,
        KeyId=key_id,
        WrappingAlgorithm=algorithm,
        WrappingKeySpec=spec,
    ) == ("UnsupportedOperationException", f"{refused} is not supported in this Region")


# --- Import tokens ---


def test_token_expires_after_24_hours(client: BaseClient) -> None:
    with freeze_time(START) as clock:
        key_id = external(client)
        got = params(client, key_id)
        wrapped = wrap(got["PublicKey"], "RSAES_OAEP_SHA_256", os.urandom(32))
        clock.tick(timedelta(hours=24))
        assert fails(
            client.import_key_material,
            KeyId=key_id,
            ImportToken=got["ImportToken"],
            EncryptedKeyMaterial=wrapped,
            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
        ) == (
            "ExpiredImportTokenException",
            "The import token is expired. Use GetParametersForImport to get a new import "
            "token and public key.",
        )


def test_token_just_before_expiry_works(client: BaseClient) -> None:
    with freeze_time(START) as clock:
        key_id = external(client)
        got = params(client, key_id)
        clock.tick(timedelta(hours=24) - timedelta(seconds=1))
        client.import_key_material(
            KeyId=key_id,
            ImportToken=got["ImportToken"],
            EncryptedKeyMaterial=wrap(got["PublicKey"], "RSAES_OAEP_SHA_256", os.urandom(32)),
            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
        )
        assert describe(client, key_id)["KeyState"] == "Enabled"


INVALID_TOKEN = (
    "InvalidImportTokenException",
    "The import token is invalid or is associated with a different KMS key.",
)


def test_token_of_another_key_or_tampered_is_invalid(client: BaseClient) -> None:
    key_id, other = external(client), external(client)
    got = params(client, other)
    wrapped = wrap(got["PublicKey"], "RSAES_OAEP_SHA_256", os.urandom(32))
    token = got["ImportToken"]
    tampered = token[:-1] + bytes([token[-1] ^ 1])
    for target, bad in ((key_id, token), (other, tampered), (other, token[:8]), (other, b"x" * 64)):
        assert (
            fails(
                client.import_key_material,
                KeyId=target,
                ImportToken=bad,
                EncryptedKeyMaterial=wrapped,
                ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
            )
            == INVALID_TOKEN
        )


def test_token_of_another_mock_is_invalid(client: BaseClient) -> None:
    key_id = external(client)
    with mock_kms():
        inner = boto3.client("kms", region_name=REGION)
        foreign = params(inner, external(inner))
    assert (
        fails(
            client.import_key_material,
            KeyId=key_id,
            ImportToken=foreign["ImportToken"],
            EncryptedKeyMaterial=wrap(foreign["PublicKey"], "RSAES_OAEP_SHA_256", b"k" * 32),
            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
        )
        == INVALID_TOKEN
    )


# --- Expiration ---


def test_material_expires_at_valid_to(client: BaseClient) -> None:
    with freeze_time(START) as clock:
        key_id = external(client)
        valid_to = START + timedelta(days=1)
        do_import(
            client,
            key_id,
            os.urandom(32),
            ExpirationModel="KEY_MATERIAL_EXPIRES",
            ValidTo=valid_to,
        )
        meta = describe(client, key_id)
        assert (meta["ExpirationModel"], meta["ValidTo"]) == ("KEY_MATERIAL_EXPIRES", valid_to)
        blob = client.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]

        clock.tick(timedelta(days=1) - timedelta(seconds=1))
        assert describe(client, key_id)["KeyState"] == "Enabled"
        clock.tick(timedelta(seconds=1))
        meta = describe(client, key_id)
        assert (meta["KeyState"], meta["Enabled"]) == ("PendingImport", False)
        assert not {"ExpirationModel", "ValidTo"} & set(meta)
        assert fails(client.decrypt, CiphertextBlob=blob) == (
            "KMSInvalidStateException",
            f"{key_arn(key_id)} is pending import.",
        )


def test_deleting_material_cancels_its_expiry(client: BaseClient) -> None:
    with freeze_time(START) as clock:
        key_id = external(client)
        material = os.urandom(32)
        do_import(
            client,
            key_id,
            material,
            ExpirationModel="KEY_MATERIAL_EXPIRES",
            ValidTo=START + timedelta(days=1),
        )
        client.delete_imported_key_material(KeyId=key_id)
        do_import(client, key_id, material)  # does not expire
        clock.tick(timedelta(days=2))
        meta = describe(client, key_id)
        assert (meta["KeyState"], meta["ExpirationModel"]) == (
            "Enabled",
            "KEY_MATERIAL_DOES_NOT_EXPIRE",
        )


def test_expiration_parameters_are_checked(client: BaseClient) -> None:
    with freeze_time(START):
        key_id = external(client)
        got = params(client, key_id)
        wrapped = wrap(got["PublicKey"], "RSAES_OAEP_SHA_256", os.urandom(32))
        base = {"KeyId": key_id, "ImportToken": got["ImportToken"], "EncryptedKeyMaterial": wrapped}
        # Recorded: KEY_MATERIAL_EXPIRES is the default, and needs ValidTo.
        assert fails(client.import_key_material, **base) == (
            "ValidationException",
            "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES",
        )
        assert fails(
            client.import_key_material,
            **base,
            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
            ValidTo=START + timedelta(days=1),
        ) == (
            "ValidationException",
            "A validTo date must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE",
        )
        for when in (START, START + timedelta(days=365, seconds=1)):
            assert fails(client.import_key_material, **base, ValidTo=when) == (
                "ValidationException",
                "The validTo date must be in the future and no more than 365 days from now",
            )
        client.import_key_material(**base, ValidTo=START + timedelta(days=365))
        assert describe(client, key_id)["ValidTo"] == START + timedelta(days=365)


# --- Checking the material ---


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(size=st.integers(min_value=1, max_value=128))
def test_symmetric_material_must_be_256_bits(size: int) -> None:
    with mock_kms():
        client = boto3.client("kms", region_name=REGION)
        key_id = external(client)
        got = params(client, key_id, "RSA_AES_KEY_WRAP_SHA_256")
        call = {
            "KeyId": key_id,
            "ImportToken": got["ImportToken"],
            "EncryptedKeyMaterial": wrap(got["PublicKey"], "RSA_AES_KEY_WRAP_SHA_256", b"k" * size),
            "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE",
        }
        if size == 32:
            client.import_key_material(**call)
            assert describe(client, key_id)["KeyState"] == "Enabled"
        else:
            assert fails(client.import_key_material, **call) == (
                "IncorrectKeyMaterialException",
                "The key material is not valid for key spec SYMMETRIC_DEFAULT.",
            )
            assert describe(client, key_id)["KeyState"] == "PendingImport"


@pytest.mark.parametrize(
    ("spec", "low", "high"),
    [("HMAC_224", 28, 64), ("HMAC_256", 32, 64), ("HMAC_384", 48, 128), ("HMAC_512", 64, 128)],
)
def test_hmac_material_lengths(client: BaseClient, spec: str, low: int, high: int) -> None:
    key_id = external(client, KeySpec=spec, KeyUsage="GENERATE_VERIFY_MAC")
    for size in (low - 1, high + 1):
        got = params(client, key_id, "RSA_AES_KEY_WRAP_SHA_256")
        assert fails(
            client.import_key_material,
            KeyId=key_id,
            ImportToken=got["ImportToken"],
            EncryptedKeyMaterial=wrap(got["PublicKey"], "RSA_AES_KEY_WRAP_SHA_256", b"k" * size),
            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
        ) == (
            "IncorrectKeyMaterialException",
            f"The key material is not valid for key spec {spec}.",
        )
    do_import(client, key_id, b"k" * high, "RSA_AES_KEY_WRAP_SHA_256")
    meta = describe(client, key_id)
    assert (meta["KeyState"], meta["ExpirationModel"]) == (
        "Enabled",
        "KEY_MATERIAL_DOES_NOT_EXPIRE",
    )
    assert "CurrentKeyMaterialId" not in meta  # recorded: HMAC keys never show it


@pytest.mark.parametrize(("spec", "name"), [("HMAC_256", "sha256"), ("HMAC_512", "sha512")])
def test_imported_hmac_key_macs_with_the_imported_bytes(
    client: BaseClient, spec: str, name: str
) -> None:
    key_id = external(client, KeySpec=spec, KeyUsage="GENERATE_VERIFY_MAC")
    material = os.urandom(64)
    do_import(client, key_id, material, "RSA_AES_KEY_WRAP_SHA_256")
    algorithm = "HMAC_SHA_" + spec[5:]
    tag = client.generate_mac(KeyId=key_id, Message=b"msg", MacAlgorithm=algorithm)["Mac"]
    assert tag == hmac.digest(material, b"msg", name)


def test_imported_hmac_key_generates_and_verifies(client: BaseClient) -> None:
    key_id = external(client, KeySpec="HMAC_384", KeyUsage="GENERATE_VERIFY_MAC")
    do_import(client, key_id, os.urandom(48), "RSA_AES_KEY_WRAP_SHA_256")
    tag = client.generate_mac(KeyId=key_id, Message=b"m", MacAlgorithm="HMAC_SHA_384")["Mac"]
    verified = client.verify_mac(KeyId=key_id, Message=b"m", Mac=tag, MacAlgorithm="HMAC_SHA_384")
    assert verified["MacValid"] is True


def test_imported_rsa_encryption_key(client: BaseClient) -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_id = external(client, KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")
    # RSA private keys are too long for RSAES_OAEP: only RSA_AES_KEY_WRAP wraps them.
    answer = do_import(client, key_id, pkcs8(private), "RSA_AES_KEY_WRAP_SHA_256")
    assert answer["KeyId"] == key_arn(key_id)
    public_der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert client.get_public_key(KeyId=key_id)["PublicKey"] == public_der
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    blob = private.public_key().encrypt(b"made offline", oaep)
    decrypted = client.decrypt(
        CiphertextBlob=blob, KeyId=key_id, EncryptionAlgorithm="RSAES_OAEP_SHA_256"
    )
    assert decrypted["Plaintext"] == b"made offline"
    meta = describe(client, key_id)
    assert meta["ExpirationModel"] == "KEY_MATERIAL_DOES_NOT_EXPIRE"
    assert "CurrentKeyMaterialId" not in meta  # recorded: asymmetric keys never show it
    # After deletion the key has no private key until the same one is imported again.
    client.delete_imported_key_material(KeyId=key_id)
    assert fails(client.get_public_key, KeyId=key_id) == (
        "KMSInvalidStateException",
        f"{key_arn(key_id)} is pending import.",
    )
    do_import(client, key_id, pkcs8(private), "RSA_AES_KEY_WRAP_SHA_1")
    assert client.get_public_key(KeyId=key_id)["PublicKey"] == public_der


def test_imported_signing_keys_sign_verifiably(client: BaseClient) -> None:
    rsa_private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa_key = external(client, KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
    do_import(client, rsa_key, pkcs8(rsa_private), "RSA_AES_KEY_WRAP_SHA_256")
    signature = client.sign(KeyId=rsa_key, Message=b"m", SigningAlgorithm="RSASSA_PSS_SHA_256")[
        "Signature"
    ]
    rsa_private.public_key().verify(
        signature,
        b"m",
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
        hashes.SHA256(),
    )

    ec_private = ec.generate_private_key(ec.SECP256R1())
    ec_key = external(client, KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
    # ECC material is short enough for RSAES_OAEP as well.
    do_import(client, ec_key, pkcs8(ec_private), "RSAES_OAEP_SHA_256")
    signature = client.sign(KeyId=ec_key, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")[
        "Signature"
    ]
    ec_private.public_key().verify(signature, b"m", ec.ECDSA(hashes.SHA256()))
    offline = ec_private.sign(b"n", ec.ECDSA(hashes.SHA256()))
    verified = client.verify(
        KeyId=ec_key, Message=b"n", Signature=offline, SigningAlgorithm="ECDSA_SHA_256"
    )
    assert verified["SignatureValid"] is True


@pytest.mark.parametrize(
    ("spec", "material"),
    [
        ("ECC_NIST_P256", lambda: pkcs8(ec.generate_private_key(ec.SECP384R1()))),
        ("ECC_NIST_P384", lambda: b"not a private key"),
        ("RSA_2048", lambda: pkcs8(ec.generate_private_key(ec.SECP256R1()))),
    ],
)
def test_asymmetric_material_must_match_the_spec(
    client: BaseClient, spec: str, material: Any
) -> None:
    key_id = external(client, KeySpec=spec, KeyUsage="SIGN_VERIFY")
    got = params(client, key_id, "RSA_AES_KEY_WRAP_SHA_256")
    assert fails(
        client.import_key_material,
        KeyId=key_id,
        ImportToken=got["ImportToken"],
        EncryptedKeyMaterial=wrap(got["PublicKey"], "RSA_AES_KEY_WRAP_SHA_256", material()),
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
    ) == ("IncorrectKeyMaterialException", f"The key material is not valid for key spec {spec}.")


# --- ImportType NEW_KEY_MATERIAL (on-demand rotation of imported keys, 2025) ---


def test_new_key_material_waits_for_rotation(client: BaseClient) -> None:
    key_id = external(client)
    first = do_import(client, key_id, os.urandom(32))["KeyMaterialId"]
    second = do_import(client, key_id, os.urandom(32), ImportType="NEW_KEY_MATERIAL")
    assert second["KeyMaterialId"] != first
    # Recorded: CurrentKeyMaterialId stays the old one until RotateKeyOnDemand.
    assert describe(client, key_id)["CurrentKeyMaterialId"] == first
    third = os.urandom(32)
    got = params(client, key_id)
    code, message = fails(
        client.import_key_material,
        KeyId=key_id,
        ImportToken=got["ImportToken"],
        EncryptedKeyMaterial=wrap(got["PublicKey"], "RSAES_OAEP_SHA_256", third),
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
        ImportType="NEW_KEY_MATERIAL",
    )
    assert code == "KMSInvalidStateException"
    assert message.startswith("New key material (id: ")
    assert message.endswith(
        f") cannot be imported into KMS key {key_id}, because another key material "
        f"(id: {second['KeyMaterialId']}) is pending rotation."
    )


def test_new_key_material_must_be_new(client: BaseClient) -> None:
    key_id = external(client)
    material = os.urandom(32)
    do_import(client, key_id, material)
    got = params(client, key_id)
    assert fails(
        client.import_key_material,
        KeyId=key_id,
        ImportToken=got["ImportToken"],
        EncryptedKeyMaterial=wrap(got["PublicKey"], "RSAES_OAEP_SHA_256", material),
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
        ImportType="NEW_KEY_MATERIAL",
    ) == (
        "IncorrectKeyMaterialException",
        f"The key material is already associated with {key_arn(key_id)}.",
    )


def test_rotate_on_demand_makes_new_material_current(client: BaseClient) -> None:
    key_id = external(client)
    first = do_import(client, key_id, os.urandom(32))["KeyMaterialId"]
    old_blob = client.encrypt(KeyId=key_id, Plaintext=b"old")["CiphertextBlob"]
    new_id = do_import(client, key_id, os.urandom(32), ImportType="NEW_KEY_MATERIAL")
    client.rotate_key_on_demand(KeyId=key_id)
    assert describe(client, key_id)["CurrentKeyMaterialId"] == new_id["KeyMaterialId"]
    new_blob = client.encrypt(KeyId=key_id, Plaintext=b"new")["CiphertextBlob"]
    old = client.decrypt(CiphertextBlob=old_blob)
    new = client.decrypt(CiphertextBlob=new_blob)
    assert (old["Plaintext"], old["KeyMaterialId"]) == (b"old", first)
    assert (new["Plaintext"], new["KeyMaterialId"]) == (b"new", new_id["KeyMaterialId"])
    # Nothing is pending any more: another rotation needs another import.
    assert fails(client.rotate_key_on_demand, KeyId=key_id) == (
        "KMSInvalidStateException",
        f"{key_arn(key_id)} has no key material pending rotation. Import new key material "
        "with ImportType NEW_KEY_MATERIAL first.",
    )


# --- Which keys and states allow the import operations ---


def test_import_operations_refuse_aws_kms_keys(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    expected = (
        "UnsupportedOperationException",
        f"{key_arn(key_id)} origin is AWS_KMS which is not valid for this operation.",
    )
    assert (
        fails(
            client.get_parameters_for_import,
            KeyId=key_id,
            WrappingAlgorithm="RSAES_OAEP_SHA_256",
            WrappingKeySpec="RSA_2048",
        )
        == expected
    )
    assert (
        fails(
            client.import_key_material,
            KeyId=key_id,
            ImportToken=b"t" * 32,
            EncryptedKeyMaterial=b"m" * 256,
            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
        )
        == expected
    )
    assert fails(client.delete_imported_key_material, KeyId=key_id) == expected
    client.schedule_key_deletion(KeyId=key_id)  # the origin is checked before the state
    assert fails(client.delete_imported_key_material, KeyId=key_id) == expected


def test_import_operations_take_no_alias(client: BaseClient) -> None:
    key_id = external(client)
    client.create_alias(AliasName="alias/byok", TargetKeyId=key_id)
    code, _ = fails(
        client.get_parameters_for_import,
        KeyId="alias/byok",
        WrappingAlgorithm="RSAES_OAEP_SHA_256",
        WrappingKeySpec="RSA_2048",
    )
    assert code == "InvalidArnException"


def test_pending_deletion(client: BaseClient) -> None:
    key_id = external(client)
    material = os.urandom(32)
    do_import(client, key_id, material)
    got = params(client, key_id)
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    pending = ("KMSInvalidStateException", f"{key_arn(key_id)} is pending deletion.")
    assert (
        fails(
            client.get_parameters_for_import,
            KeyId=key_id,
            WrappingAlgorithm="RSAES_OAEP_SHA_256",
            WrappingKeySpec="RSA_2048",
        )
        == pending
    )
    assert (
        fails(
            client.import_key_material,
            KeyId=key_id,
            ImportToken=got["ImportToken"],
            EncryptedKeyMaterial=wrap(got["PublicKey"], "RSAES_OAEP_SHA_256", material),
            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
        )
        == pending
    )
    # Deleting the material works while the key is pending deletion; the state stays.
    client.delete_imported_key_material(KeyId=key_id)
    meta = describe(client, key_id)
    assert (meta["KeyState"], "ExpirationModel" in meta) == ("PendingDeletion", False)


def test_delete_on_a_pending_import_key_has_no_effect(client: BaseClient) -> None:
    key_id = external(client)
    assert client.delete_imported_key_material(KeyId=key_id)["KeyId"] == key_arn(key_id)
    meta = describe(client, key_id)
    assert meta["KeyState"] == "PendingImport"
    assert "CurrentKeyMaterialId" not in meta


def test_disabled_key_can_reimport_and_stays_disabled(client: BaseClient) -> None:
    key_id = external(client)
    material = os.urandom(32)
    do_import(client, key_id, material)
    client.disable_key(KeyId=key_id)
    with freeze_time(datetime.now(timezone.utc)):
        valid_to = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=30)
        do_import(
            client, key_id, material, ExpirationModel="KEY_MATERIAL_EXPIRES", ValidTo=valid_to
        )
        meta = describe(client, key_id)
    assert (meta["KeyState"], meta["ValidTo"]) == ("Disabled", valid_to)


@pytest.mark.parametrize(("imported", "state"), [(True, "Disabled"), (False, "PendingImport")])
def test_cancelling_deletion_leaves_a_key_without_material_pending_import(
    client: BaseClient, imported: bool, state: str
) -> None:
    key_id = external(client)
    if imported:
        do_import(client, key_id, os.urandom(32))
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    client.cancel_key_deletion(KeyId=key_id)
    assert describe(client, key_id)["KeyState"] == state

"""Imported key material (BYOK): Origin EXTERNAL and PendingImport, GetParametersForImport,
ImportKeyMaterial, DeleteImportedKeyMaterial, wrapping algorithms, import tokens and expiry."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import boto3
import pytest
from botocore.client import BaseClient
from conftest import REGION, describe, fails, key_arn, new_key, requires_model
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from freezegun import freeze_time
from helpers_import_key_material import (
    do_import,
    external,
    params,
    wrap,
)

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


@requires_model("ImportKeyMaterial.KeyMaterialId", "KeyMetadata.CurrentKeyMaterialId")
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


@requires_model("ImportKeyMaterialResponse.KeyMaterialId")
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
    # SM2 wrapping exists only in AWS's China regions (test_sm2_key_material.py serves it
    # there), worded as CreateKey's recorded refusal of SM2 outside China.
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

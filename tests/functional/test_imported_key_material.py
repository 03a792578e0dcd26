"""Imported key material: what each key spec accepts and how it works once imported, ImportType
NEW_KEY_MATERIAL, and which keys and key states allow the import operations."""

from __future__ import annotations

import hmac
import os
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from conftest import REGION, describe, fails, key_arn, model_has, new_key, requires_model
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from freezegun import freeze_time
from helpers_import_key_material import (
    do_import,
    external,
    params,
    wrap,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmsmock import mock_kms


def pkcs8(private: Any) -> bytes:
    der: bytes = private.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return der


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
    if model_has("ImportKeyMaterialResponse.KeyId"):  # not in botocore 1.35's model
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


@requires_model("ImportKeyMaterial.ImportType")
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


@requires_model("ImportKeyMaterial.ImportType")
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


@requires_model("ImportKeyMaterial.ImportType")
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
    # Recorded from AWS (shared/spec/aws-recorded-errors.md #63).
    assert fails(client.rotate_key_on_demand, KeyId=key_id) == (
        "KMSInvalidStateException",
        f"No available key material pending rotation for the key: {key_arn(key_id)}.",
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
    deleted = client.delete_imported_key_material(KeyId=key_id)
    if model_has("DeleteImportedKeyMaterialResponse.KeyId"):  # not in botocore 1.35's model
        assert deleted["KeyId"] == key_arn(key_id)
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

"""Scenarios that make the mock take or produce the enum values no probe and no coverage
survey meets: key states, connection errors, grant operations, last-usage operations...

Each scenario runs in a mock of its own through recorded clients (drift_survey.Record): a value
counts when a request carrying it is served or an answer carries it. ``tour`` returns the
values the mock refuses exactly as AWS does (checked here, with AWS's answer)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from botocore.exceptions import ClientError, ParamValidationError
from drift_probes_crypto import recipient, wrapped
from drift_probes_grants import cloudhsm, xks
from drift_survey import Clients, Ctx, enum_values
from freezegun import freeze_time

from kmsmock import mock_kms
from kmsmock.backend.key_store_state import CONNECTION_ERRORS

Scenario = Callable[[Ctx], None]
SCENARIOS: list[Scenario] = []


def scenario(func: Scenario) -> Scenario:
    SCENARIOS.append(func)
    return func


def _has(value: str) -> bool:
    return value in set(enum_values())


@scenario
def _wrapping_algorithms(ctx: Ctx) -> None:
    kms = ctx.client()
    key_id = ctx.key(Origin="EXTERNAL")
    for algorithm in ("RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "RSA_AES_KEY_WRAP_SHA_1"):
        kms.get_parameters_for_import(
            KeyId=key_id, WrappingAlgorithm=algorithm, WrappingKeySpec="RSA_2048"
        )
    kms.get_parameters_for_import(
        KeyId=key_id, WrappingAlgorithm="RSA_AES_KEY_WRAP_SHA_256", WrappingKeySpec="RSA_2048"
    )


def _refuses_pkcs1(ctx: Ctx) -> bool:
    # AWS stopped accepting RSAES_PKCS1_V1_5 for wrapping on 2023-10-10.
    try:
        ctx.client().get_parameters_for_import(
            KeyId=ctx.key(Origin="EXTERNAL"),
            WrappingAlgorithm="RSAES_PKCS1_V1_5",
            WrappingKeySpec="RSA_2048",
        )
    except ClientError as error:
        return error.response["Error"] == {
            "Code": "ValidationException",
            "Message": "WrappingAlgorithm RSAES_PKCS1_V1_5 is not supported. Use "
            "RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, RSA_AES_KEY_WRAP_SHA_1 or "
            "RSA_AES_KEY_WRAP_SHA_256.",
        }
    return False


@scenario
def _connection_errors(ctx: Ctx) -> None:
    kms = ctx.client()
    for index, (kind, params) in enumerate(
        [("AWS_CLOUDHSM", cloudhsm), ("EXTERNAL_KEY_STORE", xks)]
    ):
        for number, code in enumerate(sorted(CONNECTION_ERRORS[kind])):
            if not _has(f"ConnectionErrorCodeType.{code}"):
                continue
            store = params(f"store-{index}-{number}")  # type: ignore[operator]
            if kind == "AWS_CLOUDHSM":
                store["CloudHsmClusterId"] = "cluster-" + "abcdefghijklmnopqrst"[number] * 11
            else:
                store["XksProxyUriPath"] = f"/s{number}/kms/xks/v1"
            store_id = kms.create_custom_key_store(**store)["CustomKeyStoreId"]
            ctx.kms.break_custom_key_store(store_id, code)
            kms.connect_custom_key_store(CustomKeyStoreId=store_id)
            kms.describe_custom_key_stores(CustomKeyStoreId=store_id)
            # At most 10 stores per Region: a failed one is disconnected, then deleted.
            kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
            kms.delete_custom_key_store(CustomKeyStoreId=store_id)


@scenario
def _store_states(ctx: Ctx) -> None:
    kms = ctx.client()
    store_id = kms.create_custom_key_store(**cloudhsm())["CustomKeyStoreId"]
    kms.connect_custom_key_store(CustomKeyStoreId=store_id)
    kms.describe_custom_key_stores(CustomKeyStoreId=store_id)
    key_id = ctx.key(CustomKeyStoreId=store_id, Origin="AWS_CLOUDHSM")
    kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    kms.describe_key(KeyId=key_id)  # Unavailable


@scenario
def _asymmetric_encryption(ctx: Ctx) -> None:
    kms = ctx.client()
    key_id = ctx.key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")
    for algorithm in ("RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"):
        blob = kms.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionAlgorithm=algorithm)
        kms.decrypt(
            KeyId=key_id, CiphertextBlob=blob["CiphertextBlob"], EncryptionAlgorithm=algorithm
        )


@scenario
def _sm2_encryption(ctx: Ctx) -> None:
    china = ctx.client("cn-north-1")
    key_id = ctx.key("cn-north-1", KeySpec="SM2", KeyUsage="ENCRYPT_DECRYPT")
    blob = china.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionAlgorithm="SM2PKE")
    china.decrypt(KeyId=key_id, CiphertextBlob=blob["CiphertextBlob"], EncryptionAlgorithm="SM2PKE")


@scenario
def _importing(ctx: Ctx) -> None:
    kms = ctx.client()
    key_id = ctx.key(Origin="EXTERNAL")
    material = bytes(range(32))
    kms.import_key_material(
        KeyId=key_id,
        **wrapped(ctx, key_id, material),
        ExpirationModel="KEY_MATERIAL_EXPIRES",
        ValidTo=datetime.now(timezone.utc) + timedelta(days=1),
    )
    kms.delete_imported_key_material(KeyId=key_id)
    if not _has("ImportType.NEW_KEY_MATERIAL"):  # botocore before 1.38's model
        return
    kms.import_key_material(
        KeyId=key_id,
        **wrapped(ctx, key_id, material),
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
        ImportType="EXISTING_KEY_MATERIAL",
    )
    kms.import_key_material(
        KeyId=key_id,
        **wrapped(ctx, key_id, bytes(range(32, 64))),
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
        ImportType="NEW_KEY_MATERIAL",
    )
    everything = {"KeyId": key_id, "IncludeKeyMaterial": "ALL_KEY_MATERIAL"}
    kms.list_key_rotations(**everything)  # PENDING_ROTATION
    kms.delete_imported_key_material(KeyId=key_id)
    kms.list_key_rotations(**everything)  # PENDING_IMPORT


_GRANTABLE: list[tuple[dict[str, str], list[str]]] = [
    (
        {},
        [
            "Decrypt",
            "Encrypt",
            "GenerateDataKey",
            "GenerateDataKeyWithoutPlaintext",
            "ReEncryptFrom",
            "ReEncryptTo",
            "CreateGrant",
            "RetireGrant",
            "DescribeKey",
            "GenerateDataKeyPair",
            "GenerateDataKeyPairWithoutPlaintext",
        ],
    ),
    ({"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}, ["Sign", "Verify", "GetPublicKey"]),
    ({"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}, ["GenerateMac", "VerifyMac"]),
    ({"KeySpec": "ECC_NIST_P256", "KeyUsage": "KEY_AGREEMENT"}, ["DeriveSharedSecret"]),
    (
        {"KeySpec": "ML_KEM_768", "KeyUsage": "ENCAPSULATE_DECAPSULATE"},
        ["Encapsulate", "Decapsulate"],
    ),
]


@scenario
def _grant_operations(ctx: Ctx) -> None:
    kms = ctx.client()
    for spec, operations in _GRANTABLE:
        known = [op for op in operations if _has(f"GrantOperation.{op}")]
        if not known or (spec and not _has(f"KeySpec.{spec['KeySpec']}")):
            continue
        key_id = ctx.key(**spec)
        kms.create_grant(
            KeyId=key_id, GranteePrincipal="arn:aws:iam::123456789012:role/app", Operations=known
        )
        kms.list_grants(KeyId=key_id)


def _use(ctx: Ctx, operation: str) -> str:
    """Make a key, and call ``operation`` with it; the key's ID."""
    kms = ctx.client()
    symmetric = {
        "Encrypt": lambda k: kms.encrypt(KeyId=k, Plaintext=b"x"),
        "Decrypt": lambda k: kms.decrypt(
            CiphertextBlob=kms.encrypt(KeyId=k, Plaintext=b"x")["CiphertextBlob"]
        ),
        "ReEncrypt": lambda k: kms.re_encrypt(
            CiphertextBlob=kms.encrypt(KeyId=k, Plaintext=b"x")["CiphertextBlob"],
            DestinationKeyId=k,
        ),
        "GenerateDataKey": lambda k: kms.generate_data_key(KeyId=k, KeySpec="AES_256"),
        "GenerateDataKeyWithoutPlaintext": lambda k: kms.generate_data_key_without_plaintext(
            KeyId=k, KeySpec="AES_256"
        ),
        "GenerateDataKeyPair": lambda k: kms.generate_data_key_pair(
            KeyId=k, KeyPairSpec="ECC_NIST_P256"
        ),
        "GenerateDataKeyPairWithoutPlaintext": lambda k: (
            kms.generate_data_key_pair_without_plaintext(KeyId=k, KeyPairSpec="ECC_NIST_P256")
        ),
    }
    if operation in symmetric:
        key_id = ctx.key()
        symmetric[operation](key_id)
        return key_id
    if operation in ("Sign", "Verify"):
        key_id = ctx.key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
        request = {"KeyId": key_id, "Message": b"m", "SigningAlgorithm": "ECDSA_SHA_256"}
        signature = kms.sign(**request)["Signature"]
        if operation == "Verify":
            kms.verify(**request, Signature=signature)
        return key_id
    if operation in ("GenerateMac", "VerifyMac"):
        key_id = ctx.key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
        request = {"KeyId": key_id, "Message": b"m", "MacAlgorithm": "HMAC_SHA_256"}
        mac = kms.generate_mac(**request)["Mac"]
        if operation == "VerifyMac":
            kms.verify_mac(**request, Mac=mac)
        return key_id
    if operation == "DeriveSharedSecret":
        from drift_probes_crypto import PEER_PUBLIC

        key_id = ctx.key(KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT")
        kms.derive_shared_secret(KeyId=key_id, KeyAgreementAlgorithm="ECDH", PublicKey=PEER_PUBLIC)
        return key_id
    key_id = ctx.key(KeySpec="ML_KEM_768", KeyUsage="ENCAPSULATE_DECAPSULATE")
    made = kms.encapsulate(KeyId=key_id, EncapsulationAlgorithm="ML_KEM")
    if operation == "Decapsulate":
        kms.decapsulate(
            KeyId=key_id,
            SharedSecretCiphertextBlob=made["SharedSecretCiphertextBlob"],
            EncapsulationAlgorithm="ML_KEM",
        )
    return key_id


@scenario
def _last_usage(ctx: Ctx) -> None:
    for value in enum_values():
        shape, operation = value.split(".", 1)
        if shape == "KeyLastUsageTrackingOperation":
            ctx.client().get_key_last_usage(KeyId=_use(ctx, operation))


@scenario
def _managed_key(ctx: Ctx) -> None:
    ctx.client().describe_key(KeyId="alias/aws/s3")


@scenario
def _key_states(ctx: Ctx) -> None:
    kms = ctx.client()
    key_id = ctx.key()
    kms.disable_key(KeyId=key_id)
    kms.describe_key(KeyId=key_id)
    primary = ctx.key(MultiRegion=True)
    west = ctx.client("us-west-2")
    replica = kms.replicate_key(KeyId=primary, ReplicaRegion="us-west-2")
    west.schedule_key_deletion(KeyId=replica["ReplicaKeyMetadata"]["Arn"], PendingWindowInDays=7)
    kms.schedule_key_deletion(KeyId=primary, PendingWindowInDays=7)  # PendingReplicaDeletion
    moving = ctx.key(MultiRegion=True)
    kms.replicate_key(KeyId=moving, ReplicaRegion="us-west-2")
    ctx.kms.configure(transition_delay=timedelta(seconds=30))
    kms.update_primary_region(KeyId=moving, PrimaryRegion="us-west-2")
    kms.describe_key(KeyId=moving)  # Updating


@scenario
def _listing(ctx: Ctx) -> None:
    kms = ctx.client()
    key_id = ctx.key()
    kms.rotate_key_on_demand(KeyId=key_id)
    if _has("IncludeKeyMaterial.ROTATIONS_ONLY"):
        kms.list_key_rotations(KeyId=key_id, IncludeKeyMaterial="ROTATIONS_ONLY")
    if _has("ResourceOwnerType.SELF"):
        kms.list_keys(ResourceOwners=["SELF"])


@scenario
def _automatic_rotation(ctx: Ctx) -> None:
    with freeze_time("2030-01-01") as clock:
        kms = ctx.client()
        key_id = ctx.key()
        kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
        clock.tick(timedelta(days=91))
        kms.list_key_rotations(KeyId=key_id)


@scenario
def _external_mu(ctx: Ctx) -> None:
    if not _has("MessageType.EXTERNAL_MU"):
        return
    kms = ctx.client()
    key_id = ctx.key(KeySpec="ML_DSA_44", KeyUsage="SIGN_VERIFY")
    request = {
        "KeyId": key_id,
        "Message": os.urandom(64),
        "MessageType": "EXTERNAL_MU",
        "SigningAlgorithm": "ML_DSA_SHAKE_256",
    }
    kms.verify(**request, Signature=kms.sign(**request)["Signature"])


@scenario
def _dry_run_modifiers(ctx: Ctx) -> None:
    kms = ctx.client()
    key_id = ctx.key()
    kms.generate_random(NumberOfBytes=8, Recipient=recipient())
    if not _has("DryRunModifierType.IGNORE_CIPHERTEXT"):
        return
    try:
        kms.decrypt(
            KeyId=key_id,
            CiphertextBlob=os.urandom(64),
            DryRun=True,
            DryRunModifiers=["IGNORE_CIPHERTEXT"],
        )
    except ClientError as error:
        assert error.response["Error"]["Code"] == "DryRunOperationException", error


@scenario
def _digests(ctx: Ctx) -> None:
    kms = ctx.client()
    key_id = ctx.key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
    request = {
        "KeyId": key_id,
        "Message": hashlib.sha256(b"m").digest(),
        "MessageType": "DIGEST",
        "SigningAlgorithm": "ECDSA_SHA_256",
    }
    kms.verify(**request, Signature=kms.sign(**request)["Signature"])


def tour(clients: Clients) -> tuple[set[str], dict[str, str]]:
    """Run every scenario; the values refused as AWS refuses them, and the scenarios that
    failed (name -> what went wrong)."""
    failed: dict[str, str] = {}
    for run in SCENARIOS:
        with mock_kms() as kms:
            try:
                run(Ctx(kms, clients))
            except (ClientError, ParamValidationError, AssertionError, KeyError) as error:
                failed[run.__name__] = f"{type(error).__name__}: {error}"
    refused = set()
    with mock_kms() as kms:
        if _refuses_pkcs1(Ctx(kms, clients)):
            refused.add("AlgorithmSpec.RSAES_PKCS1_V1_5")
    return refused, failed

"""HMAC keys: CreateKey for HMAC_224/256/384/512, GenerateMac and VerifyMac."""

from __future__ import annotations

import hmac
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from conftest import describe, error_of, fails, key_arn, new_key, requires_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmsmock import KmsMock

SPECS = {
    "HMAC_224": ("HMAC_SHA_224", "sha224", 28),
    "HMAC_256": ("HMAC_SHA_256", "sha256", 32),
    "HMAC_384": ("HMAC_SHA_384", "sha384", 48),
    "HMAC_512": ("HMAC_SHA_512", "sha512", 64),
}
DRY_RUN = (
    "DryRunOperationException",
    "The request would have succeeded, but the DryRun option is set.",
)


def hmac_key(client: BaseClient, spec: str = "HMAC_256") -> str:
    key_id: str = new_key(client, KeySpec=spec, KeyUsage="GENERATE_VERIFY_MAC")["KeyId"]
    return key_id


def mac_of(client: BaseClient, key_id: str, message: bytes, algorithm: str) -> bytes:
    tag: bytes = client.generate_mac(KeyId=key_id, Message=message, MacAlgorithm=algorithm)["Mac"]
    return tag


# -- CreateKey and KeyMetadata ---------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS)
def test_hmac_key_metadata_as_recorded(client: BaseClient, spec: str) -> None:
    created = new_key(client, KeySpec=spec, KeyUsage="GENERATE_VERIFY_MAC")
    assert created == describe(client, created["KeyId"])
    assert created["KeySpec"] == created["CustomerMasterKeySpec"] == spec
    assert created["KeyUsage"] == "GENERATE_VERIFY_MAC"
    assert created["MacAlgorithms"] == [SPECS[spec][0]]
    # Recorded: no EncryptionAlgorithms, no CurrentKeyMaterialId, no SigningAlgorithms.
    for absent in ("EncryptionAlgorithms", "CurrentKeyMaterialId", "SigningAlgorithms"):
        assert absent not in created


def test_legacy_customer_master_key_spec_makes_an_hmac_key(client: BaseClient) -> None:
    meta = new_key(client, CustomerMasterKeySpec="HMAC_384", KeyUsage="GENERATE_VERIFY_MAC")
    assert meta["KeySpec"] == "HMAC_384"


def test_hmac_key_needs_a_key_usage(client: BaseClient) -> None:
    assert fails(client.create_key, KeySpec="HMAC_256") == (
        "ValidationException",
        "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.",
    )


@pytest.mark.parametrize("usage", ["ENCRYPT_DECRYPT", "SIGN_VERIFY", "KEY_AGREEMENT"])
def test_hmac_key_only_generates_and_verifies_macs(client: BaseClient, usage: str) -> None:
    assert fails(client.create_key, KeySpec="HMAC_512", KeyUsage=usage) == (
        "ValidationException",
        f"KeyUsage {usage} is not compatible with KeySpec HMAC_512",
    )
    assert client.list_keys()["Keys"] == []


def test_symmetric_key_cannot_have_mac_usage(client: BaseClient) -> None:
    assert fails(client.create_key, KeyUsage="GENERATE_VERIFY_MAC") == (
        "ValidationException",
        "KeyUsage GENERATE_VERIFY_MAC is not compatible with KeySpec SYMMETRIC_DEFAULT",
    )


# -- GenerateMac / VerifyMac -------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS)
def test_mac_round_trip_for_every_spec(client: BaseClient, spec: str) -> None:
    algorithm = SPECS[spec][0]
    key_id = hmac_key(client, spec)
    generated = client.generate_mac(KeyId=key_id, Message=b"message", MacAlgorithm=algorithm)
    assert generated["KeyId"] == key_arn(key_id)
    assert generated["MacAlgorithm"] == algorithm
    assert len(generated["Mac"]) == SPECS[spec][2]
    verified = client.verify_mac(
        KeyId=key_id, Message=b"message", MacAlgorithm=algorithm, Mac=generated["Mac"]
    )
    assert {k: v for k, v in verified.items() if k != "ResponseMetadata"} == {
        "KeyId": key_arn(key_id),
        "MacValid": True,
        "MacAlgorithm": algorithm,
    }


@pytest.mark.parametrize("spec", SPECS)
def test_mac_is_a_real_hmac_with_a_key_of_the_specs_length(
    client: BaseClient, kms: KmsMock, spec: str
) -> None:
    # The mock's HMAC key is derived, not stored: recompute it as the mock does.
    from kmsmock.crypto.hmac_keys import key_bytes

    algorithm, hash_name, _ = SPECS[spec]
    key_id = hmac_key(client, spec)
    secret = key_bytes(kms.world.secret, key_id, spec)
    assert len(secret) == int(spec[5:]) // 8
    expected = hmac.digest(secret, b"data", hash_name)
    assert mac_of(client, key_id, b"data", algorithm) == expected


def test_mac_is_deterministic_and_differs_per_key_and_message(client: BaseClient) -> None:
    first, second = hmac_key(client), hmac_key(client)
    tag = mac_of(client, first, b"m", "HMAC_SHA_256")
    assert mac_of(client, first, b"m", "HMAC_SHA_256") == tag
    assert mac_of(client, second, b"m", "HMAC_SHA_256") != tag
    assert mac_of(client, first, b"n", "HMAC_SHA_256") != tag


def test_mac_by_alias(client: BaseClient) -> None:
    key_id = hmac_key(client)
    client.create_alias(AliasName="alias/mac", TargetKeyId=key_id)
    tag = mac_of(client, "alias/mac", b"m", "HMAC_SHA_256")
    assert tag == mac_of(client, key_arn(key_id), b"m", "HMAC_SHA_256")
    client.verify_mac(KeyId="alias/mac", Message=b"m", MacAlgorithm="HMAC_SHA_256", Mac=tag)


@pytest.mark.parametrize(
    ("spec", "algorithm"),
    [("HMAC_224", "HMAC_SHA_256"), ("HMAC_256", "HMAC_SHA_512"), ("HMAC_512", "HMAC_SHA_224")],
)
@pytest.mark.parametrize("operation", ["generate_mac", "verify_mac"])
def test_algorithm_must_match_the_key_spec(
    client: BaseClient, spec: str, algorithm: str, operation: str
) -> None:
    key_id = hmac_key(client, spec)
    params: dict[str, Any] = {"KeyId": key_id, "Message": b"m", "MacAlgorithm": algorithm}
    if operation == "verify_mac":
        params["Mac"] = mac_of(client, key_id, b"m", SPECS[spec][0])
    assert fails(getattr(client, operation), **params) == (
        "InvalidKeyUsageException",
        f"Algorithm {algorithm} is incompatible with key spec {spec}.",
    )


@pytest.mark.parametrize("operation", ["generate_mac", "verify_mac"])
def test_unknown_algorithm_is_a_validation_error(raw_client: BaseClient, operation: str) -> None:
    key_id = hmac_key(raw_client)
    params: dict[str, Any] = {"KeyId": key_id, "Message": b"m", "MacAlgorithm": "INVALID"}
    if operation == "verify_mac":
        params["Mac"] = b"x"
    assert fails(getattr(raw_client, operation), **params) == (
        "ValidationException",
        "1 validation error detected: Value 'INVALID' at 'macAlgorithm' failed to satisfy "
        "constraint: Member must satisfy enum value set: [HMAC_SHA_384, HMAC_SHA_256, "
        "HMAC_SHA_224, HMAC_SHA_512]",
    )


@pytest.mark.parametrize(
    "change",
    [
        {"Message": b"some different important message"},
        {"Mac": b"\0" * 32},
        {"Mac": b"short"},
    ],
    ids=["other-message", "other-mac", "truncated-mac"],
)
def test_wrong_mac_is_an_exception_not_false(client: BaseClient, change: dict[str, bytes]) -> None:
    key_id = hmac_key(client)
    tag = mac_of(client, key_id, b"some important message", "HMAC_SHA_256")
    params: dict[str, Any] = {
        "KeyId": key_id,
        "Message": b"some important message",
        "MacAlgorithm": "HMAC_SHA_256",
        "Mac": tag,
    }
    params.update(change)
    assert fails(client.verify_mac, **params) == ("KMSInvalidMacException", "")


def test_mac_of_another_key_does_not_verify(client: BaseClient) -> None:
    first, second = hmac_key(client), hmac_key(client)
    tag = mac_of(client, first, b"m", "HMAC_SHA_256")
    assert fails(
        client.verify_mac, KeyId=second, Message=b"m", MacAlgorithm="HMAC_SHA_256", Mac=tag
    ) == ("KMSInvalidMacException", "")


@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(message=st.binary(min_size=1, max_size=4096), flip=st.integers(min_value=0))
def test_any_message_verifies_and_any_changed_mac_byte_does_not(
    client: BaseClient, message: bytes, flip: int
) -> None:
    key_id = hmac_key(client, "HMAC_384")
    tag = mac_of(client, key_id, message, "HMAC_SHA_384")
    client.verify_mac(KeyId=key_id, Message=message, MacAlgorithm="HMAC_SHA_384", Mac=tag)
    index = flip % len(tag)
    bad = tag[:index] + bytes([tag[index] ^ 1]) + tag[index + 1 :]
    assert fails(
        client.verify_mac, KeyId=key_id, Message=message, MacAlgorithm="HMAC_SHA_384", Mac=bad
    ) == ("KMSInvalidMacException", "")


def test_message_over_4096_bytes_is_refused(raw_client: BaseClient) -> None:
    key_id = hmac_key(raw_client)
    code, message = fails(
        raw_client.generate_mac, KeyId=key_id, Message=b"x" * 4097, MacAlgorithm="HMAC_SHA_256"
    )
    assert code == "ValidationException"
    assert message.endswith(
        "at 'message' failed to satisfy constraint: Member must have "
        "length less than or equal to 4096"
    )


@pytest.mark.parametrize("operation", ["generate_mac", "verify_mac"])
def test_symmetric_key_cannot_make_macs(client: BaseClient, operation: str) -> None:
    key_id = new_key(client)["KeyId"]
    params: dict[str, Any] = {"KeyId": key_id, "Message": b"m", "MacAlgorithm": "HMAC_SHA_256"}
    if operation == "verify_mac":
        params["Mac"] = b"x" * 32
    name = "GenerateMac" if operation == "generate_mac" else "VerifyMac"
    assert fails(getattr(client, operation), **params) == (
        "InvalidKeyUsageException",
        f"{key_arn(key_id)} key usage is ENCRYPT_DECRYPT which is not valid for {name}.",
    )


@pytest.mark.parametrize("operation", ["generate_mac", "verify_mac"])
def test_unknown_key(client: BaseClient, operation: str) -> None:
    params: dict[str, Any] = {"KeyId": "key_id", "Message": b"m", "MacAlgorithm": "HMAC_SHA_256"}
    if operation == "verify_mac":
        params["Mac"] = b"x" * 32
    assert fails(getattr(client, operation), **params) == (
        "NotFoundException",
        "Invalid keyId 'key_id'",
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda c, k: c.encrypt(KeyId=k, Plaintext=b"x"),
        lambda c, k: c.generate_data_key(KeyId=k, KeySpec="AES_256"),
        lambda c, k: c.sign(KeyId=k, Message=b"m", SigningAlgorithm="RSASSA_PSS_SHA_256"),
    ],
    ids=["Encrypt", "GenerateDataKey", "Sign"],
)
def test_hmac_key_cannot_encrypt_or_sign(client: BaseClient, call: Any, request: Any) -> None:
    key_id = hmac_key(client, "HMAC_224")
    with pytest.raises(ClientError) as excinfo:
        call(client, key_id)
    assert error_of(excinfo) == (
        "InvalidKeyUsageException",
        f"{key_arn(key_id)} key usage is GENERATE_VERIFY_MAC which is not valid for "
        f"{request.node.callspec.id}.",
    )


def test_decrypt_naming_an_hmac_key_is_incorrect_key(client: BaseClient) -> None:
    blob = client.encrypt(KeyId=new_key(client)["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    assert fails(client.decrypt, KeyId=hmac_key(client), CiphertextBlob=blob) == (
        "IncorrectKeyException",
        "The key ID in the request does not identify a CMK that can perform this operation.",
    )


def test_get_public_key_of_an_hmac_key_is_unsupported(client: BaseClient) -> None:
    key_id = hmac_key(client)
    assert fails(client.get_public_key, KeyId=key_id) == (
        "UnsupportedOperationException",
        f"{key_arn(key_id)} key spec HMAC_256 is not valid for this operation.",
    )


# -- key state, DryRun, last usage ------------------------------------------------------------


@pytest.mark.parametrize("operation", ["generate_mac", "verify_mac"])
def test_disabled_and_pending_deletion_keys_refuse(client: BaseClient, operation: str) -> None:
    key_id = hmac_key(client)
    params: dict[str, Any] = {"KeyId": key_id, "Message": b"m", "MacAlgorithm": "HMAC_SHA_256"}
    if operation == "verify_mac":
        params["Mac"] = mac_of(client, key_id, b"m", "HMAC_SHA_256")
    client.disable_key(KeyId=key_id)
    assert fails(getattr(client, operation), **params) == (
        "DisabledException",
        f"{key_arn(key_id)} is disabled.",
    )
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert fails(getattr(client, operation), **params) == (
        "KMSInvalidStateException",
        f"{key_arn(key_id)} is pending deletion.",
    )


def test_dry_run_checks_everything_first(client: BaseClient) -> None:
    key_id = hmac_key(client)
    params: dict[str, Any] = {"KeyId": key_id, "Message": b"m", "MacAlgorithm": "HMAC_SHA_256"}
    assert fails(client.generate_mac, DryRun=True, **params) == DRY_RUN
    assert fails(
        client.generate_mac, DryRun=True, **{**params, "MacAlgorithm": "HMAC_SHA_224"}
    ) == (
        "InvalidKeyUsageException",
        "Algorithm HMAC_SHA_224 is incompatible with key spec HMAC_256.",
    )
    tag = mac_of(client, key_id, b"m", "HMAC_SHA_256")
    assert fails(client.verify_mac, DryRun=True, Mac=tag, **params) == DRY_RUN


@requires_model("GetKeyLastUsage")
def test_dry_run_is_not_a_use(client: BaseClient) -> None:
    key_id = hmac_key(client)
    fails(client.generate_mac, KeyId=key_id, Message=b"m", MacAlgorithm="HMAC_SHA_256", DryRun=True)
    assert "Operation" not in client.get_key_last_usage(KeyId=key_id).get("KeyLastUsage", {})
    tag = mac_of(client, key_id, b"m", "HMAC_SHA_256")
    fails(
        client.verify_mac,
        KeyId=key_id,
        Message=b"m",
        MacAlgorithm="HMAC_SHA_256",
        Mac=tag,
        DryRun=True,
    )
    assert client.get_key_last_usage(KeyId=key_id)["KeyLastUsage"]["Operation"] == "GenerateMac"


@requires_model("GetKeyLastUsage")
def test_verify_mac_is_a_use(client: BaseClient) -> None:
    key_id = hmac_key(client)
    tag = mac_of(client, key_id, b"m", "HMAC_SHA_256")
    client.verify_mac(KeyId=key_id, Message=b"m", MacAlgorithm="HMAC_SHA_256", Mac=tag)
    assert client.get_key_last_usage(KeyId=key_id)["KeyLastUsage"]["Operation"] == "VerifyMac"


@pytest.mark.parametrize(
    "method",
    [
        "enable_key_rotation",
        "disable_key_rotation",
        "rotate_key_on_demand",
        "get_key_rotation_status",
        "list_key_rotations",
    ],
)
def test_hmac_keys_do_not_rotate(client: BaseClient, method: str) -> None:
    key_id = hmac_key(client)
    assert fails(getattr(client, method), KeyId=key_id) == ("UnsupportedOperationException", "")

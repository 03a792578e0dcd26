"""Symmetric cryptographic operations through boto3: each one on a disabled or pending-deletion
key, GenerateDataKey(WithoutPlaintext), and DryRun."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.client import BaseClient
from conftest import fails, modelled, requires_model
from helpers_crypto import (
    INCORRECT_KEY,
    INVALID_CIPHERTEXT,
    body,
    decrypt_error,
    fixture_settings,
    key_fixture,  # noqa: F401
    other_key_fixture,  # noqa: F401
)
from hypothesis import given
from hypothesis import strategies as st

DRY_RUN = (
    "DryRunOperationException",
    "The request would have succeeded, but the DryRun option is set.",
)

# AWS's exact text for GenerateDataKey with neither or both of KeySpec and NumberOfBytes was
# never recorded; every emulator uses this one.
NEITHER_OR_BOTH = ("ValidationException", "Please specify either number of bytes or key spec.")


# -- Key state ------------------------------------------------------------------------------


def _key_calls(key_id: str, blob: bytes, destination: str) -> dict[str, tuple[str, Any]]:
    """Each operation that uses a key: the client method and its parameters."""
    return {
        "Encrypt": ("encrypt", {"KeyId": key_id, "Plaintext": b"x"}),
        "Decrypt": ("decrypt", {"CiphertextBlob": blob}),
        "ReEncrypt": ("re_encrypt", {"CiphertextBlob": blob, "DestinationKeyId": destination}),
        "GenerateDataKey": ("generate_data_key", {"KeyId": key_id, "KeySpec": "AES_256"}),
        "GenerateDataKeyWithoutPlaintext": (
            "generate_data_key_without_plaintext",
            {"KeyId": key_id, "NumberOfBytes": 8},
        ),
    }


KEY_OPERATIONS = list(_key_calls("", b"", ""))


@pytest.mark.parametrize("operation", KEY_OPERATIONS)
def test_disabled_key(
    client: BaseClient, key: dict[str, Any], other_key: dict[str, Any], operation: str
) -> None:
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    client.disable_key(KeyId=key["KeyId"])
    method, params = _key_calls("alias/crypto-test", blob, other_key["KeyId"])[operation]
    assert fails(getattr(client, method), **params) == (
        "DisabledException",
        f"{key['Arn']} is disabled.",
    )


@pytest.mark.parametrize("operation", KEY_OPERATIONS)
def test_key_pending_deletion(
    client: BaseClient, key: dict[str, Any], other_key: dict[str, Any], operation: str
) -> None:
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    client.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    method, params = _key_calls(key["Arn"], blob, other_key["KeyId"])[operation]
    assert fails(getattr(client, method), **params) == (
        "KMSInvalidStateException",
        f"{key['Arn']} is pending deletion.",
    )


def test_re_encrypt_to_a_disabled_or_deleted_key(
    client: BaseClient, key: dict[str, Any], other_key: dict[str, Any]
) -> None:
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    params = {"CiphertextBlob": blob, "DestinationKeyId": other_key["KeyId"]}
    client.disable_key(KeyId=other_key["KeyId"])
    assert fails(client.re_encrypt, **params) == (
        "DisabledException",
        f"{other_key['Arn']} is disabled.",
    )
    client.schedule_key_deletion(KeyId=other_key["KeyId"], PendingWindowInDays=7)
    assert fails(client.re_encrypt, **params) == (
        "KMSInvalidStateException",
        f"{other_key['Arn']} is pending deletion.",
    )


def test_re_enabled_key_decrypts_again(client: BaseClient, key: dict[str, Any]) -> None:
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    client.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    client.cancel_key_deletion(KeyId=key["KeyId"])
    client.enable_key(KeyId=key["KeyId"])
    assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"


# -- GenerateDataKey ------------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "size"), [("AES_256", 32), ("AES_128", 16)])
def test_generate_data_key_by_spec(
    client: BaseClient, key: dict[str, Any], spec: str, size: int
) -> None:
    response = client.generate_data_key(
        KeyId="alias/crypto-test", KeySpec=spec, EncryptionContext={"use": "data"}
    )
    assert body(response) == modelled(
        "GenerateDataKey",
        {
            "CiphertextBlob": response["CiphertextBlob"],
            "Plaintext": response["Plaintext"],
            "KeyId": key["Arn"],
            "KeyMaterialId": key.get("CurrentKeyMaterialId"),
        },
    )
    assert len(response["Plaintext"]) == size
    decrypted = client.decrypt(
        CiphertextBlob=response["CiphertextBlob"], EncryptionContext={"use": "data"}
    )
    assert decrypted["Plaintext"] == response["Plaintext"]
    assert decrypt_error(client, response["CiphertextBlob"]) == INVALID_CIPHERTEXT


@fixture_settings
@given(size=st.integers(1, 1024))
def test_generate_data_key_by_size(client: BaseClient, key: dict[str, Any], size: int) -> None:
    response = client.generate_data_key(KeyId=key["KeyId"], NumberOfBytes=size)
    assert len(response["Plaintext"]) == size
    decrypted = client.decrypt(CiphertextBlob=response["CiphertextBlob"])
    assert decrypted["Plaintext"] == response["Plaintext"]


@pytest.mark.parametrize("operation", ["generate_data_key", "generate_data_key_without_plaintext"])
@pytest.mark.parametrize(
    "sizing", [{}, {"KeySpec": "AES_256", "NumberOfBytes": 32}], ids=["neither", "both"]
)
def test_data_key_needs_exactly_one_of_spec_and_size(
    client: BaseClient, key: dict[str, Any], operation: str, sizing: dict[str, Any]
) -> None:
    # AWS's exact text for this was never recorded; every emulator uses this one.
    assert fails(getattr(client, operation), KeyId=key["KeyId"], **sizing) == NEITHER_OR_BOTH


def test_generate_data_key_without_plaintext(client: BaseClient, key: dict[str, Any]) -> None:
    response = client.generate_data_key_without_plaintext(
        KeyId=key["Arn"], KeySpec="AES_128", EncryptionContext={"k": "v"}
    )
    assert body(response) == modelled(
        "GenerateDataKeyWithoutPlaintext",
        {
            "CiphertextBlob": response["CiphertextBlob"],
            "KeyId": key["Arn"],
            "KeyMaterialId": key.get("CurrentKeyMaterialId"),
        },
    )
    decrypted = client.decrypt(
        CiphertextBlob=response["CiphertextBlob"], EncryptionContext={"k": "v"}
    )
    assert len(decrypted["Plaintext"]) == 16


def test_data_keys_differ(client: BaseClient, key: dict[str, Any]) -> None:
    keys = {
        client.generate_data_key(KeyId=key["KeyId"], KeySpec="AES_256")["Plaintext"]
        for _ in range(5)
    }
    assert len(keys) == 5


# -- DryRun ---------------------------------------------------------------------------------


@pytest.mark.parametrize("operation", KEY_OPERATIONS)
def test_dry_run_that_would_succeed(
    client: BaseClient, key: dict[str, Any], other_key: dict[str, Any], operation: str
) -> None:
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    method, params = _key_calls(key["KeyId"], blob, other_key["KeyId"])[operation]
    assert fails(getattr(client, method), **params, DryRun=True) == DRY_RUN


@pytest.mark.parametrize("operation", KEY_OPERATIONS)
def test_dry_run_on_a_disabled_key_reports_the_real_error(
    client: BaseClient, key: dict[str, Any], other_key: dict[str, Any], operation: str
) -> None:
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    client.disable_key(KeyId=key["KeyId"])
    method, params = _key_calls(key["KeyId"], blob, other_key["KeyId"])[operation]
    assert fails(getattr(client, method), **params, DryRun=True) == (
        "DisabledException",
        f"{key['Arn']} is disabled.",
    )


def test_dry_run_reports_the_real_error(
    client: BaseClient, key: dict[str, Any], other_key: dict[str, Any]
) -> None:
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"x", EncryptionContext={"a": "b"})[
        "CiphertextBlob"
    ]
    assert decrypt_error(client, blob, DryRun=True) == INVALID_CIPHERTEXT
    params = {"EncryptionContext": {"a": "b"}, "KeyId": other_key["KeyId"], "DryRun": True}
    assert decrypt_error(client, blob, **params) == INCORRECT_KEY
    assert (
        fails(
            client.re_encrypt,
            CiphertextBlob=blob,
            SourceEncryptionContext={"a": "b"},
            DestinationKeyId="alias/none",
            DryRun=True,
        )[0]
        == "NotFoundException"
    )
    assert fails(client.generate_data_key, KeyId=key["KeyId"], DryRun=True) == NEITHER_OR_BOTH


IGNORE_CIPHERTEXT = {"DryRun": True, "DryRunModifiers": ["IGNORE_CIPHERTEXT"]}


@requires_model("Decrypt.DryRunModifiers", "ReEncrypt.DryRunModifiers")
def test_dry_run_ignoring_the_ciphertext(
    client: BaseClient, key: dict[str, Any], other_key: dict[str, Any]
) -> None:
    # Only the key named is checked; a junk blob, or none, does not matter.
    for blob in ({}, {"CiphertextBlob": b"junk"}):
        assert fails(client.decrypt, KeyId="alias/crypto-test", **blob, **IGNORE_CIPHERTEXT) == (
            DRY_RUN
        )
        params = {"SourceKeyId": key["Arn"], "DestinationKeyId": other_key["KeyId"], **blob}
        assert fails(client.re_encrypt, **params, **IGNORE_CIPHERTEXT) == DRY_RUN


@requires_model("Decrypt.DryRunModifiers", "ReEncrypt.DryRunModifiers")
def test_dry_run_ignoring_the_ciphertext_needs_the_key(
    client: BaseClient, key: dict[str, Any], other_key: dict[str, Any]
) -> None:
    # AWS's text for this was never recorded; it is worded as the model's required check.
    null = "failed to satisfy constraint: Member must not be null"
    assert fails(client.decrypt, **IGNORE_CIPHERTEXT) == (
        "ValidationException",
        f"1 validation error detected: Value null at 'keyId' {null}",
    )
    assert fails(client.re_encrypt, DestinationKeyId=key["KeyId"], **IGNORE_CIPHERTEXT) == (
        "ValidationException",
        f"1 validation error detected: Value null at 'sourceKeyId' {null}",
    )
    client.disable_key(KeyId=other_key["KeyId"])
    disabled = ("DisabledException", f"{other_key['Arn']} is disabled.")
    assert fails(client.decrypt, KeyId=other_key["KeyId"], **IGNORE_CIPHERTEXT) == disabled
    params = {"SourceKeyId": key["KeyId"], "DestinationKeyId": other_key["KeyId"]}
    assert fails(client.re_encrypt, **params, **IGNORE_CIPHERTEXT) == disabled


def test_dry_run_false_runs(client: BaseClient, key: dict[str, Any]) -> None:
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"x", DryRun=False)["CiphertextBlob"]
    assert client.decrypt(CiphertextBlob=blob, DryRun=False)["Plaintext"] == b"x"

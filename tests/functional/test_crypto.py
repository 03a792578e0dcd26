"""Symmetric cryptographic operations through boto3: Encrypt, Decrypt, ReEncrypt,
GenerateDataKey(WithoutPlaintext), DryRun, and concurrent use. (GenerateRandom, and the limits
botocore would check before sending, are in test_validation.py.)"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from conftest import ACCOUNT, REGION, fails
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmsmock import mock_kms

INCORRECT_KEY = (
    "IncorrectKeyException",
    "The key ID in the request does not identify a CMK that can perform this operation.",
)
INVALID_CIPHERTEXT = ("InvalidCiphertextException", "")  # AWS sends no message
DRY_RUN = (
    "DryRunOperationException",
    "The request would have succeeded, but the DryRun option is set.",
)
HEADER = b"\x01\x02\x02\x00\x78"
# AWS's exact text for GenerateDataKey with neither or both of KeySpec and NumberOfBytes was
# never recorded; every emulator uses this one.
NEITHER_OR_BOTH = ("ValidationException", "Please specify either number of bytes or key spec.")

# Hypothesis reuses the test's one mock and key across examples; nothing in these tests
# depends on state an earlier example left behind.
fixture_settings = settings(
    max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
contexts = st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=8), max_size=4)


def foreign_blob_denied(action: str) -> str:
    return (
        f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: kms:{action} on the "
        "resource associated with this ciphertext because the resource does not exist in this "
        "Region, no resource-based policies allow access, or a resource-based policy explicitly "
        "denies access"
    )


def decrypt_error(client: BaseClient, blob: bytes, **params: Any) -> tuple[str, str]:
    return fails(client.decrypt, CiphertextBlob=blob, **params)


def body(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


@pytest.fixture
def key(client: BaseClient) -> dict[str, Any]:
    """A new symmetric key with the alias ``alias/crypto-test``."""
    metadata: dict[str, Any] = client.create_key()["KeyMetadata"]
    client.create_alias(AliasName="alias/crypto-test", TargetKeyId=metadata["KeyId"])
    return metadata


@pytest.fixture
def other_key(client: BaseClient) -> dict[str, Any]:
    metadata: dict[str, Any] = client.create_key()["KeyMetadata"]
    return metadata


def forms(key: dict[str, Any]) -> dict[str, str]:
    """Every way a cryptographic operation can name ``key``."""
    return {
        "id": key["KeyId"],
        "arn": key["Arn"],
        "alias": "alias/crypto-test",
        "alias-arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/crypto-test",
    }


FORMS = ["id", "arn", "alias", "alias-arn"]


# -- Encrypt / Decrypt ----------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS)
def test_round_trip_by_every_identifier(client: BaseClient, key: dict[str, Any], form: str) -> None:
    encrypted = client.encrypt(KeyId=forms(key)[form], Plaintext=b"secret")
    assert set(body(encrypted)) == {"CiphertextBlob", "KeyId", "EncryptionAlgorithm"}
    assert encrypted["KeyId"] == key["Arn"]
    assert encrypted["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"

    decrypted = client.decrypt(CiphertextBlob=encrypted["CiphertextBlob"])
    assert body(decrypted) == {
        "KeyId": key["Arn"],
        "Plaintext": b"secret",
        "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
        "KeyMaterialId": key["CurrentKeyMaterialId"],
    }


@pytest.mark.parametrize("form", FORMS)
def test_decrypt_with_the_right_key_in_any_form(
    client: BaseClient, key: dict[str, Any], form: str
) -> None:
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    decrypted = client.decrypt(
        CiphertextBlob=blob, KeyId=forms(key)[form], EncryptionAlgorithm="SYMMETRIC_DEFAULT"
    )
    assert decrypted["Plaintext"] == b"x"
    assert decrypted["KeyId"] == key["Arn"]


def test_decrypt_with_another_key(
    client: BaseClient, key: dict[str, Any], other_key: dict[str, Any]
) -> None:
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    for named in (other_key["KeyId"], other_key["Arn"]):
        assert decrypt_error(client, blob, KeyId=named) == INCORRECT_KEY


def test_decrypt_with_an_unknown_key(client: BaseClient, key: dict[str, Any]) -> None:
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    missing = "1234abcd-12ab-34cd-56ef-1234567890ab"
    assert decrypt_error(client, blob, KeyId=missing) == (
        "NotFoundException",
        f"Key 'arn:aws:kms:{REGION}:{ACCOUNT}:key/{missing}' does not exist",
    )
    assert decrypt_error(client, blob, KeyId="alias/none") == (
        "NotFoundException",
        f"Alias arn:aws:kms:{REGION}:{ACCOUNT}:alias/none is not found.",
    )


def test_encrypt_with_an_unknown_key(client: BaseClient) -> None:
    assert fails(client.encrypt, KeyId="not-a-key", Plaintext=b"x") == (
        "NotFoundException",
        "Invalid keyId 'not-a-key'",
    )


def test_same_plaintext_encrypts_differently(client: BaseClient, key: dict[str, Any]) -> None:
    first = client.encrypt(KeyId=key["KeyId"], Plaintext=b"same")["CiphertextBlob"]
    second = client.encrypt(KeyId=key["KeyId"], Plaintext=b"same")["CiphertextBlob"]
    assert first != second
    assert client.decrypt(CiphertextBlob=first)["Plaintext"] == b"same"
    assert client.decrypt(CiphertextBlob=second)["Plaintext"] == b"same"


def test_blob_header_and_no_key_id_inside(client: BaseClient, key: dict[str, Any]) -> None:
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    assert blob.startswith(HEADER)
    assert key["KeyId"].encode() not in blob
    assert bytes.fromhex(key["KeyId"].replace("-", "")) not in blob


def test_largest_plaintext(client: BaseClient, key: dict[str, Any]) -> None:
    plaintext = bytes(range(256)) * 16
    assert len(plaintext) == 4096
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=plaintext)["CiphertextBlob"]
    assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == plaintext


@pytest.mark.parametrize("operation", ["encrypt", "decrypt"])
def test_asymmetric_algorithm_with_a_symmetric_key(
    client: BaseClient, key: dict[str, Any], operation: str
) -> None:
    # AWS's text for this case was never recorded; it is worded like the recorded
    # "Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_224." of GenerateMac.
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    params: dict[str, Any] = {"EncryptionAlgorithm": "RSAES_OAEP_SHA_256"}
    if operation == "encrypt":
        params.update(KeyId=key["KeyId"], Plaintext=b"x")
    else:
        params.update(CiphertextBlob=blob)
    assert fails(getattr(client, operation), **params) == (
        "InvalidKeyUsageException",
        "Algorithm RSAES_OAEP_SHA_256 is incompatible with key spec SYMMETRIC_DEFAULT.",
    )


# -- Encryption context ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "given_context",
    [{"purpose": "other"}, {}, {"purpose": "test", "extra": "pair"}, {"Purpose": "test"}],
    ids=["wrong-value", "missing", "extra-pair", "key-case"],
)
def test_context_must_match(
    client: BaseClient, key: dict[str, Any], given_context: dict[str, str]
) -> None:
    blob = client.encrypt(
        KeyId=key["KeyId"], Plaintext=b"x", EncryptionContext={"purpose": "test"}
    )["CiphertextBlob"]
    assert decrypt_error(client, blob, EncryptionContext=given_context) == INVALID_CIPHERTEXT


def test_context_given_only_on_decrypt(client: BaseClient, key: dict[str, Any]) -> None:
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    assert decrypt_error(client, blob, EncryptionContext={"a": "b"}) == INVALID_CIPHERTEXT
    # An empty context is no context.
    assert client.decrypt(CiphertextBlob=blob, EncryptionContext={})["Plaintext"] == b"x"


def test_context_pairs_do_not_run_together(client: BaseClient, key: dict[str, Any]) -> None:
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"x", EncryptionContext={"ab": "c"})[
        "CiphertextBlob"
    ]
    assert decrypt_error(client, blob, EncryptionContext={"a": "bc"}) == INVALID_CIPHERTEXT


def test_context_with_a_lone_surrogate(client: BaseClient, key: dict[str, Any]) -> None:
    # JSON carries it (botocore escapes it as \ud800); it must not crash the mock.
    context = {"a": "\ud800"}
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"x", EncryptionContext=context)[
        "CiphertextBlob"
    ]
    assert client.decrypt(CiphertextBlob=blob, EncryptionContext=context)["Plaintext"] == b"x"
    assert decrypt_error(client, blob, EncryptionContext={"a": "\ud801"}) == INVALID_CIPHERTEXT


@fixture_settings
@given(context=contexts, data=st.data())
def test_any_context_round_trips_in_any_order(
    client: BaseClient, key: dict[str, Any], context: dict[str, str], data: st.DataObject
) -> None:
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"x", EncryptionContext=context)[
        "CiphertextBlob"
    ]
    shuffled = dict(data.draw(st.permutations(list(context.items())), label="order"))
    assert client.decrypt(CiphertextBlob=blob, EncryptionContext=shuffled)["Plaintext"] == b"x"


@fixture_settings
@given(context=contexts, other=contexts)
def test_a_different_context_fails(
    client: BaseClient, key: dict[str, Any], context: dict[str, str], other: dict[str, str]
) -> None:
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"x", EncryptionContext=context)[
        "CiphertextBlob"
    ]
    if other == context:
        assert client.decrypt(CiphertextBlob=blob, EncryptionContext=other)["Plaintext"] == b"x"
    else:
        assert decrypt_error(client, blob, EncryptionContext=other) == INVALID_CIPHERTEXT


# -- Tampering and foreign blobs ------------------------------------------------------------


@fixture_settings
@given(data=st.data())
def test_any_changed_byte_is_invalid(
    client: BaseClient, key: dict[str, Any], data: st.DataObject
) -> None:
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"tamper me")["CiphertextBlob"]
    position = data.draw(st.integers(0, len(blob) - 1), label="position")
    tampered = bytearray(blob)
    tampered[position] ^= data.draw(st.integers(1, 255), label="xor")
    assert decrypt_error(client, bytes(tampered)) == INVALID_CIPHERTEXT


def test_every_truncation_is_invalid(client: BaseClient, key: dict[str, Any]) -> None:
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"abc")["CiphertextBlob"]
    for length in range(1, len(blob)):
        assert decrypt_error(client, blob[:length]) == INVALID_CIPHERTEXT, length


def test_appended_bytes_are_invalid(client: BaseClient, key: dict[str, Any]) -> None:
    # Recorded from AWS: a valid blob with b"bad_data" appended (aws-recorded-errors.md #30).
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"abc")["CiphertextBlob"]
    assert decrypt_error(client, blob + b"bad_data") == INVALID_CIPHERTEXT


@pytest.mark.parametrize("blob", [b"\x00", HEADER, b"junk" * 30], ids=["byte", "header", "junk"])
def test_junk_is_invalid(client: BaseClient, key: dict[str, Any], blob: bytes) -> None:
    assert decrypt_error(client, blob) == INVALID_CIPHERTEXT
    assert decrypt_error(client, blob, KeyId=key["KeyId"]) == INVALID_CIPHERTEXT


def test_blob_from_another_mock_instance() -> None:
    with mock_kms():
        first = boto3.client("kms", region_name=REGION)
        key_id = first.create_key()["KeyMetadata"]["KeyId"]
        blob = first.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    with mock_kms():
        second = boto3.client("kms", region_name=REGION)
        assert fails(second.decrypt, CiphertextBlob=blob) == (
            "AccessDeniedException",
            foreign_blob_denied("Decrypt"),
        )
        other = second.create_key()["KeyMetadata"]["KeyId"]
        assert fails(second.re_encrypt, CiphertextBlob=blob, DestinationKeyId=other) == (
            "AccessDeniedException",
            foreign_blob_denied("ReEncryptFrom"),
        )


def test_blob_from_another_region(client: BaseClient, key: dict[str, Any]) -> None:
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    west = boto3.client("kms", region_name="us-west-2")
    assert fails(west.decrypt, CiphertextBlob=blob) == (
        "AccessDeniedException",
        foreign_blob_denied("Decrypt"),
    )
    # The key is still there, in its own region.
    assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"


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


# -- ReEncrypt ------------------------------------------------------------------------------


def test_re_encrypt_to_another_key(
    client: BaseClient, key: dict[str, Any], other_key: dict[str, Any]
) -> None:
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"move me", EncryptionContext={"s": "1"})[
        "CiphertextBlob"
    ]
    response = client.re_encrypt(
        CiphertextBlob=blob,
        SourceEncryptionContext={"s": "1"},
        SourceKeyId="alias/crypto-test",
        DestinationKeyId=other_key["KeyId"],
        DestinationEncryptionContext={"d": "2"},
    )
    new_blob = response["CiphertextBlob"]
    assert body(response) == {
        "CiphertextBlob": new_blob,
        "SourceKeyId": key["Arn"],
        "KeyId": other_key["Arn"],
        "SourceEncryptionAlgorithm": "SYMMETRIC_DEFAULT",
        "DestinationEncryptionAlgorithm": "SYMMETRIC_DEFAULT",
        "SourceKeyMaterialId": key["CurrentKeyMaterialId"],
        "DestinationKeyMaterialId": other_key["CurrentKeyMaterialId"],
    }
    decrypted = client.decrypt(CiphertextBlob=new_blob, EncryptionContext={"d": "2"})
    assert (decrypted["Plaintext"], decrypted["KeyId"]) == (b"move me", other_key["Arn"])
    # Only under the destination key and context.
    context = {"d": "2"}
    assert decrypt_error(client, new_blob, KeyId=key["KeyId"], EncryptionContext=context) == (
        INCORRECT_KEY
    )
    assert decrypt_error(client, new_blob, EncryptionContext={"s": "1"}) == INVALID_CIPHERTEXT
    # The source blob is untouched.
    assert client.decrypt(CiphertextBlob=blob, EncryptionContext={"s": "1"})["Plaintext"]


def test_re_encrypt_to_the_same_key(client: BaseClient, key: dict[str, Any]) -> None:
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    response = client.re_encrypt(CiphertextBlob=blob, DestinationKeyId=key["Arn"])
    assert response["SourceKeyId"] == response["KeyId"] == key["Arn"]
    assert response["CiphertextBlob"] != blob
    assert client.decrypt(CiphertextBlob=response["CiphertextBlob"])["Plaintext"] == b"x"


def test_re_encrypt_with_the_wrong_source_key(
    client: BaseClient, key: dict[str, Any], other_key: dict[str, Any]
) -> None:
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    assert (
        fails(
            client.re_encrypt,
            CiphertextBlob=blob,
            SourceKeyId=other_key["KeyId"],
            DestinationKeyId=key["KeyId"],
        )
        == INCORRECT_KEY
    )


def test_re_encrypt_with_the_wrong_source_context(
    client: BaseClient, key: dict[str, Any], other_key: dict[str, Any]
) -> None:
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"x", EncryptionContext={"a": "b"})[
        "CiphertextBlob"
    ]
    assert (
        fails(client.re_encrypt, CiphertextBlob=blob, DestinationKeyId=other_key["KeyId"])
        == INVALID_CIPHERTEXT
    )


def test_re_encrypt_to_an_unknown_key(client: BaseClient, key: dict[str, Any]) -> None:
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    assert fails(client.re_encrypt, CiphertextBlob=blob, DestinationKeyId="alias/none") == (
        "NotFoundException",
        f"Alias arn:aws:kms:{REGION}:{ACCOUNT}:alias/none is not found.",
    )


# -- GenerateDataKey ------------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "size"), [("AES_256", 32), ("AES_128", 16)])
def test_generate_data_key_by_spec(
    client: BaseClient, key: dict[str, Any], spec: str, size: int
) -> None:
    response = client.generate_data_key(
        KeyId="alias/crypto-test", KeySpec=spec, EncryptionContext={"use": "data"}
    )
    assert body(response) == {
        "CiphertextBlob": response["CiphertextBlob"],
        "Plaintext": response["Plaintext"],
        "KeyId": key["Arn"],
        "KeyMaterialId": key["CurrentKeyMaterialId"],
    }
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
    assert body(response) == {
        "CiphertextBlob": response["CiphertextBlob"],
        "KeyId": key["Arn"],
        "KeyMaterialId": key["CurrentKeyMaterialId"],
    }
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


# -- Concurrency ----------------------------------------------------------------------------

THREADS, ROUNDS = 16, 50


def _hammer(make_client: Callable[[int], BaseClient], key_id: str) -> None:
    failures: list[BaseException] = []
    returned: list[int] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        try:
            kms = make_client(index)
            for round_ in range(ROUNDS):
                plaintext = f"{index}:{round_}".encode()
                context = {"thread": str(index)}
                blob = kms.encrypt(KeyId=key_id, Plaintext=plaintext, EncryptionContext=context)[
                    "CiphertextBlob"
                ]
                back = kms.decrypt(CiphertextBlob=blob, EncryptionContext=context)["Plaintext"]
                assert back == plaintext
                with lock:
                    returned.append(1)
        except BaseException as error:  # any failure in a thread must fail the test
            with lock:
                failures.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(returned) == THREADS * ROUNDS


def test_concurrent_use_of_one_client(client: BaseClient, key: dict[str, Any]) -> None:
    _hammer(lambda _: client, key["KeyId"])


def test_concurrent_use_of_a_client_per_thread(client: BaseClient, key: dict[str, Any]) -> None:
    # boto3's default session is not thread-safe; each thread gets a session of its own.
    _hammer(lambda _: boto3.session.Session().client("kms", region_name=REGION), key["KeyId"])

"""Server-side request parsing and validation (kmsmock.protocol.parse), below botocore.

These feed JSON bodies that botocore itself would never send (wrong JSON types, bodies that are
not JSON), which is what AWS's own deserializer has to cope with too.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmsmock.aws.service_model import operation_model
from kmsmock.errors import KmsError
from kmsmock.protocol.parse import parse_request

_NOT_NULL = "failed to satisfy constraint: Member must not be null"


def parse(operation: str, body: Any) -> dict[str, Any]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return parse_request(operation_model(operation), raw)


def rejection(operation: str, body: Any) -> tuple[str, str]:
    with pytest.raises(KmsError) as excinfo:
        parse(operation, body)
    return excinfo.value.code, excinfo.value.message


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_members_come_back_typed() -> None:
    params = parse(
        "Encrypt",
        {
            "KeyId": "alias/x",
            "Plaintext": b64(b"\x00\xff"),
            "EncryptionContext": {"a": "b"},
            "GrantTokens": ["t"],
            "DryRun": False,
        },
    )
    assert params == {
        "KeyId": "alias/x",
        "Plaintext": b"\x00\xff",
        "EncryptionContext": {"a": "b"},
        "GrantTokens": ["t"],
        "DryRun": False,
    }


def test_timestamp_is_epoch_seconds() -> None:
    params = parse(
        "ImportKeyMaterial",
        {
            "KeyId": "k",
            "ImportToken": b64(b"t"),
            "EncryptedKeyMaterial": b64(b"m"),
            "ValidTo": 1700000000.5,
        },
    )
    assert params["ValidTo"] == datetime.fromtimestamp(1700000000.5, tz=timezone.utc)


def test_unknown_and_null_members_are_ignored() -> None:
    params = parse("GenerateRandom", {"NumberOfBytes": 8, "Bogus": [1], "CustomKeyStoreId": None})
    assert params == {"NumberOfBytes": 8}


def test_empty_body_is_an_empty_request() -> None:
    assert parse("GenerateRandom", b"") == {}
    assert parse("ListKeys", b"{}") == {}


@pytest.mark.parametrize(
    "body",
    [b"not json", b"{", b"[]", b'"text"', b"\xff\xfe"],
    ids=["text", "truncated", "array", "string", "undecodable"],
)
def test_body_that_is_not_a_json_object(body: bytes) -> None:
    assert rejection("GenerateRandom", body) == ("SerializationException", "")


@pytest.mark.parametrize(
    ("operation", "body"),
    [
        ("Encrypt", {"KeyId": 5, "Plaintext": b64(b"x")}),
        ("Encrypt", {"KeyId": "k", "Plaintext": 5}),
        ("Encrypt", {"KeyId": "k", "Plaintext": "not base64!"}),
        ("Encrypt", {"KeyId": "k", "Plaintext": b64(b"x"), "EncryptionContext": ["a"]}),
        ("Encrypt", {"KeyId": "k", "Plaintext": b64(b"x"), "EncryptionContext": {"a": 1}}),
        ("Encrypt", {"KeyId": "k", "Plaintext": b64(b"x"), "GrantTokens": "t"}),
        ("Encrypt", {"KeyId": "k", "Plaintext": b64(b"x"), "DryRun": "true"}),
        ("GenerateRandom", {"NumberOfBytes": "8"}),
        ("GenerateRandom", {"NumberOfBytes": 8.5}),
        ("GenerateRandom", {"NumberOfBytes": True}),
        # Beyond what Java's int holds: AWS cannot deserialize it at all.
        ("GenerateRandom", {"NumberOfBytes": 2**31}),
        ("GenerateRandom", {"NumberOfBytes": -(2**31) - 1}),
        ("CreateKey", {"Tags": {"TagKey": "a"}}),
        ("CreateGrant", {"KeyId": "k", "Operations": [], "Constraints": "x"}),
        ("ImportKeyMaterial", {"KeyId": "k", "ImportToken": "", "ValidTo": "tomorrow"}),
    ],
)
def test_wrong_json_type_is_a_serialization_error(operation: str, body: Any) -> None:
    assert rejection(operation, body) == ("SerializationException", "")


def test_missing_required_member() -> None:
    assert rejection("Encrypt", {"Plaintext": b64(b"x")}) == (
        "ValidationException",
        f"1 validation error detected: Value null at 'keyId' {_NOT_NULL}",
    )


def test_null_required_member_is_missing() -> None:
    assert rejection("Encrypt", {"KeyId": None, "Plaintext": b64(b"x")}) == (
        "ValidationException",
        f"1 validation error detected: Value null at 'keyId' {_NOT_NULL}",
    )


def test_errors_come_in_model_order_whatever_the_json_order() -> None:
    expected = (
        "ValidationException",
        "2 validation errors detected: "
        "Value 'x' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value "
        "set: [AES_256, AES_128]; "
        "Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value "
        "greater than or equal to 1",
    )
    # GenerateDataKeyWithoutPlaintext's model lists KeySpec before NumberOfBytes.
    body = {"KeyId": "k", "NumberOfBytes": 0, "KeySpec": "x"}
    assert rejection("GenerateDataKeyWithoutPlaintext", body) == expected
    body = {"KeySpec": "x", "NumberOfBytes": 0, "KeyId": "k"}
    assert rejection("GenerateDataKeyWithoutPlaintext", body) == expected


def test_three_errors() -> None:
    code, message = rejection("Encrypt", {"Plaintext": b64(b""), "EncryptionAlgorithm": "RSA"})
    assert code == "ValidationException"
    assert message.startswith("3 validation errors detected: Value null at 'keyId' ")
    assert message.count("; ") == 2


def test_sensitive_value_is_not_echoed() -> None:
    assert rejection("Encrypt", {"KeyId": "k", "Plaintext": b64(b"x" * 4097)}) == (
        "ValidationException",
        "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: "
        "Member must have length less than or equal to 4096",
    )


def test_sensitive_string_is_not_echoed() -> None:
    assert rejection(
        "UpdateCustomKeyStore", {"CustomKeyStoreId": "c", "KeyStorePassword": "pw"}
    ) == (
        "ValidationException",
        "1 validation error detected: Value at 'keyStorePassword' failed to satisfy constraint: "
        "Member must have length greater than or equal to 7",
    )


def test_blob_is_echoed_as_a_java_byte_buffer() -> None:
    assert rejection("Decrypt", {"CiphertextBlob": b64(b"c" * 6145)}) == (
        "ValidationException",
        "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=6145 cap=6145]' "
        "at 'ciphertextBlob' failed to satisfy constraint: Member must have length less than "
        "or equal to 6144",
    )


def test_list_item_paths_are_one_based_members() -> None:
    # Recorded from AWS (aws-recorded-errors.md rows 5 and 6).
    long_key, long_value = "a" * 129, "v" * 257
    body = {"Tags": [{"TagKey": "ok", "TagValue": "ok"}, {"TagKey": long_key, "TagValue": "v"}]}
    assert rejection("CreateKey", body) == (
        "ValidationException",
        f"1 validation error detected: Value '{long_key}' at 'tags.2.member.tagKey' failed to "
        "satisfy constraint: Member must have length less than or equal to 128",
    )
    body = {"Tags": [{"TagKey": "k", "TagValue": long_value}]}
    assert rejection("CreateKey", body) == (
        "ValidationException",
        f"1 validation error detected: Value '{long_value}' at 'tags.1.member.tagValue' failed "
        "to satisfy constraint: Member must have length less than or equal to 256",
    )


def test_list_length_echoes_the_java_list() -> None:
    tokens = [f"t{i}" for i in range(11)]
    assert rejection("Encrypt", {"KeyId": "k", "Plaintext": b64(b"x"), "GrantTokens": tokens}) == (
        "ValidationException",
        f"1 validation error detected: Value '[{', '.join(tokens)}]' at 'grantTokens' failed to "
        "satisfy constraint: Member must have length less than or equal to 10",
    )


def test_length_counts_utf16_code_units() -> None:
    # Description allows 8192: Java counts an emoji as two UTF-16 code units.
    assert parse("CreateKey", {"Description": "\U0001f600" * 4096})["Description"]
    code, message = rejection("CreateKey", {"Description": "\U0001f600" * 4097})
    assert code == "ValidationException"
    assert message.endswith("Member must have length less than or equal to 8192")


def test_lone_surrogate_is_counted_not_crashed_on() -> None:
    assert parse("CreateKey", {"Description": "\ud800"}) == {"Description": "\ud800"}


def test_pattern_uses_java_ascii_classes() -> None:
    # \w in a Java regex is [a-zA-Z_0-9]: a non-ASCII letter does not match it.
    body = {"KeyId": "k", "GranteePrincipal": "é", "Operations": ["Decrypt"]}
    assert rejection("CreateGrant", body) == (
        "ValidationException",
        "1 validation error detected: Value 'é' at 'granteePrincipal' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: ^[\\w+=,.@:/-]+$",
    )
    body["GranteePrincipal"] = "arn:aws:iam::123456789012:role/r_1"
    assert parse("CreateGrant", body)["GranteePrincipal"] == body["GranteePrincipal"]


def test_list_of_enums_reports_each_item() -> None:
    body = {"KeyId": "k", "GranteePrincipal": "p", "Operations": ["Decrypt", "Nope"]}
    code, message = rejection("CreateGrant", body)
    assert code == "ValidationException"
    assert message.startswith(
        "1 validation error detected: Value 'Nope' at 'operations.2.member' failed to satisfy "
        "constraint: Member must satisfy enum value set: ["
    )


def test_recorded_mac_algorithm_order() -> None:
    # Recorded from AWS (aws-recorded-errors.md row 50).
    body = {"KeyId": "k", "Message": b64(b"m"), "MacAlgorithm": "INVALID"}
    assert rejection("GenerateMac", body) == (
        "ValidationException",
        "1 validation error detected: Value 'INVALID' at 'macAlgorithm' failed to satisfy "
        "constraint: Member must satisfy enum value set: "
        "[HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512]",
    )


def test_enum_never_recorded_is_listed_in_model_order() -> None:
    assert rejection("GenerateRandom", {"Recipient": {"KeyEncryptionAlgorithm": "X"}}) == (
        "ValidationException",
        "1 validation error detected: Value 'X' at 'recipient.keyEncryptionAlgorithm' failed to "
        "satisfy constraint: Member must satisfy enum value set: [RSAES_OAEP_SHA_256]",
    )


@settings(max_examples=50)
@given(days=st.integers(-(2**31), 2**31 - 1))
def test_integer_range_accepts_exactly_the_model_range(days: int) -> None:
    body = {"KeyId": "k", "PendingWindowInDays": days}
    if 1 <= days <= 365:
        assert parse("ScheduleKeyDeletion", body)["PendingWindowInDays"] == days
        return
    bound = "greater than or equal to 1" if days < 1 else "less than or equal to 365"
    assert rejection("ScheduleKeyDeletion", body) == (
        "ValidationException",
        f"1 validation error detected: Value '{days}' at 'pendingWindowInDays' failed to "
        f"satisfy constraint: Member must have value {bound}",
    )


@pytest.mark.parametrize("days", [1, 365])
def test_integer_range_bounds_are_inclusive(days: int) -> None:
    assert parse("ScheduleKeyDeletion", {"KeyId": "k", "PendingWindowInDays": days})

"""Server-side request validation through boto3, and GenerateRandom.

Most tests use ``raw_client`` (botocore's own parameter validation off), so the request reaches
the mock as it would reach AWS from a client that does not validate, and the mock must answer
with AWS's own ValidationException or SerializationException.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.client import BaseClient
from conftest import fails, requires_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmsmock.aws.service_model import operation_model

_NOT_NULL = "failed to satisfy constraint: Member must not be null"
fixture_settings = settings(
    max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)


def validation(*errors: str) -> tuple[str, str]:
    noun = "error" if len(errors) == 1 else "errors"
    return "ValidationException", f"{len(errors)} validation {noun} detected: " + "; ".join(errors)


def out_of_range(value: int, path: str, low: int, high: int) -> tuple[str, str]:
    bound = f"greater than or equal to {low}" if value < low else f"less than or equal to {high}"
    return validation(
        f"Value '{value}' at '{path}' failed to satisfy constraint: Member must have value {bound}"
    )


@pytest.fixture
def key_id(client: BaseClient) -> str:
    created: str = client.create_key()["KeyMetadata"]["KeyId"]
    return created


# -- Required members -----------------------------------------------------------------------


def test_missing_required_member(raw_client: BaseClient) -> None:
    assert fails(raw_client.encrypt, Plaintext=b"x") == validation(
        f"Value null at 'keyId' {_NOT_NULL}"
    )


def test_two_missing_members(raw_client: BaseClient) -> None:
    assert fails(raw_client.encrypt) == validation(
        f"Value null at 'keyId' {_NOT_NULL}", f"Value null at 'plaintext' {_NOT_NULL}"
    )


def test_missing_and_invalid_members_together(raw_client: BaseClient) -> None:
    assert fails(raw_client.encrypt, Plaintext=b"", EncryptionAlgorithm="RSA") == validation(
        f"Value null at 'keyId' {_NOT_NULL}",
        "Value at 'plaintext' failed to satisfy constraint: Member must have length greater "
        "than or equal to 1",
        "Value 'RSA' at 'encryptionAlgorithm' failed to satisfy constraint: Member must satisfy "
        "enum value set: [SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, SM2PKE]",
    )


@requires_model("Decrypt.DryRunModifiers", "ReEncrypt.DryRunModifiers")
@pytest.mark.parametrize("operation", ["decrypt", "re_encrypt"])
def test_ciphertext_is_required_outside_a_ciphertext_free_dry_run(
    client: BaseClient, key_id: str, operation: str
) -> None:
    # The model makes CiphertextBlob optional (for DryRun with IGNORE_CIPHERTEXT), so botocore
    # sends the request; the service still needs it.
    params: dict[str, Any] = {"DryRunModifiers": ["IGNORE_CIPHERTEXT"]}
    params["KeyId" if operation == "decrypt" else "DestinationKeyId"] = key_id
    assert fails(getattr(client, operation), **params) == validation(
        f"Value null at 'ciphertextBlob' {_NOT_NULL}"
    )


# -- Lengths of plaintext and ciphertext ----------------------------------------------------


def test_plaintext_too_long(raw_client: BaseClient, key_id: str) -> None:
    # Recorded from AWS (aws-recorded-errors.md row 22): the sensitive value is not echoed.
    assert fails(raw_client.encrypt, KeyId=key_id, Plaintext=b"x" * 4097) == validation(
        "Value at 'plaintext' failed to satisfy constraint: Member must have length less than "
        "or equal to 4096"
    )


def test_plaintext_empty(raw_client: BaseClient, key_id: str) -> None:
    assert fails(raw_client.encrypt, KeyId=key_id, Plaintext=b"") == validation(
        "Value at 'plaintext' failed to satisfy constraint: Member must have length greater "
        "than or equal to 1"
    )


@pytest.mark.parametrize("operation", ["decrypt", "re_encrypt"])
def test_ciphertext_empty(raw_client: BaseClient, key_id: str, operation: str) -> None:
    extra = {} if operation == "decrypt" else {"DestinationKeyId": key_id}
    assert fails(getattr(raw_client, operation), CiphertextBlob=b"", **extra) == validation(
        "Value 'java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]' at 'ciphertextBlob' failed to "
        "satisfy constraint: Member must have length greater than or equal to 1"
    )


def test_ciphertext_too_long(raw_client: BaseClient) -> None:
    assert fails(raw_client.decrypt, CiphertextBlob=b"c" * 6145) == validation(
        "Value 'java.nio.HeapByteBuffer[pos=0 lim=6145 cap=6145]' at 'ciphertextBlob' failed "
        "to satisfy constraint: Member must have length less than or equal to 6144"
    )


def test_key_id_too_long(raw_client: BaseClient) -> None:
    long_id = "k" * 2049
    assert fails(raw_client.encrypt, KeyId=long_id, Plaintext=b"x") == validation(
        f"Value '{long_id}' at 'keyId' failed to satisfy constraint: Member must have length "
        "less than or equal to 2048"
    )


# -- Enums ----------------------------------------------------------------------------------


def _model_order_after(recorded: list[str], operation: str, member: str) -> str:
    """The recorded order, then the values the installed model has added since, in its order."""
    values = operation_model(operation).input_shape.members[member].metadata["enum"]
    assert set(recorded) <= set(values)
    return "[" + ", ".join(recorded + [v for v in values if v not in recorded]) + "]"


def test_key_spec_enum_in_recorded_order(raw_client: BaseClient) -> None:
    # Recorded from AWS (aws-recorded-errors.md row 3), in AWS's own (hash set) order.
    recorded = [
        "RSA_2048", "ECC_NIST_P384", "ECC_NIST_P256", "ECC_NIST_P521", "HMAC_384", "RSA_3072",
        "ECC_SECG_P256K1", "RSA_4096", "SYMMETRIC_DEFAULT", "HMAC_256", "HMAC_224", "HMAC_512",
    ]  # fmt: skip
    allowed = _model_order_after(recorded, "CreateKey", "KeySpec")
    assert allowed.startswith("[RSA_2048, ECC_NIST_P384, ECC_NIST_P256, ECC_NIST_P521, HMAC_384,")
    assert fails(raw_client.create_key, KeySpec="HMAC_random") == validation(
        "Value 'HMAC_random' at 'keySpec' failed to satisfy constraint: Member must satisfy "
        f"enum value set: {allowed}"
    )


def test_key_usage_enum_in_recorded_order(raw_client: BaseClient) -> None:
    # Recorded from AWS (row 4) before KEY_AGREEMENT existed.
    allowed = _model_order_after(
        ["ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC"], "CreateKey", "KeyUsage"
    )
    assert allowed.startswith("[ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC")
    assert fails(raw_client.create_key, KeySpec="HMAC_256", KeyUsage="RANDOM") == validation(
        "Value 'RANDOM' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum "
        f"value set: {allowed}"
    )


# MacAlgorithm's recorded order is checked in tests/unit/test_parse.py: GenerateMac is not
# served yet, and an operation not served is refused before validation.


def test_data_key_spec_enum(raw_client: BaseClient, key_id: str) -> None:
    assert fails(raw_client.generate_data_key, KeyId=key_id, KeySpec="AES_512") == validation(
        "Value 'AES_512' at 'keySpec' failed to satisfy constraint: Member must satisfy enum "
        "value set: [AES_256, AES_128]"
    )


# -- Wrong JSON types -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("encrypt", {"KeyId": 5, "Plaintext": b"x"}),
        ("encrypt", {"KeyId": "k", "Plaintext": b"x", "DryRun": "yes"}),
        ("encrypt", {"KeyId": "k", "Plaintext": b"x", "EncryptionContext": {"a": 1}}),
        ("generate_random", {"NumberOfBytes": "8"}),
        ("generate_random", {"NumberOfBytes": True}),
        ("generate_random", {"NumberOfBytes": 8.0}),
        ("generate_random", {"NumberOfBytes": 2**31}),
        ("generate_data_key", {"KeyId": ["k"], "KeySpec": "AES_256"}),
    ],
)
def test_wrong_json_type(raw_client: BaseClient, operation: str, params: dict[str, Any]) -> None:
    assert fails(getattr(raw_client, operation), **params) == ("SerializationException", "")


@pytest.mark.parametrize(
    ("arrays", "refused"),
    [(499, False), (500, True), (100_000, True)],
    ids=["500 levels", "501 levels", "100,001 levels"],
)
def test_a_body_nested_too_deep_to_decode(
    raw_client: BaseClient, arrays: int, refused: bool
) -> None:
    # botocore cannot write such a body itself (its encoder recurses too): it is swapped in
    # before the request is signed, as a hand-made client's body would arrive. Past 500
    # levels (kmsmock/aws/json_depth.py) a body is not read, even where the member is unknown.
    deep = b'{"NumberOfBytes": 8, "Extra": ' + b"[" * arrays + b"]" * arrays + b"}"

    def swap(request: Any, **_: Any) -> None:
        request.data = deep

    raw_client.meta.events.register_first("before-sign.kms.GenerateRandom", swap)
    if refused:
        assert fails(raw_client.generate_random, NumberOfBytes=8) == ("SerializationException", "")
    else:
        assert len(raw_client.generate_random(NumberOfBytes=8)["Plaintext"]) == 8


# -- Integer ranges -------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1025])
def test_generate_random_out_of_range(raw_client: BaseClient, size: int) -> None:
    # Recorded from AWS (rows 34 and 35).
    assert fails(raw_client.generate_random, NumberOfBytes=size) == out_of_range(
        size, "numberOfBytes", 1, 1024
    )


@pytest.mark.parametrize("params", [{"NumberOfBytes": None}, {}], ids=["null", "absent"])
def test_generate_random_without_a_size(raw_client: BaseClient, params: dict[str, Any]) -> None:
    # Recorded from AWS (row 36). botocore sends {"NumberOfBytes": null} for None.
    assert fails(raw_client.generate_random, **params) == (
        "ValidationException",
        "NumberOfBytes is required.",
    )


@pytest.mark.parametrize("operation", ["generate_data_key", "generate_data_key_without_plaintext"])
@pytest.mark.parametrize("size", [0, 1025])
def test_data_key_size_out_of_range(
    raw_client: BaseClient, key_id: str, operation: str, size: int
) -> None:
    assert fails(getattr(raw_client, operation), KeyId=key_id, NumberOfBytes=size) == out_of_range(
        size, "numberOfBytes", 1, 1024
    )


@fixture_settings
@given(size=st.integers(-(2**31), 2**31 - 1) | st.integers(-5, 1030))
def test_integer_member_accepts_exactly_its_range(raw_client: BaseClient, size: int) -> None:
    if 1 <= size <= 1024:
        assert len(raw_client.generate_random(NumberOfBytes=size)["Plaintext"]) == size
    else:
        assert fails(raw_client.generate_random, NumberOfBytes=size) == out_of_range(
            size, "numberOfBytes", 1, 1024
        )


# -- GenerateRandom -------------------------------------------------------------------------


@fixture_settings
@given(size=st.integers(1, 1024))
def test_generate_random_length(client: BaseClient, size: int) -> None:
    response = client.generate_random(NumberOfBytes=size)
    assert set(response) == {"Plaintext", "ResponseMetadata"}
    assert len(response["Plaintext"]) == size


def test_generate_random_is_random(client: BaseClient) -> None:
    assert len({client.generate_random(NumberOfBytes=16)["Plaintext"] for _ in range(5)}) == 5

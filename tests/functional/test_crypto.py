"""Symmetric cryptographic operations through boto3: Encrypt, Decrypt, encryption context,
tampered and foreign ciphertexts, ReEncrypt, and concurrent use. (GenerateRandom, and the
limits botocore would check before sending, are in test_validation.py.)"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from conftest import ACCOUNT, REGION, fails, modelled
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

from kmsmock import mock_kms

HEADER = b"\x01\x02\x02\x00\x78"
contexts = st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=8), max_size=4)


def foreign_blob_denied(action: str) -> str:
    return (
        f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: kms:{action} on the "
        "resource associated with this ciphertext because the resource does not exist in this "
        "Region, no resource-based policies allow access, or a resource-based policy explicitly "
        "denies access"
    )


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
    assert body(decrypted) == modelled(
        "Decrypt",
        {
            "KeyId": key["Arn"],
            "Plaintext": b"secret",
            "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
            "KeyMaterialId": key.get("CurrentKeyMaterialId"),
        },
    )


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
    assert body(response) == modelled(
        "ReEncrypt",
        {
            "CiphertextBlob": new_blob,
            "SourceKeyId": key["Arn"],
            "KeyId": other_key["Arn"],
            "SourceEncryptionAlgorithm": "SYMMETRIC_DEFAULT",
            "DestinationEncryptionAlgorithm": "SYMMETRIC_DEFAULT",
            "SourceKeyMaterialId": key.get("CurrentKeyMaterialId"),
            "DestinationKeyMaterialId": other_key.get("CurrentKeyMaterialId"),
        },
    )
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

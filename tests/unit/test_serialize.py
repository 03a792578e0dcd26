"""Serialization by output shape: the compiled plans' edge cases."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmsmock.aws.service_model import operation_model
from kmsmock.backend.prewritten import Prewritten, is_plain_json_text
from kmsmock.protocol.serialize import serialize_result


def test_a_structure_of_plain_members_drops_none_values() -> None:
    # ListKeys' entries are all strings: the plan passes them through as they are, and falls
    # back to converting (dropping None) when one is missing.
    result = {"Keys": [{"KeyId": "k1", "KeyArn": None}, {"KeyId": "k2"}], "Truncated": False}
    body = json.loads(serialize_result(operation_model("ListKeys"), result))
    assert body == {"Keys": [{"KeyId": "k1"}, {"KeyId": "k2"}], "Truncated": False}


def test_a_member_the_loaded_model_lacks_is_left_out() -> None:
    # What a newer botocore's model added (KeyMetadata.CurrentKeyMaterialId on botocore 1.35):
    # the installed client could not read it, so it is not written.
    result = {"Keys": [{"KeyId": "k1", "Newer": "x"}], "Truncated": False, "Newest": 1}
    body = json.loads(serialize_result(operation_model("ListKeys"), result))
    assert body == {"Keys": [{"KeyId": "k1"}], "Truncated": False}


def test_prewritten_members_are_spliced_in_with_the_others() -> None:
    entries = [{"KeyId": "k1", "KeyArn": "arn:k1"}, {"KeyId": "k2", "KeyArn": "arn:k2"}]
    plain = {"Keys": entries, "NextMarker": "m", "Truncated": True}
    written = Prewritten(
        {"NextMarker": "m", "Truncated": True},
        {"Keys": json.dumps(entries, separators=(",", ":"))},
    )
    model = operation_model("ListKeys")
    assert serialize_result(model, written) == serialize_result(model, plain)
    only = Prewritten({}, {"Keys": "[]"})
    assert serialize_result(model, only) == b'{"Keys":[]}'


def test_a_prewritten_member_the_loaded_model_lacks_is_left_out() -> None:
    written = Prewritten({"Truncated": False}, {"Newer": "[]"})
    assert serialize_result(operation_model("ListKeys"), written) == b'{"Truncated":false}'


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("arn:aws:kms:us-east-1:123456789012:key/", True),
        ("printable ASCII !#$%&'()*+,-./:;<=>?@[]^_`{|}~", True),
        ('a "quote"', False),
        ("a \\ backslash", False),
        ("a\ttab", False),
        ("\x7f", False),
        ("é", False),
    ],
)
def test_plain_json_text_is_what_the_encoder_leaves_as_is(text: str, plain: bool) -> None:
    assert bool(is_plain_json_text(text)) is plain
    assert (json.dumps(text) == f'"{text}"') is plain


@given(
    blob=st.one_of(st.none(), st.binary(max_size=2048)),
    key_id=st.text(max_size=20),
    algorithm=st.sampled_from(["SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_256"]),
)
def test_top_level_blobs_are_written_as_the_encoder_would(
    blob: bytes | None, key_id: str, algorithm: str
) -> None:
    result = {"CiphertextBlob": blob, "KeyId": key_id, "EncryptionAlgorithm": algorithm}
    body = serialize_result(operation_model("Encrypt"), result)
    expected: dict[str, object] = {"KeyId": key_id, "EncryptionAlgorithm": algorithm}
    if blob is not None:
        expected["CiphertextBlob"] = base64.b64encode(blob).decode()
    assert json.loads(body) == expected
    assert body.isascii()


def test_a_result_of_blobs_alone_is_a_whole_object() -> None:
    model = operation_model("GenerateRandom")
    assert serialize_result(model, {"Plaintext": b"\x00\xff"}) == b'{"Plaintext":"AP8="}'
    assert serialize_result(model, {}) == b"{}"

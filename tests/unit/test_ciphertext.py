"""The symmetric ciphertext format (kmsmock.crypto.ciphertext), below the API."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmsmock.crypto import ciphertext
from kmsmock.crypto.ciphertext import (
    HEADER,
    OVERHEAD,
    InvalidCiphertext,
    canonical_context,
    key_reference,
    open_,
    parse,
    read_reference,
    seal,
)

SECRET = b"s" * 32
MATERIAL = b"m" * 32
ACCOUNT = "123456789012"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{KEY_ID}"
REF = key_reference(SECRET, ACCOUNT, KEY_ID, 0)

contexts = st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=4)


def test_layout_is_header_reference_nonce_sealed_tag() -> None:
    blob = seal(MATERIAL, REF, b"hello", None)
    assert blob.startswith(HEADER)
    assert HEADER == b"\x01\x02\x02\x00\x78"
    assert blob[len(HEADER) : len(HEADER) + 32] == REF
    assert len(blob) == OVERHEAD + len(b"hello") == 5 + 32 + 12 + 16 + 5


def test_reference_depends_on_secret_account_key_and_version() -> None:
    assert len(REF) == 32
    assert key_reference(SECRET, ACCOUNT, KEY_ID, 0) == REF
    assert key_reference(b"t" * 32, ACCOUNT, KEY_ID, 0) != REF
    assert key_reference(SECRET, "111122223333", KEY_ID, 0) != REF
    assert key_reference(SECRET, ACCOUNT, KEY_ID.replace("1234abcd", "9234abcd"), 0) != REF
    assert key_reference(SECRET, ACCOUNT, KEY_ID, 1) != REF


@settings(max_examples=50)
@given(
    account=st.integers(0, 10**12 - 1).map(lambda n: f"{n:012d}"),
    raw=st.binary(min_size=16, max_size=16),
    mrk=st.booleans(),
    version=st.integers(0, 2**32 - 1),
)
def test_the_mock_reads_back_what_a_reference_names(
    account: str, raw: bytes, mrk: bool, version: int
) -> None:
    import uuid

    key_id = "mrk-" + raw.hex() if mrk else str(uuid.UUID(bytes=raw))
    found = read_reference(SECRET, key_reference(SECRET, account, key_id, version))
    assert found == ciphertext.Reference(account, key_id, version)


def test_another_mock_instance_reads_nothing_it_knows() -> None:
    found = read_reference(b"t" * 32, REF)
    assert found is None or found != ciphertext.Reference(ACCOUNT, KEY_ID, 0)


def test_reference_names_no_key_id() -> None:
    key_id = ARN.rsplit("/", 1)[1]
    blob = seal(MATERIAL, REF, b"x", None)
    assert key_id.encode() not in blob
    assert bytes.fromhex(key_id.replace("-", "")) not in blob


@settings(max_examples=50)
@given(plaintext=st.binary(min_size=1, max_size=256), context=contexts)
def test_round_trip(plaintext: bytes, context: dict[str, str]) -> None:
    blob = seal(MATERIAL, REF, plaintext, context)
    parsed = parse(blob)
    assert parsed.ref == REF
    assert open_(MATERIAL, parsed, context) == plaintext
    assert open_(MATERIAL, parsed, dict(reversed(list(context.items())))) == plaintext


@settings(max_examples=50)
@given(context=contexts, other=contexts)
def test_other_context_fails(context: dict[str, str], other: dict[str, str]) -> None:
    blob = seal(MATERIAL, REF, b"data", context)
    if other == context:
        assert open_(MATERIAL, parse(blob), other) == b"data"
    else:
        with pytest.raises(InvalidCiphertext):
            open_(MATERIAL, parse(blob), other)


def test_canonical_context_is_unambiguous_and_order_free() -> None:
    assert canonical_context({"ab": "c"}) != canonical_context({"a": "bc"})
    assert canonical_context({"a": "", "b": ""}) != canonical_context({"a": "b"})
    assert canonical_context({"a": "1", "b": "2"}) == canonical_context({"b": "2", "a": "1"})
    # No context and an empty context are the same thing, as in AWS.
    assert canonical_context(None) == canonical_context({}) == b""


def test_lone_surrogate_in_context_is_usable_and_distinct() -> None:
    # JSON can carry a lone surrogate; strict UTF-8 cannot encode one.
    surrogate = canonical_context({"a": "\ud800"})
    assert surrogate != canonical_context({"a": "\ud801"})
    assert surrogate != canonical_context({"a": ""})
    blob = seal(MATERIAL, REF, b"x", {"a": "\ud800"})
    assert open_(MATERIAL, parse(blob), {"a": "\ud800"}) == b"x"


def test_wrong_material_fails() -> None:
    blob = seal(MATERIAL, REF, b"x", None)
    with pytest.raises(InvalidCiphertext):
        open_(os.urandom(32), parse(blob), None)


@settings(max_examples=50)
@given(data=st.data())
def test_any_changed_byte_fails(data: st.DataObject) -> None:
    blob = seal(MATERIAL, REF, b"some plaintext", {"k": "v"})
    position = data.draw(st.integers(0, len(blob) - 1), label="position")
    flip = data.draw(st.integers(1, 255), label="xor")
    tampered = bytearray(blob)
    tampered[position] ^= flip
    with pytest.raises(InvalidCiphertext):
        open_(MATERIAL, parse(bytes(tampered)), {"k": "v"})


def test_changed_reference_byte_is_caught_by_its_checksum() -> None:
    blob = bytearray(seal(MATERIAL, REF, b"x", None))
    for position in range(len(HEADER), len(HEADER) + 32):
        tampered = bytearray(blob)
        tampered[position] ^= 0x01
        with pytest.raises(InvalidCiphertext):
            parse(bytes(tampered))


def test_every_truncation_fails() -> None:
    blob = seal(MATERIAL, REF, b"plaintext", None)
    for length in range(len(blob)):
        with pytest.raises(InvalidCiphertext):
            open_(MATERIAL, parse(blob[:length]), None)


@pytest.mark.parametrize("extra", [b"\x00", b"bad_data", bytes(range(40))])
def test_appended_bytes_fail(extra: bytes) -> None:
    blob = seal(MATERIAL, REF, b"plaintext", None)
    with pytest.raises(InvalidCiphertext):
        open_(MATERIAL, parse(blob + extra), None)


@pytest.mark.parametrize("blob", [b"", b"\x01", HEADER, b"x" * 200, HEADER + b"\x00" * 59])
def test_junk_does_not_parse(blob: bytes) -> None:
    with pytest.raises(InvalidCiphertext):
        parse(blob)


def test_same_plaintext_gives_different_blobs() -> None:
    first = seal(MATERIAL, REF, b"same", None)
    second = seal(MATERIAL, REF, b"same", None)
    assert first != second
    assert open_(MATERIAL, parse(first), None) == open_(MATERIAL, parse(second), None)


def test_overhead_constant_matches_layout() -> None:
    assert ciphertext.OVERHEAD == 65

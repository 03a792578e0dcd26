"""kmsmock/aws/json_depth.py: JSON decoding that refuses nesting past MAX_DEPTH, and only that."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmsmock.aws.json_depth import MAX_DEPTH, loads

# Strings full of what the depth scan must see past: brackets, quotes, backslashes.
TRICKY = st.text(alphabet='[]{}"\\ab:,', max_size=8)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | TRICKY,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TRICKY, inner, max_size=3),
    max_leaves=10,
)


def depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


@settings(max_examples=200)
@given(value=VALUES, wraps=st.integers(0, MAX_DEPTH + 5), ascii_only=st.booleans())
def test_decodes_what_json_does_up_to_the_limit(value: Any, wraps: int, ascii_only: bool) -> None:
    # A string of brackets makes the bracket count pass the limit, so the exact scan runs.
    document: Any = {"filler": "[{" * MAX_DEPTH, "value": value}
    for _ in range(wraps):
        document = [document]
    text = json.dumps(document, ensure_ascii=ascii_only)
    if depth(document) <= MAX_DEPTH:
        assert loads(text) == json.loads(text)
    else:
        with pytest.raises(json.JSONDecodeError, match=f"nested more than {MAX_DEPTH} deep"):
            loads(text)


@pytest.mark.parametrize(
    "document",
    [
        [[]] * 1_000,  # many brackets, none deep
        ['"', "[" * 1_000],  # an escaped quote does not end a string
        ["\\", "[" * 1_000],  # an escaped backslash does not escape the quote after it
        ['\\"', "{" * 1_000, ["\\\\"] * 10],
    ],
    ids=["siblings", "escaped quote", "escaped backslash", "both"],
)
def test_brackets_outside_the_nesting_are_not_counted(document: Any) -> None:
    text = json.dumps(document)
    assert loads(text) == document


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 100_000,
        '["\\"' + "[" * 1_000,  # an escaped quote does not end the string: still inside it
        '"' + "\\" * 3 + '"' + "[" * 1_000,  # \\ then \" : the string goes on
    ],
    ids=["open arrays", "closed arrays", "open objects", "escaped quote", "escaped backslash"],
)
def test_deep_or_broken_text_is_a_decode_error(text: str) -> None:
    with pytest.raises(json.JSONDecodeError):
        loads(text)


def test_the_error_points_at_the_bracket_too_deep() -> None:
    with pytest.raises(json.JSONDecodeError) as excinfo:
        loads('{"a": ' + "[" * 1_000)
    assert excinfo.value.pos == len('{"a": ') + MAX_DEPTH - 1

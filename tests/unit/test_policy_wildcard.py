"""IAM wildcard matching (kmsmock/policy/wildcard.py) against a plain reference matcher."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmsmock.policy.wildcard import Wildcard, compile_wildcard

SegmentList = list[tuple[str, bool]]


def reference(segments: SegmentList, value: str) -> bool:
    """The definition, memoized over (pattern position, value position): ``*`` takes none or
    one more character, ``?`` one, anything else itself; literal segments have no wildcards."""
    tokens = [
        char if not wild or char not in "*?" else ("STAR" if char == "*" else "ANY")
        for text, wild in segments
        for char in text
    ]

    @cache
    def match(i: int, j: int) -> bool:
        if i == len(tokens):
            return j == len(value)
        token = tokens[i]
        if token == "STAR":
            return match(i + 1, j) or (j < len(value) and match(i, j + 1))
        if j == len(value):
            return False
        return (token == "ANY" or token == value[j]) and match(i + 1, j + 1)

    return match(0, 0)


# Few letters, so random values often come close to matching; "/" and ":" are characters like
# any other to a wildcard, and "*" and "?" in a value are plain characters.
SEGMENTS = st.lists(st.tuples(st.text("ab*?/:", max_size=6), st.booleans()), max_size=4)
VALUES = st.text("ab/:", max_size=10) | st.text("ab*?/:", max_size=12)


@settings(max_examples=500)
@given(segments=SEGMENTS, value=VALUES)
def test_agrees_with_the_reference(segments: SegmentList, value: str) -> None:
    assert Wildcard(segments).fullmatch(value) is reference(segments, value)


# Pieces of letters and "?" between stars: what a piece search (str.find, then the
# bit-parallel pass when a "?" makes the first fit wrong) must get right.
PIECES = st.lists(st.text("ab?", max_size=4), min_size=1, max_size=5).map("*".join)


@settings(max_examples=400)
@given(pattern=st.text("ab*?", max_size=10) | PIECES, data=st.data())
def test_agrees_with_the_reference_on_values_the_pattern_nearly_makes(
    pattern: str, data: st.DataObject
) -> None:
    # Random values rarely match a pattern with several literals: build ones that do (each
    # wildcard filled in), then maybe change one character, so both answers are exercised.
    filled = "".join(
        data.draw(st.text("ab/", max_size=3)) if c == "*" else data.draw(st.sampled_from("ab:"))
        if c == "?" else c
        for c in pattern
    )  # fmt: skip
    if filled and data.draw(st.booleans()):
        at = data.draw(st.integers(0, len(filled) - 1))
        filled = filled[:at] + data.draw(st.sampled_from("ab?")) + filled[at + 1 :]
    assert compile_wildcard(pattern).fullmatch(filled) is reference([(pattern, True)], filled)


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("", "", True),
        ("", "a", False),
        ("*", "", True),
        ("*", "arn:aws:kms:us-east-1:1:key/x", True),
        ("?", "", False),
        ("?", "/", True),
        ("a*", "a", True),
        ("*a", "ba", True),
        ("*a", "ab", False),
        ("a*a", "a", False),  # head and tail may not overlap
        ("a*a", "aa", True),
        ("a**b", "ab", True),
        ("a?*?b", "axyb", True),
        ("a?*?b", "axb", False),
        ("kms:*", "kms:encrypt", True),
        ("kms:generatedatakey*", "kms:generatedatakeypair", True),
        ("kms:*key?", "kms:createkey", False),
        ("arn:aws:kms:*:111122223333:key/*", "arn:aws:kms:eu-west-1:111122223333:key/k", True),
        ("*/*", "a:b", False),
        ("*:*", "a:b", True),
        ("a\nb*", "a\nbc", True),  # any character, a newline too
        ("a*?b?c", "aXbbYc", True),
        ("*a?b*c*", "aaabc", True),  # "a?b" first fits at 1, "c" right after it
        ("*a?b*c*", "aaab", False),
        ("*a?b*b*", "aaab", False),  # the second "b" may not reuse the first piece's
        ("*a?a?b*", "aaaaaaab", True),
        ("*a?a?b*", "ababab", False),
        ("*ab?ab*", "abab", False),
        ("*ab?ab*", "abaab", True),
        ("*ab?ab*", "abaabab", True),
    ],
)
def test_examples(pattern: str, value: str, expected: bool) -> None:
    assert compile_wildcard(pattern).fullmatch(value) is expected
    assert reference([(pattern, True)], value) is expected


def test_literal_segments_have_no_wildcards() -> None:
    # ${*} and ${?}, or a variable's value, are plain characters even in a Like pattern.
    pattern = Wildcard([("a", True), ("*", False), ("?", True)])
    assert pattern.fullmatch("a*b")
    assert not pattern.fullmatch("ab*b")
    assert Wildcard([("?", False)]).fullmatch("?")
    assert not Wildcard([("?", False)]).fullmatch("x")


@pytest.mark.parametrize("stars", [8, 40])
def test_many_stars_against_a_long_value_that_does_not_match(stars: int) -> None:
    # A backtracking regular expression took over five seconds for eight of them.
    value = "a" * 60
    assert not compile_wildcard("a*" * stars + "b").fullmatch(value)
    assert compile_wildcard("a*" * stars + "a").fullmatch(value) is (stars < 60)
    assert not compile_wildcard("*a?" * stars + "b").fullmatch(value)
    assert compile_wildcard("*a" * stars + "*").fullmatch(value) is (stars <= 60)


def test_a_long_piece_with_question_marks_against_a_long_value() -> None:
    # Its letters fit at every position and its last one nowhere: each start position would
    # cost 4,000 steps if tried in turn.
    piece = "a?" * 2_000 + "b"
    assert not compile_wildcard("*" + piece + "*").fullmatch("a" * 8_192)
    assert compile_wildcard("*" + piece + "*").fullmatch("a" * 8_000 + "b")
    assert compile_wildcard("*" + piece + "*").fullmatch("a" * 8_000 + "ab" + "a" * 100)


def test_agrees_with_the_reference_on_every_small_case() -> None:
    # Every pattern of up to five of "a", "b", "?", "*" against every value of up to six of
    # "a" and "b": what random examples find only now and then, such as a piece placed
    # where its first letter fits but its "?" and later letters do not.
    patterns = [""]
    for _ in range(5):
        patterns += [p + c for p in patterns if len(p) == len(patterns[-1]) for c in "ab?*"]
    values = [""]
    for _ in range(6):
        values += [v + c for v in values if len(v) == len(values[-1]) for c in "ab"]
    for pattern in patterns:
        compiled = compile_wildcard(pattern)
        for value in values:
            assert compiled.fullmatch(value) is reference([(pattern, True)], value), (
                pattern,
                value,
            )

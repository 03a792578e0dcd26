"""Any seed of keys, aliases and tags loads, saves and loads again to the same view."""

from __future__ import annotations

import uuid
from typing import Any

from helpers_persist import client_in, observe, saved
from hypothesis import given, settings
from hypothesis import strategies as st

from kmsmock import mock_kms

_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_TAG_KEYS = st.text("abcXYZ019_.:/=+-@ ", min_size=1, max_size=8).filter(
    lambda k: not k.lower().startswith("aws:")
)
_ALIAS = st.text("abcdefghij0123456789/_-", min_size=1, max_size=10).map(lambda s: "alias/" + s)


@st.composite
def seeds(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(0, 4))
    ids = [str(uuid.UUID(int=draw(st.integers(0, 2**128 - 1)), version=4)) for _ in range(count)]
    aliases = draw(st.lists(_ALIAS, max_size=6, unique=True))
    keys = []
    for index, key_id in enumerate(dict.fromkeys(ids)):
        key: dict[str, Any] = {"id": key_id, "description": draw(_TEXT)}
        tags = draw(st.dictionaries(_TAG_KEYS, _TEXT, max_size=3))
        if tags:
            key["tags"] = tags
        mine = aliases[index::count] if count else []
        if mine:
            key["aliases"] = mine
        if draw(st.booleans()):
            key["state"] = draw(st.sampled_from(["Disabled", "PendingDeletion"]))
        if draw(st.booleans()):
            key["rotation_period_days"] = draw(st.integers(90, 2560))
        keys.append(key)
    return {"keys": keys}


@settings(max_examples=30)
@given(seeds())
def test_a_seed_round_trips_through_a_state_document(seed: dict[str, Any]) -> None:
    with mock_kms() as first:
        first.load(seed)
        view = observe(client_in())
        document = saved(first)
    with mock_kms() as second:
        second.load(document)
        assert observe(client_in()) == view
        assert saved(second) == document

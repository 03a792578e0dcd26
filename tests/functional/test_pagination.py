"""Limit, Marker, NextMarker and Truncated across the List* operations, through boto3."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from conftest import error_of
from hypothesis import given, settings
from hypothesis import strategies as st

INVALID_MARKER = ("InvalidMarkerException", "Invalid marker")


def _walk(
    call: Callable[..., dict[str, Any]], field: str, marker: str | None = None, **kwargs: Any
) -> list[list[Any]]:
    """Every page of a listing from ``marker`` on, following NextMarker by hand; checks the
    paging fields."""
    pages: list[list[Any]] = []
    while True:
        response = call(**kwargs, **({"Marker": marker} if marker is not None else {}))
        pages.append(response[field])
        if not response["Truncated"]:
            assert "NextMarker" not in response
            return pages
        marker = response["NextMarker"]
        assert isinstance(marker, str) and marker


def _make_keys(client: BaseClient, count: int) -> list[str]:
    return [client.create_key()["KeyMetadata"]["KeyId"] for _ in range(count)]


def test_list_keys_pages_return_every_key_exactly_once(client: BaseClient) -> None:
    key_ids = _make_keys(client, 250)

    # Listing changes nothing, so every example can list the same 250 keys.
    @settings(max_examples=40, deadline=None)
    @given(limit=st.integers(min_value=1, max_value=260))
    def pages_through(limit: int) -> None:
        pages = _walk(client.list_keys, "Keys", Limit=limit)
        listed = [entry["KeyId"] for page in pages for entry in page]
        assert listed == key_ids
        assert all(len(page) == limit for page in pages[:-1])
        assert 1 <= len(pages[-1]) <= limit
        assert len(pages) == -(-250 // limit)

    pages_through()
    pages_through_7 = _walk(client.list_keys, "Keys", Limit=7)
    assert [entry["KeyId"] for page in pages_through_7 for entry in page] == key_ids
    assert [len(page) for page in pages_through_7] == [7] * 35 + [5]


def test_list_keys_entries_and_default_limit_of_100(client: BaseClient) -> None:
    key_ids = _make_keys(client, 101)

    first = client.list_keys()

    assert first["Truncated"] is True
    assert [entry["KeyId"] for entry in first["Keys"]] == key_ids[:100]
    assert first["Keys"][0] == {
        "KeyId": key_ids[0],
        "KeyArn": f"arn:aws:kms:us-east-1:123456789012:key/{key_ids[0]}",
    }
    rest = client.list_keys(Marker=first["NextMarker"])
    assert [entry["KeyId"] for entry in rest["Keys"]] == key_ids[100:]
    assert rest["Truncated"] is False
    assert "NextMarker" not in rest


def test_list_keys_with_no_keys(client: BaseClient) -> None:
    response = client.list_keys()

    assert response["Keys"] == []
    assert response["Truncated"] is False
    assert "NextMarker" not in response


def test_list_keys_limit_equal_to_count_is_not_truncated(client: BaseClient) -> None:
    key_ids = _make_keys(client, 3)

    response = client.list_keys(Limit=3)

    assert [entry["KeyId"] for entry in response["Keys"]] == key_ids
    assert response["Truncated"] is False
    assert "NextMarker" not in response


def test_keys_created_between_pages_are_listed_after(client: BaseClient) -> None:
    key_ids = _make_keys(client, 5)
    first = client.list_keys(Limit=3)

    key_ids += _make_keys(client, 2)
    rest = _walk(client.list_keys, "Keys", marker=first["NextMarker"], Limit=2)

    listed = [e["KeyId"] for e in first["Keys"]] + [e["KeyId"] for p in rest for e in p]
    assert listed == key_ids


def test_a_marker_can_be_used_again(client: BaseClient) -> None:
    _make_keys(client, 5)
    marker = client.list_keys(Limit=2)["NextMarker"]

    first = client.list_keys(Limit=2, Marker=marker)
    again = client.list_keys(Limit=2, Marker=marker)

    assert first["Keys"] == again["Keys"]


def test_botocore_paginators_see_every_item(client: BaseClient) -> None:
    key_ids = _make_keys(client, 12)
    for i, key_id in enumerate(key_ids):
        client.create_alias(AliasName=f"alias/p{i:02}", TargetKeyId=key_id)

    keys = client.get_paginator("list_keys").paginate(PaginationConfig={"PageSize": 5})
    aliases = client.get_paginator("list_aliases").paginate(PaginationConfig={"PageSize": 5})

    assert [k["KeyId"] for page in keys for k in page["Keys"]] == key_ids
    names = [a["AliasName"] for page in aliases for a in page["Aliases"]]
    assert [n for n in names if n.startswith("alias/p")] == [f"alias/p{i:02}" for i in range(12)]
    assert names == sorted(names)


@pytest.mark.parametrize(
    ("limit", "constraint"),
    [
        (0, "Member must have value greater than or equal to 1"),
        (1001, "Member must have value less than or equal to 1000"),
    ],
)
def test_list_keys_limit_out_of_range_is_rejected(
    raw_client: BaseClient, limit: int, constraint: str
) -> None:
    with pytest.raises(ClientError) as excinfo:
        raw_client.list_keys(Limit=limit)

    assert error_of(excinfo) == (
        "ValidationException",
        f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy "
        f"constraint: {constraint}",
    )


def test_list_keys_limit_1000_is_accepted(client: BaseClient) -> None:
    key_ids = _make_keys(client, 2)

    assert [k["KeyId"] for k in client.list_keys(Limit=1000)["Keys"]] == key_ids


# -- markers ------------------------------------------------------------------------------------


def _markers(client: BaseClient) -> dict[str, str]:
    """One genuine NextMarker of each paged listing."""
    key_ids = _make_keys(client, 3)
    for i in range(3):
        client.create_alias(AliasName=f"alias/m{i}", TargetKeyId=key_ids[0])
    tags = [{"TagKey": f"t{i}", "TagValue": "v"} for i in range(3)]
    client.tag_resource(KeyId=key_ids[0], Tags=tags)
    return {
        "ListKeys": client.list_keys(Limit=1)["NextMarker"],
        "ListAliases": client.list_aliases(Limit=1)["NextMarker"],
        "ListResourceTags": client.list_resource_tags(KeyId=key_ids[0], Limit=1)["NextMarker"],
        "key": key_ids[0],
    }


def _lister(client: BaseClient, listing: str, key_id: str) -> Callable[..., Any]:
    if listing == "ListKeys":
        return client.list_keys
    if listing == "ListAliases":
        return client.list_aliases
    return lambda **kwargs: client.list_resource_tags(KeyId=key_id, **kwargs)


@pytest.mark.parametrize("listing", ["ListKeys", "ListAliases", "ListResourceTags"])
def test_a_marker_of_another_listing_is_invalid(client: BaseClient, listing: str) -> None:
    markers = _markers(client)
    call = _lister(client, listing, markers["key"])

    for other in ("ListKeys", "ListAliases", "ListResourceTags"):
        if other == listing:
            call(Marker=markers[other])  # its own marker is fine
            continue
        with pytest.raises(ClientError) as excinfo:
            call(Marker=markers[other])
        assert error_of(excinfo) == INVALID_MARKER


@pytest.mark.parametrize("listing", ["ListKeys", "ListAliases", "ListResourceTags"])
def test_made_up_markers_are_invalid(client: BaseClient, listing: str) -> None:
    markers = _markers(client)
    call = _lister(client, listing, markers["key"])
    genuine = markers[listing]
    # The last: 768 "[" (1,024 base64 characters, the longest marker), too deep to decode.
    too_deep = base64.urlsafe_b64encode(b"[" * 768).decode()
    tampered = [genuine[:-4], genuine + "AAAA", genuine[::-1], "bm90IGEgbWFya2Vy", "e30=", too_deep]

    for marker in tampered:
        with pytest.raises(ClientError) as excinfo:
            call(Marker=marker)
        assert error_of(excinfo) == INVALID_MARKER, marker

    @settings(max_examples=50, deadline=None)
    @given(marker=st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), min_size=1))
    def rejected(marker: str) -> None:
        with pytest.raises(ClientError) as excinfo:
            call(Marker=marker)
        assert error_of(excinfo) == INVALID_MARKER

    rejected()


def test_deleting_aliases_between_pages_skips_nothing(client: BaseClient) -> None:
    key_id = _make_keys(client, 1)[0]
    names = [f"alias/d{i}" for i in range(9)]
    for name in names:
        client.create_alias(AliasName=name, TargetKeyId=key_id)
    first = client.list_aliases(KeyId=key_id, Limit=3)
    assert [a["AliasName"] for a in first["Aliases"]] == names[:3]

    # Delete aliases already returned, including the one the marker follows, and add one
    # that sorts before the marker (not listed) and one after it (listed).
    for name in names[:3]:
        client.delete_alias(AliasName=name)
    client.create_alias(AliasName="alias/d1a", TargetKeyId=key_id)
    client.create_alias(AliasName="alias/d2a", TargetKeyId=key_id)
    rest = _walk(client.list_aliases, "Aliases", KeyId=key_id, Limit=2, marker=first["NextMarker"])

    listed = [a["AliasName"] for page in rest for a in page]
    assert listed == ["alias/d2a", *names[3:]]


def test_a_marker_past_the_last_item_gives_an_empty_page(client: BaseClient) -> None:
    key_id = _make_keys(client, 1)[0]
    for name in ("alias/e1", "alias/e2"):
        client.create_alias(AliasName=name, TargetKeyId=key_id)
    marker = client.list_aliases(KeyId=key_id, Limit=1)["NextMarker"]
    client.delete_alias(AliasName="alias/e2")

    response = client.list_aliases(KeyId=key_id, Marker=marker)

    assert response["Aliases"] == []
    assert response["Truncated"] is False
    assert "NextMarker" not in response

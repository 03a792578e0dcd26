"""Paging as every KMS List* operation does it: Limit, Marker, NextMarker, Truncated.

A marker is opaque to the caller. Here it holds the sort key of the last item returned, tagged
with the listing it belongs to, and the next page starts at the first item that sorts after it.
Keying on the item rather than its position keeps paging correct when items are added or
removed between pages: deleting an item already returned does not make the next page skip
one, and an item removed after its marker was issued does not make the marker invalid. A
marker from another listing (or a made-up one) is refused with InvalidMarkerException.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import itertools
import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from kmsmock.aws import json_depth
from kmsmock.errors import KmsError, require_in_range

T = TypeVar("T")

# What an item sorts by; it must survive a JSON round trip (tuples come back as tuples).
SortKey = str | int | tuple[str | int, ...]

DEFAULT_LIMIT = 100
_PREFIX = "kmsmock"


def page(
    items: Sequence[T],
    params: dict[str, Any],
    listing: str,
    *,
    key: Callable[[T], SortKey] | None = None,
    default_limit: int = DEFAULT_LIMIT,
    max_limit: int = 1000,
    kind: Callable[[T], object] | None = None,
) -> tuple[Sequence[T], dict[str, Any]]:
    """The slice of ``items`` this request asks for, and the NextMarker/Truncated fields.

    ``items`` must be in ascending order of ``key``, and ``key`` must be unique among them.
    Without ``key`` the marker falls back to the item's position, which is only robust for
    listings that never lose items. ``max_limit`` is the bound AWS enforces for this listing
    when it is tighter than the model's (ListAliases: 100, ListResourceTags: 50). Items of
    different ``kind`` never share a page: a page ends (Truncated) where the kind changes.
    """
    if key is None:
        positions = range(len(items))
        chunk, paging = page_from(
            lambda after: iter(
                positions[0 if after is None else bisect.bisect_right(positions, after) :]
            ),
            params,
            listing,
            key=lambda position: position,
            default_limit=default_limit,
            max_limit=max_limit,
        )
        return [items[p] for p in chunk], paging

    def seek(after: SortKey | None) -> Iterator[T]:
        start = 0 if after is None else bisect.bisect_right(items, after, key=key)
        return itertools.islice(items, start, None)

    return page_from(
        seek,
        params,
        listing,
        key=key,
        default_limit=default_limit,
        max_limit=max_limit,
        kind=kind,
    )


def page_from(
    seek: Callable[[SortKey | None], Iterator[T]],
    params: dict[str, Any],
    listing: str,
    *,
    key: Callable[[T], SortKey],
    default_limit: int = DEFAULT_LIMIT,
    max_limit: int = 1000,
    kind: Callable[[T], object] | None = None,
) -> tuple[list[T], dict[str, Any]]:
    """Like ``page``, for listings that can start at a sort key without being built whole.

    ``seek(after)`` yields the items in ascending order of ``key``, from the first that sorts
    after ``after`` (all of them for None). Only the page and one look-ahead item are taken.
    """
    limit = params.get("Limit", default_limit)
    require_in_range("limit", limit, high=max_limit)
    marker = params.get("Marker")
    after = _decode(marker, listing) if marker is not None else None
    try:
        taken = list(itertools.islice(seek(after), limit + 1))
    except TypeError:  # a marker of this listing's name but not of its kind of key
        raise _invalid_marker() from None
    if kind is not None and taken:
        first = kind(taken[0])
        ends = next((i for i, item in enumerate(taken[:limit]) if kind(item) != first), None)
        if ends is not None:
            taken = taken[: ends + 1]
            limit = ends
    if len(taken) > limit:
        chunk = taken[:limit]
        return chunk, {"NextMarker": _encode(key(chunk[-1]), listing), "Truncated": True}
    return taken, {"Truncated": False}


_marker_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _encode(after: SortKey, listing: str) -> str:
    text = _marker_json([_PREFIX, listing, after])
    return base64.urlsafe_b64encode(text.encode()).decode()


def _decode(marker: str, listing: str) -> SortKey:
    try:
        data = base64.urlsafe_b64decode(marker.encode())
        # Only the exact text _encode made: base64 decoding alone ignores what follows padding.
        if base64.urlsafe_b64encode(data).decode() != marker:
            raise ValueError(marker)
        decoded = json_depth.loads(data.decode())
    except (ValueError, binascii.Error, UnicodeError):
        raise _invalid_marker() from None
    if not isinstance(decoded, list) or len(decoded) != 3:
        raise _invalid_marker()
    prefix, name, after = decoded
    if prefix != _PREFIX or name != listing:
        raise _invalid_marker()
    if isinstance(after, list):
        after = tuple(after)
    if not _is_sort_key(after):
        raise _invalid_marker()
    result: SortKey = after
    return result


def _is_sort_key(value: object) -> bool:
    if isinstance(value, tuple):
        return all(_is_sort_key(part) and not isinstance(part, tuple) for part in value)
    return isinstance(value, (str, int)) and not isinstance(value, bool)


def _invalid_marker() -> KmsError:
    # AWS's message was not found in any recording; the code is the one the model declares.
    return KmsError("InvalidMarkerException", "Invalid marker")

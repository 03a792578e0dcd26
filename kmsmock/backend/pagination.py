"""Paging as every KMS List* operation does it: Limit, Marker, NextMarker, Truncated.

A marker is opaque to the caller. Here it is the position after the last item returned,
tagged with the operation it belongs to, so a marker from another listing (or a made-up one)
is refused with InvalidMarkerException as AWS refuses it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any, TypeVar

from kmsmock.errors import KmsError, require_in_range

T = TypeVar("T")

DEFAULT_LIMIT = 100


def page(
    items: Sequence[T],
    params: dict[str, Any],
    listing: str,
    *,
    default_limit: int = DEFAULT_LIMIT,
    max_limit: int = 1000,
) -> tuple[Sequence[T], dict[str, Any]]:
    """The slice of ``items`` this request asks for, and the NextMarker/Truncated fields.

    ``max_limit`` is the bound AWS enforces for this listing when it is tighter than the
    model's (ListAliases: 100, ListResourceTags: 50).
    """
    limit = params.get("Limit", default_limit)
    require_in_range("limit", limit, high=max_limit)
    start = 0
    marker = params.get("Marker")
    if marker is not None:
        start = _decode(marker, listing)
    chunk = items[start : start + limit]
    end = start + len(chunk)
    if end < len(items):
        return chunk, {"NextMarker": _encode(end, listing), "Truncated": True}
    return chunk, {"Truncated": False}


def _encode(position: int, listing: str) -> str:
    return base64.urlsafe_b64encode(f"kmsmock/{listing}/{position}".encode()).decode()


def _decode(marker: str, listing: str) -> int:
    try:
        text = base64.urlsafe_b64decode(marker.encode()).decode()
        prefix, name, position = text.split("/")
        if prefix != "kmsmock" or name != listing:
            raise ValueError(text)
        return int(position)
    except (ValueError, binascii.Error, UnicodeError):
        raise KmsError("InvalidMarkerException", "Invalid marker") from None

"""Tags: TagResource, UntagResource, ListResourceTags (and the rules CreateKey shares)."""

from __future__ import annotations

from typing import Any

from kmsmock.backend.context import RequestContext
from kmsmock.backend.identifiers import resolve_key
from kmsmock.backend.keystate import changeable_key
from kmsmock.backend.pagination import page
from kmsmock.backend.state import World
from kmsmock.errors import KmsError
from kmsmock.operations.table import Params, Result, operation


def validated_tags(
    world: World, tags: list[dict[str, Any]], existing: dict[str, str]
) -> dict[str, str]:
    """``existing`` with ``tags`` applied, or AWS's TagException (nothing is changed); at most
    ``Limits.tags_per_key`` tags."""
    seen: set[str] = set()
    for tag in tags:
        name = tag["TagKey"]
        if name.lower().startswith("aws:"):
            raise KmsError("TagException", "Tags beginning with aws: are reserved")
        if name in seen:
            raise KmsError("TagException", "Duplicate tag keys")
        seen.add(name)
    merged = dict(existing)
    merged.update((tag["TagKey"], tag.get("TagValue", "")) for tag in tags)
    if len(merged) > world.settings.limits.tags_per_key:
        raise KmsError("TagException", "Too many tags")
    return merged


@operation("TagResource")
def tag_resource(context: RequestContext, params: Params) -> Result:
    key = changeable_key(context, params["KeyId"])
    key.tags = validated_tags(context.world, params["Tags"], key.tags or {})
    return {}


@operation("UntagResource")
def untag_resource(context: RequestContext, params: Params) -> Result:
    key = changeable_key(context, params["KeyId"])
    names = params["TagKeys"]
    if any(name.lower().startswith("aws:") for name in names):
        raise KmsError("TagException", "Tags beginning with aws: are reserved")
    for name in names:
        if key.tags:
            key.tags.pop(name, None)
    return {}


@operation("ListResourceTags")
def list_resource_tags(context: RequestContext, params: Params) -> Result:
    key = resolve_key(context, params["KeyId"])
    # Sorted by key: the recordings (LS-snap) are consistent with both sorted and insertion
    # order, and sorting gives markers a stable order to resume from.
    held = key.tags or {}
    tags = [{"TagKey": k, "TagValue": held[k]} for k in sorted(held)]
    chunk, paging = page(
        tags, params, "ListResourceTags", key=_tag_key, default_limit=50, max_limit=50
    )
    return {"Tags": list(chunk), **paging}


def _tag_key(tag: dict[str, str]) -> str:
    return tag["TagKey"]

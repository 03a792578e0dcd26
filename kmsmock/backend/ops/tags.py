"""Tags: TagResource, UntagResource, ListResourceTags (and the rules CreateKey shares)."""

from __future__ import annotations

from typing import Any

from kmsmock.backend.context import RequestContext
from kmsmock.backend.identifiers import resolve_key
from kmsmock.backend.keystate import changeable_key
from kmsmock.backend.pagination import page
from kmsmock.backend.registry import Params, Result, operation
from kmsmock.errors import KmsError

MAX_TAGS = 50


def validated_tags(tags: list[dict[str, Any]], existing: dict[str, str]) -> dict[str, str]:
    """``existing`` with ``tags`` applied, or AWS's TagException (nothing is changed)."""
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
    if len(merged) > MAX_TAGS:
        raise KmsError("TagException", "Too many tags")
    return merged


@operation("TagResource")
def tag_resource(context: RequestContext, params: Params) -> Result:
    key = changeable_key(context, params["KeyId"])
    key.tags = validated_tags(params["Tags"], key.tags)
    return {}


@operation("UntagResource")
def untag_resource(context: RequestContext, params: Params) -> Result:
    key = changeable_key(context, params["KeyId"])
    names = params["TagKeys"]
    if any(name.lower().startswith("aws:") for name in names):
        raise KmsError("TagException", "Tags beginning with aws: are reserved")
    for name in names:
        key.tags.pop(name, None)
    return {}


@operation("ListResourceTags")
def list_resource_tags(context: RequestContext, params: Params) -> Result:
    key = resolve_key(context, params["KeyId"])
    tags = [{"TagKey": k, "TagValue": v} for k, v in key.tags.items()]
    chunk, paging = page(tags, params, "ListResourceTags", default_limit=50)
    return {"Tags": list(chunk), **paging}

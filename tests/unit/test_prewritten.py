"""Listings written from templates (kmsmock/backend/prewritten.py): byte for byte what the
JSON encoder would have written, and the encoder's path when a value would need escaping."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kmsmock.backend.state import World
from kmsmock.protocol.service import serve

ACCOUNT = "123456789012"


def _call(world: World, operation: str, region: str, **params: object) -> Any:
    status, _, body = serve(
        world, operation, json.dumps(params).encode(), account=ACCOUNT, region=region
    )
    assert status == 200, body
    # What the encoder makes of the parsed body is the body itself: same members, same order,
    # same spelling of every string and number.
    parsed = json.loads(body)
    assert json.dumps(parsed, separators=(",", ":")).encode() == body
    return parsed


def _world(region: str) -> World:
    world = World()
    for index in range(5):
        key = _call(world, "CreateKey", region, MultiRegion=index == 0)["KeyMetadata"]
        _call(world, "CreateAlias", region, AliasName=f"alias/a-{index}", TargetKeyId=key["KeyId"])
    _call(world, "DescribeKey", region, KeyId="alias/aws/ebs")  # binds an AWS managed alias
    return world


def _every_page(world: World, operation: str, member: str, limit: int) -> list[Any]:
    page = _call(world, operation, "eu-west-1", Limit=limit)
    seen = list(page[member])
    while page["Truncated"]:
        page = _call(world, operation, "eu-west-1", Limit=limit, Marker=page["NextMarker"])
        seen += page[member]
    return seen


@pytest.mark.parametrize("limit", [1, 2, 100])
def test_list_keys_pages_are_what_the_encoder_writes(limit: int) -> None:
    seen = _every_page(_world("eu-west-1"), "ListKeys", "Keys", limit)
    assert len(seen) == 6
    for entry in seen:
        assert entry["KeyArn"] == f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/{entry['KeyId']}"


@pytest.mark.parametrize("limit", [1, 7, 100])
def test_list_aliases_pages_are_what_the_encoder_writes(limit: int) -> None:
    seen = _every_page(_world("eu-west-1"), "ListAliases", "Aliases", limit)
    names = [entry["AliasName"] for entry in seen]
    assert names == sorted(names) and len(names) == len(set(names))
    bound = [entry for entry in seen if "TargetKeyId" in entry]
    assert {entry["AliasName"] for entry in bound} >= {"alias/a-0", "alias/aws/ebs"}
    assert all(isinstance(entry["CreationDate"], float) for entry in bound)


def test_a_value_that_needs_escaping_takes_the_encoders_path() -> None:
    # No real Region has a quote in its name; kmsmock's server would still pass one through
    # from a request's credential scope, and the listing must stay valid JSON.
    region = 'us-"odd\\'
    world = _world(region)
    [first] = _call(world, "ListKeys", region, Limit=1)["Keys"]
    assert first["KeyArn"].startswith(f"arn:aws:kms:{region}:")
    aliases = _call(world, "ListAliases", region)["Aliases"]
    assert any(
        entry["AliasArn"] == f"arn:aws:kms:{region}:{ACCOUNT}:alias/a-1" for entry in aliases
    )

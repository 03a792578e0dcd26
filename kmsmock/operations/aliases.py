"""Aliases: CreateAlias, UpdateAlias, DeleteAlias, ListAliases."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from typing import Any

from kmsmock.backend import managed
from kmsmock.backend.authorize import authorize_key
from kmsmock.backend.context import RequestContext
from kmsmock.backend.identifiers import resolve_key
from kmsmock.backend.keys import Key
from kmsmock.backend.keystate import changeable_key
from kmsmock.backend.pagination import SortKey, page, page_from
from kmsmock.backend.prewritten import Prewritten, is_plain_json_text
from kmsmock.backend.state import Alias, AliasTable
from kmsmock.errors import KmsError
from kmsmock.operations.table import Params, Result, operation

_ALIAS_DOCS = "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html"


def _check_name(name: str) -> None:
    if not name.startswith("alias/"):
        raise KmsError(
            "ValidationException",
            f'Alias must start with the prefix "alias/". Please see {_ALIAS_DOCS}',
        )
    # The model's pattern allows ':', but AWS rejects it (recorded in
    # hashicorp/terraform-provider-aws#12891).
    if ":" in name:
        raise KmsError("ValidationException", f"{name} contains invalid characters for an alias")
    if name.startswith(managed.PREFIX):
        raise KmsError("NotAuthorizedException", "")


def _not_found(context: RequestContext, name: str) -> KmsError:
    # AWS names the alias by its ARN, unquoted (the form DescribeKey gives an unknown alias).
    return KmsError("NotFoundException", f"Alias {context.arn(name)} is not found.")


def _target(context: RequestContext, params: Params) -> Key:
    key = changeable_key(context, params["TargetKeyId"])
    return key


@operation("CreateAlias")
def create_alias(context: RequestContext, params: Params) -> Result:
    name = params["AliasName"]
    _check_name(name)
    here = context.here
    arn = context.arn(name)
    if name in here.aliases:
        raise KmsError("AlreadyExistsException", f"An alias with the name {arn} already exists")
    key = _target(context, params)
    limit = context.world.settings.limits.aliases_per_key
    if here.aliases.count_of_key(key.key_id) >= limit:
        raise KmsError(
            "LimitExceededException",
            f"Too many aliases for the key {key.arn}: the limit is {limit}.",
        )
    here.aliases.add(Alias(name, arn, key.key_id, context.now, context.now))
    return {}


@operation("UpdateAlias")
def update_alias(context: RequestContext, params: Params) -> Result:
    name = params["AliasName"]
    _check_name(name)
    alias = context.here.aliases.get(name)
    if alias is None:
        raise _not_found(context, name)
    # Only the new target's state matters: an alias may be moved off a key pending deletion.
    key = _target(context, params)
    current = context.here.keys[alias.target_key_id]
    if (_kind(current), current.key_usage) != (_kind(key), key.key_usage):
        raise KmsError(
            "ValidationException",
            f"Alias {name} cannot be changed from a key of type {current.key_spec} and usage "
            f"{current.key_usage} to a key of type {key.key_spec} and usage {key.key_usage}.",
        )
    context.here.aliases.retarget(name, key.key_id, context.now)
    context.world.touch(current)  # it loses the alias, unresolved: noted for World.touch
    return {}


def _kind(key: Key) -> str:
    """The key "type" UpdateAlias compares: symmetric, HMAC or asymmetric. AWS lets an alias
    move between asymmetric families (RSA to ECC) when the usage is the same."""
    if key.key_spec == "SYMMETRIC_DEFAULT":
        return "symmetric"
    return "HMAC" if key.key_spec.startswith("HMAC") else "asymmetric"


@operation("DeleteAlias")
def delete_alias(context: RequestContext, params: Params) -> Result:
    name = params["AliasName"]
    _check_name(name)
    here = context.here
    alias = here.aliases.get(name)
    if alias is None:
        raise _not_found(context, name)
    # Deleting an alias needs permission on the key it points to (the key policy).
    authorize_key(context, here.keys[alias.target_key_id])
    here.aliases.remove(name)
    return {}


@operation("ListAliases")
def list_aliases(context: RequestContext, params: Params) -> Result:
    here = context.here
    if "KeyId" in params:
        key = resolve_key(context, params["KeyId"])
        entries = [_entry(a) for a in here.aliases.of_key(key.key_id)]
        chunk, paging = page(
            entries, params, "ListAliases", key=_entry_name, default_limit=50, max_limit=100
        )
        return {"Aliases": list(chunk), **paging}

    def seek(after: SortKey | None) -> Iterator[str]:
        # AWS lists the aliases of AWS managed keys its services have not created yet, with no
        # TargetKeyId; naming one (DescribeKey, Encrypt...) creates the key and binds it.
        if after is not None and not isinstance(after, str):
            raise TypeError(after)
        unbound = [
            name
            for name in _PREDEFINED
            if name not in here.aliases and (after is None or name > after)
        ]
        return heapq.merge(here.aliases.names_after(after), unbound)

    names, paging = page_from(
        seek, params, "ListAliases", key=_itself, default_limit=50, max_limit=100
    )
    prefix = context.arn("")
    if is_plain_json_text(prefix):
        return Prewritten(paging, {"Aliases": _entries_json(here.aliases, names, prefix)})
    found = [(name, here.aliases.get(name)) for name in names]
    return {
        "Aliases": [
            {"AliasName": n, "AliasArn": prefix + n} if a is None else _entry(a) for n, a in found
        ],
        **paging,
    }


def _itself(name: str) -> SortKey:
    return name


def _entries_json(aliases: AliasTable, names: list[str], prefix: str) -> str:
    """A page's entries as the encoder would write them, at a fraction of its cost (it was
    most of the request). Alias names and key IDs need no escaping: CreateAlias and seed files
    take only letters, digits, '/', '_' and '-' in names, and key IDs are UUIDs or mrk- IDs.
    Dates are written as the encoder writes a float (its repr)."""
    entries = []
    for name in names:
        alias = aliases.get(name)
        if alias is None:
            entries.append(f'{{"AliasName":"{name}","AliasArn":"{prefix}{name}"}}')
        else:
            entries.append(
                f'{{"AliasName":"{name}","AliasArn":"{alias.arn}",'
                f'"TargetKeyId":"{alias.target_key_id}",'
                f'"CreationDate":{alias.created.timestamp()!r},'
                f'"LastUpdatedDate":{alias.updated.timestamp()!r}}}'
            )
    return "[" + ",".join(entries) + "]"


_PREDEFINED = sorted(managed.PREFIX + service for service in managed.DESCRIPTIONS)


def _entry_name(entry: dict[str, Any]) -> SortKey:
    name: str = entry["AliasName"]
    return name


def _entry(alias: Alias) -> dict[str, Any]:
    return {
        "AliasName": alias.name,
        "AliasArn": alias.arn,
        "TargetKeyId": alias.target_key_id,
        "CreationDate": alias.created,
        "LastUpdatedDate": alias.updated,
    }

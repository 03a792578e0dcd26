"""Aliases: CreateAlias, UpdateAlias, DeleteAlias, ListAliases."""

from __future__ import annotations

from typing import Any

from kmsmock.backend import managed
from kmsmock.backend.context import RequestContext
from kmsmock.backend.identifiers import resolve_key
from kmsmock.backend.keystate import changeable_key
from kmsmock.backend.pagination import page
from kmsmock.backend.registry import Params, Result, operation
from kmsmock.backend.state import Alias, Key
from kmsmock.errors import KmsError

MAX_ALIASES_PER_KEY = 50
_ALIAS_DOCS = "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html"


def _check_name(name: str) -> None:
    if not name.startswith("alias/"):
        raise KmsError(
            "ValidationException",
            f'Alias must start with the prefix "alias/". Please see {_ALIAS_DOCS}',
        )
    if name.startswith(managed.PREFIX):
        raise KmsError("NotAuthorizedException", "")


def _aliases_of(context: RequestContext, key: Key) -> list[Alias]:
    return [a for a in context.here.aliases.values() if a.target_key_id == key.key_id]


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
    if len(_aliases_of(context, key)) >= MAX_ALIASES_PER_KEY:
        raise KmsError(
            "LimitExceededException",
            f"Too many aliases for the key {key.arn}: the limit is {MAX_ALIASES_PER_KEY}.",
        )
    here.aliases[name] = Alias(name, arn, key.key_id, context.now, context.now)
    return {}


@operation("UpdateAlias")
def update_alias(context: RequestContext, params: Params) -> Result:
    name = params["AliasName"]
    _check_name(name)
    alias = context.here.aliases.get(name)
    if alias is None:
        raise KmsError("NotFoundException", f"Alias '{context.arn(name)}' is not found.")
    key = _target(context, params)
    current = context.here.keys[alias.target_key_id]
    if (current.key_spec, current.key_usage) != (key.key_spec, key.key_usage):
        raise KmsError(
            "ValidationException",
            f"Alias {name} cannot be changed from a key of type {current.key_spec} and usage "
            f"{current.key_usage} to a key of type {key.key_spec} and usage {key.key_usage}.",
        )
    alias.target_key_id = key.key_id
    alias.updated = context.now
    return {}


@operation("DeleteAlias")
def delete_alias(context: RequestContext, params: Params) -> Result:
    name = params["AliasName"]
    _check_name(name)
    if context.here.aliases.pop(name, None) is None:
        raise KmsError("NotFoundException", f"Alias '{context.arn(name)}' is not found.")
    return {}


@operation("ListAliases")
def list_aliases(context: RequestContext, params: Params) -> Result:
    aliases = sorted(context.here.aliases.values(), key=lambda a: a.name)
    if "KeyId" in params:
        key = resolve_key(context, params["KeyId"])
        aliases = [a for a in aliases if a.target_key_id == key.key_id]
    chunk, paging = page(aliases, params, "ListAliases", default_limit=50, max_limit=100)
    return {"Aliases": [_entry(a) for a in chunk], **paging}


def _entry(alias: Alias) -> dict[str, Any]:
    return {
        "AliasName": alias.name,
        "AliasArn": alias.arn,
        "TargetKeyId": alias.target_key_id,
        "CreationDate": alias.created,
        "LastUpdatedDate": alias.updated,
    }

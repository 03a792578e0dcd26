"""The one resolver of key identifiers: key ID, key ARN, alias name, alias ARN.

Each operation says which forms it accepts (AWS lets only the cryptographic operations and
DescribeKey/GetPublicKey name a key by alias). An ID or alias name resolves in the caller's
own account and region; an ARN names its account, and must name the caller's region.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from kmsmock.backend import managed
from kmsmock.backend.audit import read_only
from kmsmock.backend.authorize import authorize_key
from kmsmock.backend.context import RequestContext
from kmsmock.backend.keys import Key
from kmsmock.backend.state import RegionState
from kmsmock.errors import KmsError

_KEY_ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_MRK_ID = re.compile(r"mrk-[0-9a-fA-F]{32}")


# AWS's answer when an operation that takes only a key ID or key ARN is given an alias.
def _aliases_not_supported() -> KmsError:
    return KmsError("InvalidArnException", "Key Aliases are not supported for this operation.")


class Arn(NamedTuple):
    partition: str
    region: str
    account: str
    resource_type: str  # "key" or "alias"
    resource: str  # key ID, or the alias name with its "alias/" prefix


def parse_arn(value: str) -> Arn | None:
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "kms":
        return None
    resource = parts[5]
    kind, _, rest = resource.partition("/")
    if kind not in ("key", "alias") or not rest:
        return None
    return Arn(parts[1], parts[3], parts[4], kind, resource if kind == "alias" else rest)


def is_key_id(value: str) -> bool:
    return bool(_KEY_ID.fullmatch(value) or _MRK_ID.fullmatch(value))


def resolve_key(
    context: RequestContext,
    value: str,
    *,
    alias: bool = False,
    action: str | None = None,
    authorize: bool = True,
) -> Key:
    """The key ``value`` names, once the caller is authorized to perform ``action`` (the
    operation's own by default) on it; AWS's NotFoundException or AccessDeniedException if not.

    ``alias`` says whether the operation accepts an alias name or alias ARN; ``authorize=False``
    is for the one operation whose permission no policy gives (RetireGrant: the grant does).
    """
    if value.startswith("arn:"):
        arn = parse_arn(value)
        if arn is None:
            raise KmsError("NotFoundException", f"Invalid arn {value}")
        if arn.region != context.region:
            raise KmsError("NotFoundException", f"Invalid arn {arn.region}")
        if arn.resource_type == "alias" and not alias:
            raise _aliases_not_supported()
        where = context.world.region(arn.account, arn.region, context.partition)
        if arn.resource_type == "alias":
            key = _by_alias(context, where, arn.resource)
            request_alias: str | None = arn.resource
        else:
            key = _by_id(context, where, arn.resource)
            request_alias = None
    elif value.startswith("alias/"):
        if not alias:
            raise _aliases_not_supported()
        key = _by_alias(context, context.here, value)
        request_alias = value
    else:
        key = _by_id(context, context.here, value)
        request_alias = None
    # For a durable server's journal (World.touch).
    context.world.touch(key, read=read_only(context.operation))
    # A key in another account is found only by ARN; whether it may be used, the policies say.
    if authorize:
        authorize_key(context, key, action=action, request_alias=request_alias)
    return key


def access_denied(context: RequestContext, key_arn: str) -> KmsError:
    """AWS's answer when no resource-based policy lets the caller in (an AWS managed key's
    policy for changes to it, say)."""
    action = f"kms:{context.operation}"
    return KmsError(
        "AccessDeniedException",
        f"User: {context.principal_arn} is not authorized to perform: {action} on resource: "
        f"{key_arn} because no resource-based policy allows the {action} action",
    )


def _by_id(context: RequestContext, where: RegionState, key_id: str) -> Key:
    if not is_key_id(key_id):
        raise KmsError("NotFoundException", f"Invalid keyId '{key_id}'")
    key = where.keys.get(key_id)
    if key is None:
        arn = context.arn(f"key/{key_id}", account=where.account)
        raise KmsError("NotFoundException", f"Key '{arn}' does not exist")
    return key


def _by_alias(context: RequestContext, where: RegionState, name: str) -> Key:
    entry = where.aliases.get(name)
    # AWS managed keys are made on first use by their own account only: they cannot be used
    # from another account, so a reference from one must not create them.
    if entry is None and managed.is_managed_alias(name) and where.account == context.account:
        return managed.get_or_create(context, where, name)
    if entry is None:
        arn = context.arn(name, account=where.account)
        raise KmsError("NotFoundException", f"Alias {arn} is not found.")
    return where.keys[entry.target_key_id]

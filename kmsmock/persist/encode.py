"""A World as a JSON-able document (the state file format, docs/seed-files.md).

Everything a later request could observe is written, except what docs/seed-files.md lists
as not saved: the audit log, injected faults, quotas, authorization decisions, custom key
store connection faults, and import tokens (GetParametersForImport answers). The lifecycle
queue is not written either: it is rebuilt from each key's dates when the file is loaded.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from kmsmock.backend.keys import Key, KeyMaterial
from kmsmock.backend.lifecycle import SETTLED
from kmsmock.backend.state import World
from kmsmock.persist.fields import encode_base64, format_date
from kmsmock.persist.pem import private_key_pem
from kmsmock.persist.seeded import SeededKey
from kmsmock.persist.settings_fields import settings_fields

if TYPE_CHECKING:
    from kmsmock.backend.key_store_state import CustomKeyStore
    from kmsmock.backend.keys import Grant
    from kmsmock.policy.model import Caller

FORMAT = "kmsmock-state"
VERSION = 1


def world_to_document(world: World) -> dict[str, Any]:
    """``world`` as a state document (call it under ``world.lock`` if requests may run)."""
    with world.lock:
        settles = _settling(world)
        keys = sorted(
            (key for state in world.regions.values() for key in state.keys.values()),
            key=lambda key: key.seq,
        )
        stores = sorted(
            (
                (store, state.account, state.region)
                for state in world.regions.values()
                for store in state.custom_key_stores.values()
            ),
            key=lambda found: found[0].seq,
        )
        access = world.access
        document: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "secret": encode_base64(world.secret),
            "enforce_policies": access.enforce,
            **settings_fields(world.settings),
        }
        document["custom_key_stores"] = [store_entry(*found) for found in stores]
        document["keys"] = [key_entry(world, key, settles.get(id(key))) for key in keys]
        document["principals"] = [
            _principal(access_key, caller, access.secret_keys.get(access_key))
            for access_key, caller in access.callers.items()
        ]
        document["identity_policies"] = {
            arn: list(texts) for arn, texts in access.identity_policies.items()
        }
        return document


def _settling(world: World) -> dict[int, datetime]:
    """When each key that is Creating or Updating becomes ready (its live queue entry)."""
    found: dict[int, datetime] = {}
    for at, _, key, version, kind in world.due:
        if kind == SETTLED and version == key.schedule_version:
            found[id(key)] = at
    return found


def _dates(entry: dict[str, Any], **dates: datetime | None) -> None:
    for name, value in dates.items():
        if value is not None:
            entry[name] = format_date(value)


def settles_at(world: World, key: Key) -> datetime | None:
    """When ``key``, if Creating or Updating, becomes ready (None for any other key)."""
    if key.state not in ("Creating", "Updating"):
        return None  # only those keys wait for a SETTLED entry: no need to scan the queue
    return _settling(world).get(id(key))


def key_entry(world: World, key: Key, settles_at: datetime | None) -> dict[str, Any]:
    """``key`` as an entry of a state file's ``keys`` (its aliases included)."""
    entry: dict[str, Any] = {
        "id": key.key_id,
        "account": key.account,
        "region": key.region,
        "seq": key.seq,
        "created": format_date(key.created),
        "description": key.description,
        "spec": key.key_spec,
        "usage": key.key_usage,
        "origin": key.origin,
        "manager": key.key_manager,
        "state": key.state,
        "policy": key.policy,
    }
    if key.tags:
        entry["tags"] = dict(key.tags)
    where = world.regions[(key.account, key.region)]
    aliases = where.aliases.of_key(key.key_id)
    if aliases:
        entry["aliases"] = [
            {"name": a.name, "created": format_date(a.created), "updated": format_date(a.updated)}
            for a in aliases
        ]
    if isinstance(key, SeededKey):
        entry["material"] = encode_base64(key.fixed_secret)
        entry["material_id"] = key.fixed_id
    private = key.private_key
    if private is not None:
        entry["private_key_pem"] = private_key_pem(private)
    imported = key.imported
    if imported is not None:
        saved: dict[str, Any] = {}
        if imported.secret is not None:
            saved["material"] = encode_base64(imported.secret)
        for name in ("material_id", "description", "expiration_model"):
            value = getattr(imported, name)
            if value is not None:
                saved[name] = value
        _dates(saved, valid_to=imported.valid_to)
        if imported.pending is not None:
            saved["pending"] = _material(imported.pending, with_type=False)
        entry["imported"] = saved
    if key.rotations:
        entry["rotations"] = [_material(material) for material in key.rotations]
    _dates(entry, deletion_date=key.deletion_date)
    if key.pending_window_days is not None:
        entry["pending_window_days"] = key.pending_window_days
    if key.rotation_period_days is not None:
        entry["rotation_period_days"] = key.rotation_period_days
    _dates(entry, next_rotation=key.next_rotation)
    if key.on_demand_rotations:
        entry["on_demand_rotations"] = key.on_demand_rotations
    if key.last_used is not None:
        operation, at, request_id = key.last_used
        entry["last_used"] = {
            "operation": operation,
            "at": format_date(at),
            "request_id": request_id,
        }
    store = key.custom_key_store
    if store is not None:
        entry["custom_key_store_id"] = store.store_id
    if key.xks_key_id is not None:
        entry["xks_key_id"] = key.xks_key_id
    if key.grants:
        entry["grants"] = [_grant(grant) for grant in key.grants.values()]
    mrk = key.mrk
    if mrk is not None:
        entry["multi_region"] = {
            "primary_region": mrk.primary_region,
            "regions": list(mrk.members),
        }
    _dates(entry, settles_at=settles_at)
    return entry


def _material(material: KeyMaterial, *, with_type: bool = True) -> dict[str, Any]:
    entry: dict[str, Any] = {"created": format_date(material.created)}
    if with_type and material.rotation_type is not None:
        entry["rotation_type"] = material.rotation_type
    if material.imported_secret is not None:
        entry["material"] = encode_base64(material.imported_secret)
    if material.imported_id is not None:
        entry["material_id"] = material.imported_id
    return entry


def _grant(grant: Grant) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": grant.grant_id,
        "seq": grant.seq,
        "created": format_date(grant.created),
        "grantee_principal": grant.grantee_principal,
        "issuing_account": grant.issuing_account,
        "operations": list(grant.operations),
    }
    if grant.name is not None:
        entry["name"] = grant.name
    if grant.retiring_principal is not None:
        entry["retiring_principal"] = grant.retiring_principal
    if grant.constraints is not None:
        entry["constraints"] = {kind: dict(pairs) for kind, pairs in grant.constraints.items()}
    return entry


# CustomKeyStore attribute -> field name in the file (the same, but spelled for the file).
STORE_FIELDS = (
    "connection_state",
    "connection_error",
    "cluster_id",
    "trust_anchor",
    "password",
    "connectivity",
    "uri_endpoint",
    "uri_path",
    "vpc_service_name",
    "vpc_service_owner",
    "access_key_id",
    "secret_access_key",
)


def store_entry(store: CustomKeyStore, account: str, region: str) -> dict[str, Any]:
    """``store`` as an entry of a state file's ``custom_key_stores``."""
    entry: dict[str, Any] = {
        "id": store.store_id,
        "account": account,
        "region": region,
        "name": store.name,
        "type": store.store_type,
        "seq": store.seq,
        "created": format_date(store.created),
    }
    for name in STORE_FIELDS:
        value = getattr(store, name)
        if value is not None:
            entry[name] = value
    entry["key_ids"] = list(store.key_ids)
    entry["xks_keys"] = dict(store.xks_keys)
    return entry


def _principal(access_key: str, caller: Caller, secret: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"access_key_id": access_key}
    if secret is not None:
        entry["secret_access_key"] = secret
    if caller.principal_type == "AssumedRole":
        entry["arn"] = caller.principal_arn
        entry["session_name"] = caller.arn.rsplit("/", 1)[1]
    else:
        entry["arn"] = caller.arn
    if caller.via_service is not None:
        entry["via_service"] = caller.via_service
    if caller.tags:
        entry["tags"] = dict(caller.tags)
    return entry

"""What ties a key to other things in a document: its custom key store, its multi-Region set,
its grants and aliases, and private keys shared between related keys."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kmsmock.backend.keys import Key, MultiRegionSet
from kmsmock.backend.state import Alias, RegionState, World
from kmsmock.errors import KmsError
from kmsmock.persist.fields import Entry, Place

if TYPE_CHECKING:
    from kmsmock.crypto.asymmetric import PrivateKey

_GRANT_FIELDS = (
    "id",
    "seq",
    "created",
    "grantee_principal",
    "issuing_account",
    "operations",
    "name",
    "retiring_principal",
    "constraints",
)
_ALIAS_FIELDS = ("name", "created", "updated")
_GRANT_ID = re.compile(r"[0-9a-f]{64}")
# The model's AliasName pattern (its length is 1 to 256).
_ALIAS_NAME = re.compile(r"alias/[a-zA-Z0-9/_-]{1,250}")
_STORE_ORIGIN = {"AWS_CLOUDHSM": "AWS_CLOUDHSM", "EXTERNAL_KEY_STORE": "EXTERNAL_KEY_STORE"}


class _Member:
    def __init__(self, key: Key, entry: Entry) -> None:
        self.key = key
        self.entry = entry
        info = entry.entry("multi_region", ("primary_region", "regions"))
        self.primary_region = info.text("primary_region") if info is not None else None
        self.regions = info.strings("regions") if info is not None else None
        self.place = entry.place


class Relations:
    def __init__(self, world: World, now: datetime, seq: Callable[[Entry, Any], None]) -> None:
        self.world = world
        self.now = now
        self.seq = seq
        self.ids: dict[tuple[str, str], Place] = {}  # (account, single-Region key ID)
        self.sets: dict[tuple[str, str], list[_Member]] = {}  # (account, mrk ID)
        self.pems: dict[str, PrivateKey] = {}

    def private_key(self, pem: str, spec: str, place: Place) -> PrivateKey:
        """One object per PEM: the members of a multi-Region set share their private key."""
        from kmsmock.persist.pem import load_private_key

        known = self.pems.get(pem)
        if known is None:
            known = self.pems[pem] = load_private_key(pem, spec, place)
        return known

    def add_key(self, entry: Entry, key: Key, where: RegionState) -> None:
        if key.key_id in where.keys:
            entry.fail("id", f"duplicate key ID {key.key_id} in {key.account} {key.region}")
        if key.multi_region:
            self.sets.setdefault((key.account, key.key_id), []).append(_Member(key, entry))
        else:
            # A ciphertext names its key by account and ID, not Region: an ID is the
            # account's, as AWS's are.
            earlier = self.ids.get((key.account, key.key_id))
            if earlier is not None:
                entry.fail("id", f"duplicate key ID {key.key_id} (also at {earlier.path})")
            self.ids[(key.account, key.key_id)] = entry.place
            if entry.entry("multi_region", ("primary_region", "regions")) is not None:
                entry.fail("multi_region", "is only for multi-Region keys (IDs 'mrk-...')")
        where.keys[key.key_id] = key

    def store_of(self, entry: Entry, key: Key) -> None:
        store_id = entry.text("custom_key_store_id")
        xks_key_id = entry.text("xks_key_id")
        store_type = _STORE_ORIGIN.get(key.origin)
        if store_type is None:
            if store_id is not None or xks_key_id is not None:
                name = "custom_key_store_id" if store_id is not None else "xks_key_id"
                entry.fail(name, f"is not valid for a key with origin {key.origin}")
            return
        if store_id is None:
            entry.place.fail(f"a key with origin {key.origin} needs 'custom_key_store_id'")
        if key.key_spec != "SYMMETRIC_DEFAULT" or key.multi_region:
            entry.fail("custom_key_store_id", "only single-Region SYMMETRIC_DEFAULT keys")
        state = self.world.regions.get((key.account, key.region))
        store = state.custom_key_stores.get(store_id) if state is not None else None
        if store is None:
            entry.fail(
                "custom_key_store_id",
                f"no custom key store {store_id!r} in {key.account} {key.region} "
                "(list it in 'custom_key_stores' first)",
            )
        if store.store_type != store_type:
            entry.fail(
                "custom_key_store_id",
                f"store {store_id} is {store.store_type}, not valid for origin {key.origin}",
            )
        if (xks_key_id is None) == (key.origin == "EXTERNAL_KEY_STORE"):
            entry.place.fail(
                "'xks_key_id' is required for origin EXTERNAL_KEY_STORE, and only there"
            )
        key.custom_key_store = store
        store.key_ids[key.key_id] = None
        if xks_key_id is not None:
            holder = store.xks_keys.get(xks_key_id)
            if holder is not None and holder != key.key_id:
                entry.fail("xks_key_id", f"{xks_key_id} is already the external key of {holder}")
            key.xks_key_id = xks_key_id
            store.xks_keys[xks_key_id] = key.key_id

    def grants(self, entry: Entry, key: Key) -> None:
        from kmsmock.backend.grant_tokens import new_grant_id
        from kmsmock.backend.keys import Grant
        from kmsmock.operations.grants import checked_constraints, checked_operations

        seen_ids = set()
        for place, item in entry.array("grants"):
            given = Entry(item, place, _GRANT_FIELDS, ("grantee_principal", "operations"))
            grant_id = given.text("id") or new_grant_id()
            if not _GRANT_ID.fullmatch(grant_id):
                given.fail("id", f"must be 64 lowercase hex digits; got {grant_id!r}")
            if grant_id in seen_ids:
                given.fail("id", f"duplicate grant ID {grant_id}")
            seen_ids.add(grant_id)
            requested = given.strings("operations") or []
            constraints = given.raw("constraints")
            if constraints is not None and not isinstance(constraints, dict):
                given.fail("constraints", "must be an object")
            try:
                operations = checked_operations(key, requested)
                chosen = checked_constraints(key, operations, constraints)
            except KmsError as error:
                given.place.fail(f"{error.code}: {error.message}")
            grant = Grant(
                grant_id=grant_id,
                key_arn=key.arn,
                seq=0,
                created=given.date("created") or self.now,
                grantee_principal=given.required_text("grantee_principal"),
                issuing_account=given.text(
                    "issuing_account", f"arn:{key.partition}:iam::{key.account}:root"
                )
                or "",
                operations=operations,
                name=given.text("name"),
                retiring_principal=given.text("retiring_principal"),
                constraints=chosen,
            )
            self.seq(given, grant)
            if key.grants is None:
                key.grants = {}
            key.grants[grant_id] = grant

    def aliases(self, entry: Entry, key: Key, where: RegionState) -> None:
        from kmsmock.backend import managed

        for count, (place, item) in enumerate(entry.array("aliases"), 1):
            if isinstance(item, str):
                name, created, updated = item, self.now, None
            else:
                given = Entry(item, place, _ALIAS_FIELDS, ("name",))
                name = given.required_text("name")
                created = given.date("created") or self.now
                updated = given.date("updated")
            if not _ALIAS_NAME.fullmatch(name):
                place.fail(
                    "an alias name is 'alias/' and up to 250 letters, digits, '/', '_' and "
                    f"'-'; got {name!r}"
                )
            if name.startswith(managed.PREFIX) and not (
                key.key_manager == "AWS" and managed.is_managed_alias(name)
            ):
                place.fail(
                    f"{name}: names starting with {managed.PREFIX} belong to AWS managed keys "
                    '("manager": "AWS") of the services kmsmock knows'
                )
            if name in where.aliases:
                place.fail(f"duplicate alias {name} in {key.account} {key.region}")
            limit = self.world.settings.limits.aliases_per_key
            if count > limit:
                place.fail(f"a key has at most {limit} aliases")
            arn = f"arn:{key.partition}:kms:{key.region}:{key.account}:{name}"
            where.aliases.add(Alias(name, arn, key.key_id, created, updated or created))

    def finish(self) -> None:
        """Every multi-Region key of the document is known: make each set."""
        from kmsmock.backend.usage import private_key

        for members in self.sets.values():
            first = members[0]
            primaries = {m.primary_region for m in members if m.primary_region is not None}
            if len(primaries) > 1:
                first.place.fail(
                    f"the keys of {first.key.key_id} name different primary Regions: "
                    f"{', '.join(sorted(primaries))}"
                )
            primary_region = primaries.pop() if primaries else first.key.region
            by_region = {m.key.region: m for m in members}
            orders = [m.regions for m in members if m.regions is not None]
            order = orders[0] if orders else [m.key.region for m in members]
            if any(o != order for o in orders) or sorted(order) != sorted(by_region):
                first.place.fail(
                    f"multi_region.regions of {first.key.key_id} must list the Regions of its "
                    f"keys in this document ({', '.join(sorted(by_region))}), alike in each"
                )
            if primary_region not in by_region:
                first.place.fail(
                    f"the primary key of {first.key.key_id} ({primary_region}) is not in the "
                    "document"
                )
            primary = by_region[primary_region].key
            mrk = MultiRegionSet(primary_region, {r: by_region[r].key for r in order})
            shared = {id(m.key.private_key): m.key.private_key for m in members}
            shared.pop(id(None), None)
            if len(shared) > 1:
                first.place.fail(f"the keys of {first.key.key_id} have different private keys")
            for member in members:
                key = member.key
                self._same_as_primary(member, primary)
                key.mrk = mrk
                if key is not primary:
                    key.rotations = primary.rotations
            if primary.key_spec in _asymmetric_specs() and len(members) > 1:
                # As ReplicateKey does: every key of the set has the one private key.
                private = next(iter(shared.values())) if shared else private_key(primary)
                for member in members:
                    member.key.private_key = private

    @staticmethod
    def _same_as_primary(member: _Member, primary: Key) -> None:
        key = member.key
        if key is primary:
            return
        for attribute in ("key_spec", "key_usage", "origin", "key_manager"):
            if getattr(key, attribute) != getattr(primary, attribute):
                member.place.fail(
                    f"a replica has its primary's {attribute} ({getattr(primary, attribute)})"
                )
        if key.rotations and key.rotations != primary.rotations:
            member.entry.fail("rotations", "a replica rotates with its primary: list them there")
        if key.rotation_period_days is not None:
            member.entry.fail(
                "rotation_period_days", "a replica rotates with its primary: set it there"
            )


def _asymmetric_specs() -> frozenset[str]:
    from kmsmock.crypto import asymmetric

    return asymmetric.SPECS

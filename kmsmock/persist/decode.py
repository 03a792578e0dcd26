"""A state or seed document as a World, checked field by field (docs/seed-files.md).

A seed is a state document with most fields left out: only a key's ``id`` is required, and
what is missing takes the value CreateKey (or CreateAlias, CreateGrant...) would give it, at
the instant the document is loaded. What AWS validates when a request sets a field (key
policies, tags, grant operations and constraints, identity policies) is validated by the same
code here, and any problem is a StateFileError naming the field.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from kmsmock.aws import clock
from kmsmock.backend import lifecycle
from kmsmock.backend.context import RequestContext
from kmsmock.backend.key_store_state import (
    CLOUDHSM,
    CONNECTED,
    DISCONNECTED,
    EXTERNAL,
    FAILED,
    CustomKeyStore,
)
from kmsmock.backend.keys import Imported, Key, KeyMaterial
from kmsmock.backend.state import World
from kmsmock.crypto import asymmetric
from kmsmock.crypto.hmac_keys import MAC_ALGORITHM
from kmsmock.crypto.material import imported_material_id
from kmsmock.errors import KmsError
from kmsmock.persist.encode import FORMAT, STORE_FIELDS, VERSION
from kmsmock.persist.fields import Entry, Place, json_type
from kmsmock.persist.pem import der_of
from kmsmock.persist.relations import Relations
from kmsmock.persist.seeded import SeededKey

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
TOP_FIELDS = (
    "format",
    "version",
    "secret",
    "enforce_policies",
    "transition_delay_seconds",
    "on_demand_rotation_limit",
    "limits",
    "audit_events_kept",
    "custom_key_stores",
    "keys",
    "principals",
    "identity_policies",
)
KEY_FIELDS = (
    "id",
    "account",
    "region",
    "seq",
    "created",
    "description",
    "spec",
    "usage",
    "origin",
    "manager",
    "state",
    "policy",
    "tags",
    "aliases",
    "material",
    "material_id",
    "private_key_pem",
    "imported",
    "rotations",
    "deletion_date",
    "pending_window_days",
    "rotation_period_days",
    "next_rotation",
    "on_demand_rotations",
    "last_used",
    "custom_key_store_id",
    "xks_key_id",
    "grants",
    "multi_region",
    "settles_at",
)
_IMPORTED_FIELDS = (
    "material",
    "material_id",
    "description",
    "expiration_model",
    "valid_to",
    "pending",
)
_MATERIAL_FIELDS = ("created", "rotation_type", "material", "material_id")
_STORE_ENTRY_FIELDS = (
    "id",
    "account",
    "region",
    "name",
    "type",
    "seq",
    "created",
    *STORE_FIELDS,
    "key_ids",
    "xks_keys",
)
_KEY_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_MRK_ID = re.compile(r"mrk-[0-9a-f]{32}")
_ACCOUNT = re.compile(r"[0-9]{12}")
_REGION = re.compile(r"[a-z]{2,}(-[a-z0-9]+)+")
_SPECS = ("SYMMETRIC_DEFAULT", *MAC_ALGORITHM, *sorted(asymmetric.SPECS))
_ORIGINS = ("AWS_KMS", "EXTERNAL", "AWS_CLOUDHSM", "EXTERNAL_KEY_STORE")
_STATES = (
    "Creating",
    "Enabled",
    "Disabled",
    "PendingDeletion",
    "PendingImport",
    "PendingReplicaDeletion",
    "Updating",
)
_EXPIRES = "KEY_MATERIAL_EXPIRES"
_DOES_NOT_EXPIRE = "KEY_MATERIAL_DOES_NOT_EXPIRE"
_STORE_ORIGIN = {"AWS_CLOUDHSM": CLOUDHSM, "EXTERNAL_KEY_STORE": EXTERNAL}
_SYMMETRIC_MATERIAL = 32


@dataclass
class Loaded:
    """A World built from a document, and what installing it elsewhere needs to know."""

    world: World
    secret_given: bool
    settings_given: set[str]
    keys: list[Key] = field(default_factory=list)
    settles: dict[int, datetime] = field(default_factory=dict)  # id(key) -> settles_at


def build(
    document: Any,
    *,
    source: str,
    account: str = DEFAULT_ACCOUNT,
    region: str = DEFAULT_REGION,
    secret: bytes | None = None,
) -> Loaded:
    """The World ``document`` describes. ``secret`` is used when the document names none
    (else a random one); ``account`` and ``region`` are the defaults of its entries."""
    top = Place(source)
    if not isinstance(document, dict):
        top.fail(f"must be a JSON object; got {json_type(document)}")
    # Format and version before the fields: a newer version may have fields this one lacks.
    if document.get("format", FORMAT) != FORMAT:
        top.at("format").fail(f"must be {FORMAT!r}; got {document.get('format')!r}")
    version = document.get("version", VERSION)
    if version != VERSION:
        top.at("version").fail(
            f"unsupported format version {version!r}: this kmsmock reads version {VERSION}"
        )
    entry = Entry(document, top, TOP_FIELDS)
    world = World()
    given = entry.data("secret")
    if given is not None:
        if len(given) != _SYMMETRIC_MATERIAL:
            entry.fail("secret", f"must be 32 bytes; got {len(given)}")
        world.secret = given
    elif secret is not None:
        world.secret = secret
    settings: set[str] = set()
    enforce = entry.flag("enforce_policies")
    if enforce is not None:
        world.access.enforce = enforce
        settings.add("enforce_policies")
    from kmsmock.persist.settings_fields import read_settings

    settings |= read_settings(entry, world)
    loaded = Loaded(world, given is not None, settings)
    reader = _Reader(loaded, account, region, clock.now())
    for place, item in entry.array("custom_key_stores"):
        reader.store(Entry(item, place, _STORE_ENTRY_FIELDS, ("id", "name", "type")))
    for place, item in entry.array("keys"):
        reader.key(Entry(item, place, KEY_FIELDS, ("id",)))
    reader.relations.finish()
    from kmsmock.persist.identities import read_identity_policies, read_principals

    read_principals(entry, world.access)
    read_identity_policies(entry, world.access)
    reader.number()
    for key in loaded.keys:
        schedule(world, key, loaded.settles.get(id(key)))
    return loaded


def schedule(world: World, key: Key, settles_at: datetime | None) -> None:
    """Queue what is due for ``key`` (its deletion, rotation, expiry, or the end of its
    Creating or Updating), as the operations that set its state would have."""
    if key.state in ("Creating", "Updating"):
        lifecycle.settle_soon(world, key, settles_at or clock.now())
    else:
        lifecycle.arm(world, key)


def read_path(path: str | os.PathLike[str]) -> Any:
    from kmsmock.persist.files import read_json

    return read_json(path)


class _Reader:
    def __init__(self, loaded: Loaded, account: str, region: str, now: datetime) -> None:
        self.loaded = loaded
        self.world = loaded.world
        self.account = account
        self.region = region
        self.now = now
        # Objects whose seq the document left out, in document order (numbered last).
        self.unnumbered: list[Any] = []
        self.highest = 0
        self.relations = Relations(self.world, now, self.seq)

    # -- shared ----------------------------------------------------------------------------

    def where(self, entry: Entry) -> tuple[str, str, str]:
        account = entry.text("account", self.account)
        region = entry.text("region", self.region)
        assert account is not None and region is not None
        if not _ACCOUNT.fullmatch(account):
            entry.fail("account", f"must be 12 digits, like {DEFAULT_ACCOUNT!r}; got {account!r}")
        if not _REGION.fullmatch(region):
            entry.fail("region", f"is not a Region name like 'us-east-1': {region!r}")
        from kmsmock.aws.partitions import partition_of

        return account, region, partition_of(region)

    def seq(self, entry: Entry, thing: Any) -> None:
        value = entry.integer("seq", low=1)
        if value is None:
            self.unnumbered.append(thing)
        else:
            thing.seq = value
            self.highest = max(self.highest, value)

    def number(self) -> None:
        for thing in self.unnumbered:
            self.highest += 1
            thing.seq = self.highest
        self.world._seq = self.highest

    def context(self, account: str, region: str, partition: str) -> RequestContext:
        return RequestContext("PutKeyPolicy", account, region, partition, self.world, self.now)

    # -- custom key stores -----------------------------------------------------------------

    def store(self, entry: Entry) -> None:
        account, region, partition = self.where(entry)
        store_type = entry.choice("type", (CLOUDHSM, EXTERNAL))
        assert store_type is not None
        store = CustomKeyStore(
            store_id=entry.required_text("id"),
            name=entry.required_text("name"),
            store_type=store_type,
            created=entry.date("created") or self.now,
            seq=0,
        )
        self.seq(entry, store)
        for name in STORE_FIELDS:
            setattr(store, name, entry.text(name))
        state = entry.choice("connection_state", (CONNECTED, DISCONNECTED, FAILED), DISCONNECTED)
        assert state is not None
        store.connection_state = state
        store.key_ids = dict.fromkeys(entry.strings("key_ids") or ())
        store.xks_keys = entry.string_map("xks_keys") or {}
        where = self.world.region(account, region, partition)
        if store.store_id in where.custom_key_stores:
            entry.fail("id", f"duplicate custom key store ID {store.store_id!r} in {region}")
        where.custom_key_stores[store.store_id] = store

    # -- keys ------------------------------------------------------------------------------

    def key(self, entry: Entry) -> None:
        key_id = entry.required_text("id")
        if not (_KEY_ID.fullmatch(key_id) or _MRK_ID.fullmatch(key_id)):
            entry.fail(
                "id",
                "must be a key ID: a lowercase UUID such as "
                "'1234abcd-12ab-34cd-56ef-1234567890ab', or 'mrk-' and 32 lowercase hex digits "
                f"for a multi-Region key; got {key_id!r}",
            )
        account, region, partition = self.where(entry)
        spec = entry.choice("spec", _SPECS, "SYMMETRIC_DEFAULT")
        assert spec is not None
        if spec == "SM2":
            if partition != "aws-cn":
                entry.fail("spec", f"SM2 keys exist only in China Regions (aws-cn), not {region}")
            if not asymmetric.sm2_available():
                entry.fail("spec", "SM2 keys need gmssl: pip install 'kmsmock[sm2]'")
        elif spec in asymmetric.ENCAPSULATION_SPECS:
            # The inverse of SM2: the CreateKey reference says ML-KEM is not in China Regions.
            if partition == "aws-cn":
                entry.fail("spec", f"ML-KEM keys do not exist in China Regions (aws-cn): {region}")
            if spec == "ML_KEM_512" and not asymmetric.mlkem512_available():
                entry.fail("spec", "ML_KEM_512 keys need kyber-py: pip install 'kmsmock[mlkem512]'")
        missing = asymmetric.cryptography_missing(spec)
        if missing is not None:
            entry.fail("spec", missing)
        usage = self.usage(entry, spec)
        origin = entry.choice("origin", _ORIGINS, "AWS_KMS")
        manager = entry.choice("manager", ("CUSTOMER", "AWS"), "CUSTOMER")
        assert origin is not None and manager is not None
        created = entry.date("created") or self.now
        secret = self.world.secret
        fixed = self.fixed_material(entry, key_id, spec, origin)
        common: dict[str, Any] = {
            "key_id": key_id,
            "partition": partition,
            "account": account,
            "region": region,
            "seq": 0,
            "created": created,
            "description": entry.text("description", ""),
            "key_usage": usage,
            "key_spec": spec,
            "origin": origin,
            "key_manager": manager,
            "state": "Enabled",
            "policy": self.policy(entry, account, region, partition),
            "instance_secret": secret,
        }
        key: Key
        if fixed is not None:
            key = SeededKey(**common, fixed_secret=fixed[0], fixed_id=fixed[1])
        else:
            key = Key(**common)
        self.seq(entry, key)
        tags = entry.string_map("tags")
        if tags:
            key.tags = self.tags(entry, tags)
        self.asymmetric(entry, key)
        self.imported(entry, key)
        key.rotations = self.rotations(entry, key)
        self.state(entry, key)
        self.rotation(entry, key)
        key.on_demand_rotations = entry.integer("on_demand_rotations", low=0) or 0
        used = entry.entry("last_used", ("operation", "at", "request_id"), ("operation", "at"))
        if used is not None:
            at = used.date("at")
            assert at is not None
            key.last_used = (used.required_text("operation"), at, used.text("request_id") or "")
        self.relations.store_of(entry, key)
        where = self.world.region(account, region, partition)
        self.relations.add_key(entry, key, where)
        self.relations.grants(entry, key)
        self.relations.aliases(entry, key, where)
        settles = entry.date("settles_at")
        if settles is not None:
            if key.state not in ("Creating", "Updating"):
                entry.fail("settles_at", "is only for keys that are Creating or Updating")
            self.loaded.settles[id(key)] = settles
        self.loaded.keys.append(key)

    def usage(self, entry: Entry, spec: str) -> str:
        from kmsmock.operations.key_lifecycle import usages_for

        allowed = usages_for(spec)
        default = allowed[0] if len(allowed) == 1 else None
        usage = entry.text("usage", default)
        if usage is None:
            entry.fail("usage", f"is required for key spec {spec}: one of {', '.join(allowed)}")
        if usage not in allowed:
            entry.fail(
                "usage", f"{usage!r} is not valid for key spec {spec}: one of {', '.join(allowed)}"
            )
        return usage

    def policy(self, entry: Entry, account: str, region: str, partition: str) -> str:
        from kmsmock.backend.default_policies import default_policy
        from kmsmock.operations.key_policies import check_policy_document

        value = entry.raw("policy")
        default = default_policy(partition, account)
        if value is None or value == default:
            # The shared default text itself: authorization recognizes it by identity.
            return default
        if isinstance(value, dict):
            import json

            value = json.dumps(value)
        if not isinstance(value, str):
            entry.fail("policy", f"must be a policy document (object or string); got {value!r}")
        try:
            # As PutKeyPolicy checks it, less the lockout safety check: the seed is the
            # account's own setup, with no caller who could be locked out.
            check_policy_document(
                self.context(account, region, partition), value, bypass_lockout_check=True
            )
        except KmsError as error:
            entry.fail("policy", f"{error.code}: {error.message or 'not a valid key policy'}")
        return value

    def tags(self, entry: Entry, tags: dict[str, str]) -> dict[str, str]:
        from kmsmock.operations.tags import validated_tags

        try:
            return validated_tags(
                self.world, [{"TagKey": k, "TagValue": v} for k, v in tags.items()], existing={}
            )
        except KmsError as error:
            entry.fail("tags", f"{error.code}: {error.message}")

    def fixed_material(
        self, entry: Entry, key_id: str, spec: str, origin: str
    ) -> tuple[bytes, str] | None:
        """A symmetric AWS_KMS key's fixed first material and its KeyMaterialId."""
        material = entry.data("material")
        if material is None:
            if "material_id" in entry:
                entry.fail("material_id", "is given only with 'material'")
            return None
        if spec in asymmetric.SPECS:
            entry.fail("material", f"a {spec} key takes 'private_key_pem', not 'material'")
        if origin == "EXTERNAL":
            return None  # imported material: see ``imported``
        if origin != "AWS_KMS":
            entry.fail("material", f"a key with origin {origin} has no material of its own")
        if spec != "SYMMETRIC_DEFAULT":
            entry.fail(
                "material",
                'fixed material of an HMAC key needs "origin": "EXTERNAL" (an AWS_KMS '
                "HMAC key's material is derived from the secret)",
            )
        if key_id.startswith("mrk-"):
            entry.fail(
                "material",
                'fixed material of a multi-Region key needs "origin": "EXTERNAL" '
                "(ReplicateKey would give its replicas derived material)",
            )
        if len(material) != _SYMMETRIC_MATERIAL:
            entry.fail("material", f"must be 32 bytes; got {len(material)}")
        given = entry.text("material_id")
        return material, given or imported_material_id(self.world.secret, key_id, material)

    def asymmetric(self, entry: Entry, key: Key) -> None:
        pem = entry.text("private_key_pem")
        if pem is None:
            return
        if key.key_spec not in asymmetric.SPECS:
            entry.fail("private_key_pem", f"is for asymmetric keys; this one is {key.key_spec}")
        if key.origin not in ("AWS_KMS", "EXTERNAL"):
            entry.fail("private_key_pem", f"a key with origin {key.origin} has no private key")
        key.private_key = self.relations.private_key(
            pem, key.key_spec, entry.place.at("private_key_pem")
        )

    def imported(self, entry: Entry, key: Key) -> None:
        given = entry.entry("imported", _IMPORTED_FIELDS)
        if key.origin != "EXTERNAL":
            if given is not None:
                entry.fail(
                    "imported", f"is for keys with origin EXTERNAL; this one is {key.origin}"
                )
            return
        secret = key.instance_secret
        imported = Imported()
        material = entry.data("material")
        if given is not None:
            if material is not None:
                entry.fail("material", "give the material in 'imported' or here, not both")
            material = given.data("material")
            imported.description = given.text("description")
        place = (given or entry).place
        if material is not None:
            from kmsmock.crypto.wrapping import symmetric_material_ok

            if key.key_spec in asymmetric.SPECS:
                place.at("material").fail(f"a {key.key_spec} key takes 'private_key_pem'")
            if not symmetric_material_ok(key.key_spec, material):
                place.at("material").fail(
                    f"is not valid key material for key spec {key.key_spec} ({len(material)} bytes)"
                )
            imported.secret = material
        has_material = material is not None or key.private_key is not None
        material_id = given.text("material_id") if given is not None else None
        if material_id is None and has_material:
            raw = material
            if raw is None:
                raw = der_of(str(entry.text("private_key_pem")), place)
            material_id = imported_material_id(secret, key.key_id, raw)
        imported.material_id = material_id
        model = given.choice("expiration_model", (_EXPIRES, _DOES_NOT_EXPIRE)) if given else None
        valid_to = given.date("valid_to") if given is not None else None
        if model is None and has_material:
            model = _EXPIRES if valid_to is not None else _DOES_NOT_EXPIRE
        if model is not None and not has_material:
            place.fail("an expiration model needs imported material")
        if (model == _EXPIRES) != (valid_to is not None):
            place.fail(f"'valid_to' is required with {_EXPIRES}, and only with it")
        imported.expiration_model = model
        imported.valid_to = valid_to
        pending = given.entry("pending", _MATERIAL_FIELDS) if given is not None else None
        if pending is not None:
            imported.pending = self.material(pending, key, 0, imported=True)
        key.imported = imported
        if not has_material:
            key.state = "PendingImport"

    def material(self, entry: Entry, key: Key, version: int, *, imported: bool) -> KeyMaterial:
        data = entry.data("material")
        material_id = entry.text("material_id")
        if data is not None and material_id is None:
            material_id = imported_material_id(key.instance_secret, key.key_id, data)
        if imported and data is None:
            entry.fail("material", "is required for imported key material")
        rotation_type = None
        if not imported:
            rotation_type = entry.choice("rotation_type", ("AUTOMATIC", "ON_DEMAND"))
            if rotation_type is None:
                entry.place.fail("the field 'rotation_type' is required")
        if data is not None and len(data) != _SYMMETRIC_MATERIAL:
            entry.fail("material", f"must be 32 bytes; got {len(data)}")
        return KeyMaterial(
            key_id=key.key_id,
            account=key.account,
            version=version,
            instance_secret=key.instance_secret,
            created=entry.date("created") or self.now,
            rotation_type=rotation_type,
            imported_secret=data,
            imported_id=material_id if data is not None else None,
        )

    def rotations(self, entry: Entry, key: Key) -> tuple[KeyMaterial, ...]:
        found = []
        for index, (place, item) in enumerate(entry.array("rotations")):
            if key.key_spec != "SYMMETRIC_DEFAULT":
                entry.fail("rotations", f"a {key.key_spec} key does not rotate")
            material = Entry(item, place, _MATERIAL_FIELDS)
            found.append(self.material(material, key, index + 1, imported=False))
        if key.imported is not None and key.imported.pending is not None:
            key.imported.pending.version = 1 + len(found)
        return tuple(found)

    def state(self, entry: Entry, key: Key) -> None:
        default = key.state  # PendingImport for an EXTERNAL key without material
        state = entry.choice("state", _STATES, default)
        assert state is not None
        if state == "PendingImport" and key.origin != "EXTERNAL":
            entry.fail("state", "only a key with origin EXTERNAL can be PendingImport")
        if state in ("Creating", "Updating") and not key.multi_region:
            entry.fail("state", f"only multi-Region keys are ever {state}")
        key.state = state
        window = entry.integer("pending_window_days", low=7, high=30)
        deletion = entry.date("deletion_date")
        if state == "PendingDeletion":
            window = window or 30
            deletion = deletion or self.now + timedelta(days=window)
        elif state == "PendingReplicaDeletion":
            window = window or 30
            if deletion is not None:
                entry.fail("deletion_date", "a key in PendingReplicaDeletion has none yet")
        elif deletion is not None or window is not None:
            name = "deletion_date" if deletion is not None else "pending_window_days"
            entry.fail(name, f"is only for keys pending deletion; this one is {state}")
        key.pending_window_days = window
        key.deletion_date = deletion

    def rotation(self, entry: Entry, key: Key) -> None:
        period = entry.integer("rotation_period_days", low=90, high=2560)
        following = entry.date("next_rotation")
        if period is None:
            if following is not None:
                entry.fail("next_rotation", "needs 'rotation_period_days'")
            return
        if key.key_spec != "SYMMETRIC_DEFAULT" or key.origin != "AWS_KMS":
            entry.fail(
                "rotation_period_days",
                "automatic rotation is for symmetric keys with origin AWS_KMS",
            )
        key.rotation_period_days = period
        key.next_rotation = following or self.now + timedelta(days=period)

"""The state one mock holds: plain dataclasses keyed by (account, region).

A ``World`` is everything an outermost ``mock_kms`` activation owns. Each (account, region)
has its own ``RegionState`` with its keys and aliases, as in AWS, where a key ID resolves only
in its own account and region.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kmsmock.backend.audit import EventLog
from kmsmock.backend.billing import Billing
from kmsmock.crypto.ciphertext import key_reference
from kmsmock.crypto.material import material_id, material_secret
from kmsmock.errors import KmsMockUsageError
from kmsmock.settings import DEFAULT, Settings

if TYPE_CHECKING:
    from kmsmock.backend.faults import Faults
    from kmsmock.backend.grant_store import Grant
    from kmsmock.backend.key_store_state import CustomKeyStore
    from kmsmock.backend.quotas import Quotas
    from kmsmock.backend.replica_sets import MultiRegionSet
    from kmsmock.crypto.asymmetric import PrivateKey


@dataclass(slots=True)
class KeyMaterial:
    """One version of a key's backing material (rotation adds versions, never removes).

    Its secret, its KeyMaterialId and the reference its ciphertexts carry are derived from
    the mock's secret, the key and the version (crypto/material.py, crypto/ciphertext.py),
    not stored: they cost no memory per key.
    """

    key_id: str
    account: str
    version: int  # its index in Key.materials
    instance_secret: bytes  # the World's, shared
    created: datetime  # for a rotation's material, the RotationDate ListKeyRotations shows
    rotation_type: str | None = None  # AUTOMATIC or ON_DEMAND; None for the first material
    # Imported material (Origin EXTERNAL): the imported bytes are the key, and its ID is
    # derived from them (crypto/material.py). None for material KMS makes, which is derived.
    imported_secret: bytes | None = None
    imported_id: str | None = None

    @property
    def secret(self) -> bytes:
        if self.imported_secret is not None:
            return self.imported_secret
        return material_secret(self.instance_secret, self.key_id, self.version)

    @property
    def material_id(self) -> str:
        if self.imported_id is not None:
            return self.imported_id
        return material_id(self.instance_secret, self.key_id, self.version)

    @property
    def ref(self) -> bytes:
        return key_reference(self.instance_secret, self.account, self.key_id, self.version)


@dataclass(slots=True)
class ImportParameters:
    """What one GetParametersForImport answer stands for: its token names these."""

    wrapping_key: Any  # the RSA private key whose public half was returned
    wrapping_algorithm: str
    valid_to: datetime


@dataclass(slots=True)
class Imported:
    """The imported key material of an EXTERNAL key (only such keys have one of these).

    ``material_id`` survives DeleteImportedKeyMaterial and expiry, as AWS keeps showing
    CurrentKeyMaterialId: only the same material can be imported again.
    """

    secret: bytes | None = None  # the symmetric or HMAC key bytes while imported
    material_id: str | None = None  # of the first material ever imported
    description: str | None = None  # KeyMaterialDescription
    expiration_model: str | None = None  # None while no material is imported
    valid_to: datetime | None = None
    # Material imported with ImportType NEW_KEY_MATERIAL, waiting for RotateKeyOnDemand.
    pending: KeyMaterial | None = None
    # GetParametersForImport answers, by token ID; expired ones are pruned on the next call.
    tokens: dict[bytes, ImportParameters] = field(default_factory=dict)

    @property
    def present(self) -> bool:
        return self.expiration_model is not None

    def copy(self) -> Imported:
        # Its KeyMaterial and ImportParameters are never changed in place: shared.
        return replace(self, tokens=dict(self.tokens))


@dataclass(slots=True)
class KeyExtras:
    """The parts of a key that most keys never have (see ``Key.extras``)."""

    last_used: tuple[str, datetime, str] | None = None
    private_key: PrivateKey | None = None
    imported: Imported | None = None
    custom_key_store: CustomKeyStore | None = None
    xks_key_id: str | None = None
    grants: dict[str, Grant] | None = None
    mrk: MultiRegionSet | None = None

    def copy(self) -> KeyExtras:
        """Its own grants and imported material; the rest is shared (World.copy repoints the
        store and the multi-Region set)."""
        return replace(
            self,
            grants=None if self.grants is None else dict(self.grants),
            imported=None if self.imported is None else self.imported.copy(),
        )


@dataclass(slots=True)
class Key:
    key_id: str
    partition: str
    account: str
    region: str
    seq: int  # creation order within the world, for stable listing and pagination
    created: datetime
    description: str
    key_usage: str
    key_spec: str
    origin: str
    key_manager: str  # "CUSTOMER" or "AWS"
    state: str  # KeyState: Enabled, Disabled, PendingDeletion, ...
    policy: str
    tags: dict[str, str] | None = None  # None until the key has a tag: most never do
    # The mock's secret (shared by every key), from which key material is derived.
    instance_secret: bytes = b""
    # Key material made by rotations, oldest first. The first material (version 0) is not
    # stored: most keys never rotate, and it is all derived (see ``material``).
    rotations: tuple[KeyMaterial, ...] = ()
    deletion_date: datetime | None = None
    pending_window_days: int | None = None
    # Automatic rotation as the key's owner set it. While the key is pending deletion AWS
    # reports rotation as off, but keeps the setting for when the deletion is cancelled.
    rotation_period_days: int | None = None  # None: automatic rotation is off
    next_rotation: datetime | None = None
    on_demand_rotations: int = 0
    # Bumped whenever the key's schedule changes, so queued lifecycle entries made for an
    # earlier schedule are skipped (see lifecycle.py).
    schedule_version: int = 0
    # What few keys have (a private key, imported material, a custom key store, grants, a
    # multi-Region set, a recorded use), in one object made for the keys that need it: as
    # separate fields they cost every key 56 bytes (10,000 keys: half a megabyte).
    extras: KeyExtras | None = None

    def copy(self) -> Key:
        """A copy with its own mutable parts (tags, grants, imported material); the
        private key, policy text and key material are shared, as nothing changes them in
        place. Its custom key store and multi-Region set are the original's until
        ``World.copy`` points them at the copy's."""
        extras = self.extras
        return replace(
            self,
            tags=None if self.tags is None else dict(self.tags),
            extras=None if extras is None else extras.copy(),
        )

    def _extras(self) -> KeyExtras:
        extras = self.extras
        if extras is None:
            extras = self.extras = KeyExtras()
        return extras

    # The extras read as plain attributes (None when the key has none).

    @property
    def last_used(self) -> tuple[str, datetime, str] | None:
        """The last successful cryptographic use: (operation, when, request ID)."""
        extras = self.extras
        return None if extras is None else extras.last_used

    @last_used.setter
    def last_used(self, value: tuple[str, datetime, str] | None) -> None:
        self._extras().last_used = value

    @property
    def private_key(self) -> PrivateKey | None:
        """An asymmetric key's private key, made on first use (GetPublicKey, Sign, ...), not
        at CreateKey: an RSA_4096 key takes ~0.5 s to make, and most test keys are never used."""
        extras = self.extras
        return None if extras is None else extras.private_key

    @private_key.setter
    def private_key(self, value: PrivateKey | None) -> None:
        if value is not None or self.extras is not None:
            self._extras().private_key = value

    @property
    def imported(self) -> Imported | None:
        """Origin EXTERNAL only: the imported material and import parameters."""
        extras = self.extras
        return None if extras is None else extras.imported

    @imported.setter
    def imported(self, value: Imported | None) -> None:
        if value is not None or self.extras is not None:
            self._extras().imported = value

    @property
    def custom_key_store(self) -> CustomKeyStore | None:
        """A key in a custom key store: the store itself (its state decides whether the key
        is Unavailable, see key_stores.reported_state)."""
        extras = self.extras
        return None if extras is None else extras.custom_key_store

    @custom_key_store.setter
    def custom_key_store(self, value: CustomKeyStore | None) -> None:
        if value is not None or self.extras is not None:
            self._extras().custom_key_store = value

    @property
    def xks_key_id(self) -> str | None:
        """For a key in an external key store, the ID of its external key."""
        extras = self.extras
        return None if extras is None else extras.xks_key_id

    @xks_key_id.setter
    def xks_key_id(self, value: str | None) -> None:
        if value is not None or self.extras is not None:
            self._extras().xks_key_id = value

    @property
    def grants(self) -> dict[str, Grant] | None:
        """The key's grants by GrantId, in creation order; stored on the key so that deleting
        the key deletes them."""
        extras = self.extras
        return None if extras is None else extras.grants

    @grants.setter
    def grants(self, value: dict[str, Grant] | None) -> None:
        if value is not None or self.extras is not None:
            self._extras().grants = value

    @property
    def mrk(self) -> MultiRegionSet | None:
        """A multi-Region key: the set of related keys it belongs to (multi_region.py)."""
        extras = self.extras
        return None if extras is None else extras.mrk

    @mrk.setter
    def mrk(self, value: MultiRegionSet | None) -> None:
        if value is not None or self.extras is not None:
            self._extras().mrk = value

    @property
    def custom_key_store_id(self) -> str | None:
        store = self.custom_key_store
        return None if store is None else store.store_id

    @property
    def multi_region(self) -> bool:
        # AWS gives every multi-Region key, and only those, an ID that starts with "mrk-".
        return self.key_id.startswith("mrk-")

    @property
    def arn(self) -> str:
        # Made when asked rather than stored: a key's ARN would be its largest field.
        return f"arn:{self.partition}:kms:{self.region}:{self.account}:key/{self.key_id}"

    @property
    def material_count(self) -> int:
        return 1 + len(self.rotations)

    def material(self, version: int) -> KeyMaterial:
        """Version ``version`` of the key's material (0 is the first)."""
        if version:
            return self.rotations[version - 1]
        imported = self.imported
        if imported is not None:
            return KeyMaterial(
                self.key_id,
                self.account,
                0,
                self.instance_secret,
                self.created,
                imported_secret=imported.secret,
                imported_id=imported.material_id,
            )
        return KeyMaterial(self.key_id, self.account, 0, self.instance_secret, self.created)

    @property
    def materials(self) -> list[KeyMaterial]:
        """Every version of the key's material, oldest first."""
        return [self.material(0), *self.rotations]

    @property
    def current_material(self) -> KeyMaterial:
        return self.rotations[-1] if self.rotations else self.material(0)

    @property
    def current_material_id(self) -> str:
        """``current_material.material_id``, without making the KeyMaterial for a key that
        never rotated and holds no imported material (most keys; GenerateDataKey and
        ReEncrypt answer with it on every call). A subclass whose ``material`` differs
        overrides this too (persist/seeded.py)."""
        rotations = self.rotations
        if rotations:
            return rotations[-1].material_id
        extras = self.extras
        if extras is None or extras.imported is None:
            return material_id(self.instance_secret, self.key_id, 0)
        return self.material(0).material_id


@dataclass(slots=True)
class Alias:
    name: str  # "alias/..."
    arn: str
    target_key_id: str
    created: datetime
    updated: datetime


class AliasTable:
    """The aliases of one account and region, indexed by name (kept sorted) and by key.

    ListAliases pages in name order and CreateAlias counts a key's aliases on every call:
    with these indexes both cost the same with 10 aliases or 10,000, where scanning every
    alias would grow with the account.
    """

    def __init__(self) -> None:
        self._by_name: dict[str, Alias] = {}
        self._names: list[str] = []  # sorted
        self._by_key: dict[str, dict[str, None]] = {}  # key ID -> its alias names (ordered set)

    def __len__(self) -> int:
        return len(self._by_name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def get(self, name: str) -> Alias | None:
        return self._by_name.get(name)

    def values(self) -> list[Alias]:
        """Every alias, in name order."""
        return [self._by_name[name] for name in self._names]

    def add(self, alias: Alias) -> None:
        if alias.name in self._by_name:
            raise KeyError(f"alias {alias.name} exists")
        self._by_name[alias.name] = alias
        bisect.insort(self._names, alias.name)
        self._by_key.setdefault(alias.target_key_id, {})[alias.name] = None

    def remove(self, name: str) -> Alias | None:
        alias = self._by_name.pop(name, None)
        if alias is None:
            return None
        del self._names[bisect.bisect_left(self._names, name)]
        self._unlink(alias)
        return alias

    def retarget(self, name: str, key_id: str, when: datetime) -> None:
        alias = self._by_name[name]
        self._unlink(alias)
        alias.target_key_id = key_id
        alias.updated = when
        self._by_key.setdefault(key_id, {})[name] = None

    def of_key(self, key_id: str) -> list[Alias]:
        """The aliases that point at ``key_id``, in name order."""
        return [self._by_name[name] for name in sorted(self._by_key.get(key_id, ()))]

    def count_of_key(self, key_id: str) -> int:
        return len(self._by_key.get(key_id, ()))

    def names_after(self, after: str | None) -> Iterator[str]:
        """Alias names in order, from the first that sorts after ``after``."""
        start = 0 if after is None else bisect.bisect_right(self._names, after)
        return (self._names[i] for i in range(start, len(self._names)))

    def copy(self) -> AliasTable:
        """An independent table: Alias objects change in place (``retarget``), so each is
        copied."""
        new = AliasTable.__new__(AliasTable)
        new._by_name = {name: replace(alias) for name, alias in self._by_name.items()}
        new._names = list(self._names)
        new._by_key = {key_id: dict(names) for key_id, names in self._by_key.items()}
        return new

    def _unlink(self, alias: Alias) -> None:
        names = self._by_key.get(alias.target_key_id)
        if names is not None:
            names.pop(alias.name, None)
            if not names:
                del self._by_key[alias.target_key_id]


@dataclass(slots=True)
class RegionState:
    account: str
    region: str
    partition: str
    keys: dict[str, Key] = field(default_factory=dict)
    aliases: AliasTable = field(default_factory=AliasTable)
    custom_key_stores: dict[str, CustomKeyStore] = field(default_factory=dict)


class World:
    """All state of one mock: every account and region, and the secret that makes its
    ciphertexts undecryptable by any other mock instance."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.secret = os.urandom(32)
        self.regions: dict[tuple[str, str], RegionState] = {}
        # Time-driven transitions waiting for the clock, as a heap of
        # (due, ticket, key, schedule_version, kind); see lifecycle.py.
        self.due: list[tuple[datetime, int, Key, int, str]] = []
        self.due_limit = 1024  # past this many entries, stale ones are dropped
        self.tickets = itertools.count()
        # AWS's resource quotas and the test's knobs (kmsmock/settings.py): frozen, so a
        # request reads them with a few attribute loads; ``configure`` changes them.
        self.settings: Settings = DEFAULT
        # Issued credentials, identity policies, and whether requests are authorized.
        from kmsmock.backend.principals import Access

        self.access = Access()
        # Custom key store ID -> the ConnectionErrorCode every ConnectCustomKeyStore of that
        # store fails with (its state becomes FAILED), as if its cluster or proxy were broken;
        # remove the entry to "repair" it (``KmsMock.break_custom_key_store`` and
        # ``repair_custom_key_store``).
        self.custom_key_store_faults: dict[str, str] = {}
        # Key ARN -> the account IDs it is shared with through AWS RAM, as ListKeys with
        # ResourceOwners OTHER_ACCOUNTS_VIA_RAM lists them (backend/ram.py). A test's setup:
        # ``KmsMock.share_key``.
        self.ram_shares: dict[str, set[str]] = {}
        # Injected faults and opt-in request-rate quotas (faults.py, quotas.py); None (off)
        # unless a test asks, so a request pays one attribute check for each.
        self.faults: Faults | None = None
        self.quotas: Quotas | None = None
        # Every request served and every background rotation or deletion, as audit events
        # (audit.py), the oldest dropped past the bound (Settings.audit_events_kept).
        self.events = EventLog(DEFAULT.audit_events_kept)
        # What the cost report needs that keys do not keep: request counts, deletion
        # schedules, deleted keys (kmsmock/backend/billing.py).
        self.billing = Billing()
        self._seq = 0

    def region(self, account: str, region: str, partition: str) -> RegionState:
        state = self.regions.get((account, region))
        if state is None:
            state = self.regions[(account, region)] = RegionState(account, region, partition)
        return state

    def holds_nothing(self) -> bool:
        """Whether no key, alias, custom key store, issued credential or identity policy is
        here (a fresh world; events and settings aside)."""
        access = self.access
        if access.callers or access.identity_policies:
            return False
        return not any(
            state.keys or len(state.aliases) or state.custom_key_stores
            for state in self.regions.values()
        )

    def configure(self, settings: Settings) -> None:
        """Use ``settings`` from the next request on (the audit log keeps its latest events
        up to the new bound)."""
        if not isinstance(settings, Settings):
            raise KmsMockUsageError(
                f"settings must be a kmsmock.Settings, like Settings(limits=Limits("
                f"tags_per_key=5)); got {settings!r}"
            )
        with self.lock:
            if settings.audit_events_kept != self.settings.audit_events_kept:
                self.events.resize(settings.audit_events_kept)
            self.settings = settings

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def copy(self) -> World:
        """An independent copy of this world, in O(keys + aliases + grants + queued entries).

        What is never changed in place is shared: the secret (so the copy decrypts what this
        world encrypted), private keys, policies, key material, grants, callers. Every
        container and every object that changes in place (keys, aliases, custom key stores,
        multi-Region sets, the lifecycle queue) is the copy's own.
        """
        with self.lock:
            new = World.__new__(World)
            new.lock = threading.RLock()
            new.secret = self.secret
            new.regions = {}
            keys: dict[int, Key] = {}  # id(original) -> copy
            stores: dict[int, CustomKeyStore] = {}
            sets: dict[int, MultiRegionSet] = {}
            for where, state in self.regions.items():
                copied = RegionState(state.account, state.region, state.partition)
                copied.aliases = state.aliases.copy()
                for store_id, store in state.custom_key_stores.items():
                    stores[id(store)] = copied.custom_key_stores[store_id] = store.copy()
                for key_id, key in state.keys.items():
                    keys[id(key)] = copied.keys[key_id] = key.copy()
                new.regions[where] = copied
            for key in keys.values():
                own_store = key.custom_key_store
                if own_store is not None:
                    if id(own_store) not in stores:  # not listed in its region any more
                        stores[id(own_store)] = own_store.copy()
                    key.custom_key_store = stores[id(own_store)]
                mrk = key.mrk
                if mrk is not None:
                    if id(mrk) not in sets:
                        sets[id(mrk)] = mrk.copy(keys)
                    key.mrk = sets[id(mrk)]
            # Entries name Key objects: the copy's entries name the copy's keys. An entry for
            # a key no region holds any more is stale (deleting bumps schedule_version).
            new.due = [
                (at, ticket, keys[id(key)], version, kind)
                for at, ticket, key, version, kind in self.due
                if id(key) in keys
            ]
            heapq.heapify(new.due)
            new.due_limit = self.due_limit
            # Tickets only order entries due at one instant; both worlds go on from here.
            next_ticket = next(self.tickets)
            new.tickets = itertools.count(next_ticket + 1)
            new.settings = self.settings  # frozen: shared
            new.access = self.access.copy()
            new.custom_key_store_faults = dict(self.custom_key_store_faults)
            new.ram_shares = {arn: set(accounts) for arn, accounts in self.ram_shares.items()}
            # Faults and quotas are a test's setup, not state: a snapshot carries neither.
            new.faults = None
            new.quotas = None
            new.events = self.events.copy()
            new.billing = self.billing.copy()
            new._seq = self._seq
            return new

"""The state one mock holds: plain dataclasses keyed by (account, region).

A ``World`` is everything an outermost ``mock_kms`` activation owns. Each (account, region)
has its own ``RegionState`` with its keys and aliases, as in AWS, where a key ID resolves only
in its own account and region.
"""

from __future__ import annotations

import itertools
import os
import threading
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class KeyMaterial:
    """One version of a key's backing material (rotation adds versions, never removes)."""

    material_id: str  # 64 lowercase hex characters, as AWS's KeyMaterialId
    secret: bytes
    created: datetime  # for a rotation's material, the RotationDate ListKeyRotations shows
    ref: bytes = b""  # the key reference blobs under this material carry (see ciphertext.py)
    rotation_type: str | None = None  # AUTOMATIC or ON_DEMAND; None for the first material


@dataclass
class Key:
    key_id: str
    arn: str
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
    tags: dict[str, str] = field(default_factory=dict)
    materials: list[KeyMaterial] = field(default_factory=list)
    deletion_date: datetime | None = None
    pending_window_days: int | None = None
    multi_region: bool = False
    # Automatic rotation as the key's owner set it. While the key is pending deletion AWS
    # reports rotation as off, but keeps the setting for when the deletion is cancelled.
    rotation_period_days: int | None = None  # None: automatic rotation is off
    next_rotation: datetime | None = None
    on_demand_rotations: int = 0
    # Bumped whenever the key's schedule changes, so queued lifecycle entries made for an
    # earlier schedule are skipped (see lifecycle.py).
    schedule_version: int = 0
    # The last successful cryptographic use: (operation, when). Written on every use, so it
    # is one tuple assignment; GetKeyLastUsage fills in the IDs it reports on first read.
    last_used: tuple[str, datetime] | None = None
    last_used_ids: tuple[tuple[str, datetime], str, str] | None = None

    @property
    def current_material(self) -> KeyMaterial:
        return self.materials[-1]


@dataclass
class Alias:
    name: str  # "alias/..."
    arn: str
    target_key_id: str
    created: datetime
    updated: datetime


@dataclass
class RegionState:
    account: str
    region: str
    partition: str
    keys: dict[str, Key] = field(default_factory=dict)
    aliases: dict[str, Alias] = field(default_factory=dict)


class World:
    """All state of one mock: every account and region, and the secret that makes its
    ciphertexts undecryptable by any other mock instance."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.secret = os.urandom(32)
        self.regions: dict[tuple[str, str], RegionState] = {}
        # Ciphertext key reference -> (account, region, key ID, material ID).
        self.material_refs: dict[bytes, tuple[str, str, str, str]] = {}
        # Time-driven transitions waiting for the clock, as a heap of
        # (due, ticket, key, schedule_version, kind); see lifecycle.py.
        self.due: list[tuple[datetime, int, Key, int, str]] = []
        self.due_limit = 1024  # past this many entries, stale ones are dropped
        self.tickets = itertools.count()
        # How many on-demand rotations a key allows; None means rotation.ON_DEMAND_LIMIT.
        self.on_demand_rotation_limit: int | None = None
        self._seq = 0

    def region(self, account: str, region: str, partition: str) -> RegionState:
        state = self.regions.get((account, region))
        if state is None:
            state = self.regions[(account, region)] = RegionState(account, region, partition)
        return state

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

"""A KMS key and what it holds: its key material (generated or imported), its grants, and,
for a multi-Region key, the set of related keys it belongs to.

These types refer to one another (a key holds its multi-Region set, which holds its keys), so
they live together; the functions over them live in the modules named for each part
(grant_tokens.py, replica_sets.py, creation.py, lifecycle.py). state.py holds the keys by
account and Region.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kmsmock.crypto.ciphertext import key_reference
from kmsmock.crypto.material import material_id, material_secret

if TYPE_CHECKING:
    from kmsmock.backend.key_store_state import CustomKeyStore
    from kmsmock.crypto.asymmetric import PrivateKey

EQUALS = "EncryptionContextEquals"
SUBSET = "EncryptionContextSubset"
# The grant operations whose requests carry an encryption context (on a symmetric key), the
# only ones an encryption context constraint applies to.
TAKES_CONTEXT = frozenset(
    {
        "Encrypt",
        "Decrypt",
        "ReEncryptFrom",
        "ReEncryptTo",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
    }
)


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
class Grant:
    grant_id: str  # 64 hex digits, as AWS's
    key_arn: str
    seq: int  # creation order within the world: ListGrants and its markers follow it
    created: datetime
    grantee_principal: str | None  # None for a grant to a service principal
    issuing_account: str  # arn:<partition>:iam::<account>:root
    operations: tuple[str, ...]
    name: str | None = None
    retiring_principal: str | None = None
    # {"EncryptionContextEquals": {...}} or {"EncryptionContextSubset": {...}}; None if none.
    constraints: dict[str, dict[str, str]] | None = None
    # A grant to an AWS service principal (e.g. "logs.amazonaws.com") names it here, with the
    # resource it acts for (the SourceArn constraint) and a retiring principal of either kind.
    grantee_service_principal: str | None = None
    retiring_service_principal: str | None = None
    source_arn: str | None = None

    def same_request(self, other: Grant) -> bool:
        """Whether ``other`` (a CreateGrant with this grant's Name) asks for this very grant
        again."""
        return (
            self.grantee_principal == other.grantee_principal
            and self.grantee_service_principal == other.grantee_service_principal
            and self.retiring_principal == other.retiring_principal
            and self.retiring_service_principal == other.retiring_service_principal
            and set(self.operations) == set(other.operations)
            and self.constraints == other.constraints
            and self.source_arn == other.source_arn
        )

    def entry(self) -> dict[str, Any]:
        """The grant as ListGrants and ListRetirableGrants show it."""
        entry: dict[str, Any] = {
            "KeyId": self.key_arn,
            "GrantId": self.grant_id,
            "Name": self.name,
            "CreationDate": self.created,
            "GranteePrincipal": self.grantee_principal,
            "GranteeServicePrincipal": self.grantee_service_principal,
            "RetiringPrincipal": self.retiring_principal,
            "RetiringServicePrincipal": self.retiring_service_principal,
            "IssuingAccount": self.issuing_account,
            "Operations": list(self.operations),
        }
        constraints: dict[str, Any] = {}
        if self.constraints is not None:
            constraints = {k: dict(v) for k, v in self.constraints.items()}
        if self.source_arn is not None:
            constraints["SourceArn"] = self.source_arn
        if constraints:
            entry["Constraints"] = constraints
        return entry

    def permits(self, operation: str, encryption_context: Mapping[str, str] | None) -> bool:
        """Whether this grant allows ``operation`` (a grant operation name) for a request with
        ``encryption_context``, judged by the grant alone (not its grantee).

        As AWS documents it: a constraint applies only to operations that take an encryption
        context; in it, keys match case-insensitively and values case-sensitively.
        """
        return self.refusal(operation, encryption_context) is None

    def refusal(self, operation: str, encryption_context: Mapping[str, str] | None) -> str | None:
        """Why this grant does not allow ``operation`` with ``encryption_context``, in words
        (None when it does): what a denied request's explanation says of the grant."""
        if operation not in self.operations:
            return (
                f"does not list {operation} in its operations {json.dumps(list(self.operations))}"
            )
        if self.source_arn is not None:
            # Only a request made on behalf of that resource (aws:SourceArn) may use the
            # grant; a caller kmsmock serves never acts for a resource.
            return f"is only for requests made on behalf of {self.source_arn}"
        if self.constraints is None or operation not in TAKES_CONTEXT:
            return None
        given = {k.lower(): v for k, v in (encryption_context or {}).items()}
        for kind, wanted in self.constraints.items():
            required = {k.lower(): v for k, v in wanted.items()}
            if kind == EQUALS and given != required:
                return (
                    f"requires the encryption context to equal {json.dumps(dict(wanted))}; "
                    f"the request's is {json.dumps(dict(encryption_context or {}))}"
                )
            if kind == SUBSET and any(given.get(k) != v for k, v in required.items()):
                return (
                    f"requires the encryption context to include {json.dumps(dict(wanted))}; "
                    f"the request's is {json.dumps(dict(encryption_context or {}))}"
                )
        return None


@dataclass(slots=True)
class MultiRegionSet:
    """The related multi-Region keys of one key ID in one account, by Region, in the order
    they were made (the primary's first until the primary Region is updated)."""

    primary_region: str
    members: dict[str, Key] = field(default_factory=dict)

    @property
    def primary(self) -> Key:
        return self.members[self.primary_region]

    def replicas(self) -> list[Key]:
        return [k for region, k in self.members.items() if region != self.primary_region]

    def copy(self, keys: dict[int, Key]) -> MultiRegionSet:
        """This set in a copied world, whose keys ``keys`` maps from id(original key)."""
        members = {region: keys[id(k)] for region, k in self.members.items() if id(k) in keys}
        return MultiRegionSet(self.primary_region, members)

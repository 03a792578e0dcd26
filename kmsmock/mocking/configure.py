"""Setting a mock up: its settings (given to ``mock_kms`` or changed while it runs), identity
policies, broken custom key stores, and saving its state. ``KmsMock`` has these methods from
``MockSetup``; _mock.py keeps activation, state and requests."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kmsmock.errors import KmsMockUsageError, did_you_mean
from kmsmock.settings import Settings, changes_from

if TYPE_CHECKING:
    from kmsmock.backend.key_store_state import CustomKeyStore
    from kmsmock.backend.state import World

# What mock_kms(settings=...) holds until the mock starts: a whole Settings, or changes by name
# to the settings the mock starts with (the defaults, or its snapshot's).
Given = Settings | dict[str, Any] | None


def checked_settings(settings: object) -> Given:
    """``mock_kms(settings=...)`` checked when the mock is made, so a mistake fails there."""
    if settings is None or isinstance(settings, Settings):
        return settings
    if isinstance(settings, Mapping):
        return changes_from(settings)
    raise KmsMockUsageError(
        "settings must be a kmsmock.Settings or a dict of changes by name, like "
        f"{{'limits.tags_per_key': 5}}; got {settings!r}"
    )


def apply_settings(world: World, given: Given) -> Settings | None:
    """Give a starting mock's world the settings it was made with (a dict changes the world's
    own: the defaults, the snapshot's, or an outer mock's); the settings they replace, for a
    mock nested in another to restore when it stops. None if none were given."""
    if given is None:
        return None
    replaced = world.settings
    world.configure(given if isinstance(given, Settings) else replaced.updated(given))
    return replaced


def _find_store(world: World, store_id: object) -> CustomKeyStore:
    """The custom key store ``store_id``, in whichever account and Region it is."""
    with world.lock:
        stores = {
            found: store
            for state in world.regions.values()
            for found, store in state.custom_key_stores.items()
        }
    store = stores.get(store_id) if isinstance(store_id, str) else None
    if store is None:
        # Listed, not guessed at: every store ID looks like every other (cks- and 17 digits).
        held = ", ".join(sorted(stores)) if stores else "none"
        raise KmsMockUsageError(
            f"no custom key store {store_id!r} in this mock (it has {held}): give the "
            "CustomKeyStoreId that CreateCustomKeyStore returned"
        )
    return store


def _break_store(world: World, store_id: str, code: str) -> None:
    from kmsmock.aws.service_model import service_model
    from kmsmock.backend.key_store_state import CONNECTION_ERRORS

    store = _find_store(world, store_id)
    kind = ", ".join(sorted(CONNECTION_ERRORS[store.store_type]))
    codes = service_model().shape_for("ConnectionErrorCodeType").metadata["enum"]
    if not isinstance(code, str) or code not in codes:
        hint = did_you_mean(code, codes) if isinstance(code, str) else ""
        raise KmsMockUsageError(
            f"{code!r} is not a ConnectionErrorCode{hint}; {store.store_type} stores, as "
            f"{store_id} is, fail with {kind}"
        )
    if code not in CONNECTION_ERRORS[store.store_type]:
        raise KmsMockUsageError(
            f"{code} is not a ConnectionErrorCode of {store.store_type} stores, as "
            f"{store_id} is; they fail with {kind}"
        )
    with world.lock:
        world.custom_key_store_faults[store_id] = code


def _identity_policy_texts(principal_arn: str, document: Any) -> tuple[str, ...]:
    """``document`` (a policy, or a list of them) as the texts a user's or role's identity
    policies are kept as, each checked as IAM checks it."""
    from kmsmock.backend.principals import caller_of, identity_documents

    caller = caller_of(principal_arn)
    if caller.principal_type == "Account":
        raise KmsMockUsageError(
            "an account root has every IAM permission in its own account and no identity "
            f"policy; set one on a user or role instead of {principal_arn}"
        )
    if caller.principal_arn != principal_arn:  # an assumed-role session's ARN
        raise KmsMockUsageError(
            f"identity policies belong to the role, not to one session: set it on "
            f"{caller.principal_arn}"
        )
    texts = identity_documents(document)
    from kmsmock.backend.authorize import check_identity_policy  # the policy engine

    for text in texts:
        check_identity_policy(text)
    return texts


class MockSetup:
    """The methods of ``KmsMock`` that set its world up (see docs/settings.md)."""

    __slots__ = ()

    @property
    def world(self) -> World:
        raise NotImplementedError  # KmsMock's

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write this mock's state to ``path`` as a state file (docs/seed-files.md), which
        ``kms.load(path)`` and ``kmsmock serve --state path`` read back: keys, aliases, grants,
        custom key stores, principals, identity policies, settings, and the secret that makes
        its ciphertexts decrypt. Atomic: the file holds the old state or the new one."""
        from kmsmock.persist import save_world

        save_world(self.world, path)

    @property
    def settings(self) -> Settings:
        """The settings in force: AWS's resource quotas and the test's knobs
        (docs/settings.md). Shared with the mocks nested in this one; assigning a
        ``Settings`` applies from the next request on."""
        return self.world.settings

    @settings.setter
    def settings(self, settings: Settings) -> None:
        self.world.configure(settings)

    def configure(self, **changes: Any) -> Settings:
        """Change some settings from the next request on; returns the settings now in force::

            kms.configure(limits={"tags_per_key": 5}, transition_delay=timedelta(seconds=30))

        The names are ``Settings``'s; ``limits`` is a ``Limits`` or a dict of the limits to
        change. Checked as ``Settings`` checks them."""
        world = self.world
        with world.lock:
            world.configure(world.settings.replace(**changes))
            return world.settings

    def set_identity_policy(self, principal_arn: str, document: Any) -> None:
        """Set the IAM identity-based policies of a user or role, replacing every one it had
        (``attach_identity_policy`` adds one instead).

        ``document`` is a policy as a dict or a JSON string, or a list of them (a principal may
        have several policies). An assumed-role session has its role's policies; an account
        root needs none.
        """
        texts = _identity_policy_texts(principal_arn, document)
        self.world.access.identity_policies[principal_arn] = texts

    def attach_identity_policy(self, principal_arn: str, document: Any) -> None:
        """Add a policy (or each of a list) to the IAM identity-based policies of a user or
        role, keeping those it has, as IAM attaches one more; attaching one it has already
        changes nothing. Otherwise as ``set_identity_policy``."""
        texts = _identity_policy_texts(principal_arn, document)
        world = self.world
        with world.lock:
            held = world.access.identity_policies.get(principal_arn, ())
            added = tuple(text for text in dict.fromkeys(texts) if text not in held)
            world.access.identity_policies[principal_arn] = held + added

    def break_custom_key_store(self, store_id: str, code: str) -> None:
        """Break the CloudHSM cluster or external key store proxy behind custom key store
        ``store_id``: its next ConnectCustomKeyStore leaves it ``FAILED`` with ConnectionErrorCode
        ``code`` (one the API documents for its kind of store, e.g.
        "INSUFFICIENT_CLOUDHSM_HSMS"), until ``repair_custom_key_store``. A connected store
        stays connected until it is disconnected."""
        _break_store(self.world, store_id, code)

    def repair_custom_key_store(self, store_id: str) -> None:
        """Undo ``break_custom_key_store``: the store connects again (after AWS's remedy for a
        FAILED store, DisconnectCustomKeyStore)."""
        world = self.world
        _find_store(world, store_id)
        with world.lock:
            world.custom_key_store_faults.pop(store_id, None)

    def share_key(self, key_arn: str, *accounts: str) -> None:
        """Share a key with other accounts as an accepted AWS RAM resource share would: ListKeys
        with ``ResourceOwners=["OTHER_ACCOUNTS_VIA_RAM"]`` in those accounts lists it. A share
        only lists the key; using it from another account still takes a key policy that allows
        that account::

            kms.share_key("arn:aws:kms:us-east-1:111122223333:key/...", "123456789012")
        """
        from kmsmock.backend.ram import check_share

        check_share(key_arn, accounts)
        world = self.world
        with world.lock:
            world.ram_shares.setdefault(key_arn, set()).update(accounts)

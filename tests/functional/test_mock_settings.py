"""A mock's settings (kmsmock.Settings, kmsmock.Limits): each has its effect through boto3, a
wrong name or value is a usage error at the line that wrote it, and snapshots carry them."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from conftest import ACCOUNT, REGION, fails, key_arn, new_key
from freezegun import freeze_time

from kmsmock import KmsMock, KmsMockUsageError, Limits, Settings, mock_kms

ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
ROOT_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
)
HSM = {
    "CloudHsmClusterId": "cluster-abcdefghijk",
    "TrustAnchorCertificate": "-----BEGIN CERTIFICATE-----...",
    "KeyStorePassword": "kmsuser-password",
}


def _client() -> BaseClient:
    return boto3.client("kms", region_name=REGION)


# -- each limit, reached ------------------------------------------------------------------------


def _aliases(client: BaseClient) -> tuple[Callable[[], Any], tuple[str, str]]:
    key_id = new_key(client)["KeyId"]
    client.create_alias(AliasName="alias/first", TargetKeyId=key_id)
    limit = (
        "LimitExceededException",
        f"Too many aliases for the key {key_arn(key_id)}: the limit is 1.",
    )
    return lambda: client.create_alias(AliasName="alias/second", TargetKeyId=key_id), limit


def _grants(client: BaseClient) -> tuple[Callable[[], Any], tuple[str, str]]:
    key_id = new_key(client)["KeyId"]
    client.create_grant(KeyId=key_id, GranteePrincipal=ROLE, Operations=["Decrypt"])
    limit = (
        "LimitExceededException",
        f"The request was rejected because {key_arn(key_id)} has the maximum number of grants (1).",
    )
    return lambda: client.create_grant(
        KeyId=key_id, GranteePrincipal=ROLE, Operations=["Encrypt"]
    ), limit


def _tags(client: BaseClient) -> tuple[Callable[[], Any], tuple[str, str]]:
    key_id = new_key(client, Tags=[{"TagKey": "team", "TagValue": "billing"}])["KeyId"]
    tag = [{"TagKey": "env", "TagValue": "test"}]
    return lambda: client.tag_resource(KeyId=key_id, Tags=tag), ("TagException", "Too many tags")


def _key_policy(client: BaseClient) -> tuple[Callable[[], Any], tuple[str, str]]:
    key_id = new_key(client, Policy=ROOT_POLICY)["KeyId"]  # within the limit: accepted
    longer = json.dumps({**json.loads(ROOT_POLICY), "Id": ""})
    longer = longer.replace('"Id": ""', '"Id": "' + "x" * (201 - len(longer)) + '"')
    assert len(longer) == 201  # one byte over
    limit = ("LimitExceededException", "The key policy size exceeds the maximum of 200 bytes.")
    return lambda: client.put_key_policy(KeyId=key_id, Policy=longer), limit


def _stores(client: BaseClient) -> tuple[Callable[[], Any], tuple[str, str]]:
    client.create_custom_key_store(CustomKeyStoreName="one", **HSM)
    limit = (
        "LimitExceededException",
        "This account and Region already have 1 custom key stores, the most AWS allows.",
    )
    other = {**HSM, "CloudHsmClusterId": "cluster-bcdefghijkl"}
    return lambda: client.create_custom_key_store(CustomKeyStoreName="two", **other), limit


def _keys(client: BaseClient) -> tuple[Callable[[], Any], tuple[str, str]]:
    new_key(client)
    limit = (
        "LimitExceededException",
        "The request was rejected because a length constraint or quota was exceeded. For "
        "more information, see Quotas in the Key Management Service Developer Guide.",
    )
    return client.create_key, limit


def _rotations(client: BaseClient) -> tuple[Callable[[], Any], tuple[str, str]]:
    key_id = new_key(client)["KeyId"]
    client.rotate_key_on_demand(KeyId=key_id)
    limit = (
        "LimitExceededException",
        "The on-demand rotations limit has been reached for the given keyId. No more "
        f"on-demand rotations can be performed for this key: {key_arn(key_id)}",
    )
    return lambda: client.rotate_key_on_demand(KeyId=key_id), limit


LIMITS = {
    "aliases_per_key": (1, _aliases),
    "grants_per_key": (1, _grants),
    "tags_per_key": (1, _tags),
    "key_policy_bytes": (200, _key_policy),
    "custom_key_stores_per_region": (1, _stores),
    "keys_per_region": (1, _keys),
    "on_demand_rotations_per_key": (1, _rotations),
}


def test_every_limit_is_tested() -> None:
    assert set(LIMITS) == set(Limits.__dataclass_fields__)


@pytest.mark.parametrize("name", sorted(LIMITS))
def test_a_limit_given_to_the_mock_is_reached_with_awss_error(name: str) -> None:
    value, reach = LIMITS[name]
    with mock_kms(settings=Settings(limits=Limits(**{name: value}))) as kms:
        over, error = reach(_client())
        assert fails(over) == error
        # Raised while the mock runs, the same request succeeds.
        kms.configure(limits={name: value + 1})
        over()


@pytest.mark.parametrize("name", sorted(LIMITS))
def test_the_defaults_are_awss_quotas(name: str) -> None:
    defaults = {
        "aliases_per_key": 50,
        "grants_per_key": 50_000,
        "tags_per_key": 50,
        "key_policy_bytes": 32_768,
        "custom_key_stores_per_region": 10,
        "keys_per_region": 100_000,
        "on_demand_rotations_per_key": 25,
    }
    with mock_kms() as kms:
        assert getattr(kms.settings.limits, name) == defaults[name]


def test_a_seed_cannot_hold_more_aliases_or_tags_than_the_mocks_limits() -> None:
    seed = {
        "limits": {"aliases_per_key": 1},
        "keys": [{"id": "1234abcd-12ab-34cd-56ef-1234567890ab", "aliases": ["alias/a", "alias/b"]}],
    }
    with mock_kms() as kms, pytest.raises(KmsMockUsageError) as excinfo:
        kms.load(seed)
    assert str(excinfo.value) == "<seed dict>: keys[0].aliases[1]: a key has at most 1 aliases"


# -- the transition delay ------------------------------------------------------------------------


def test_the_transition_delay_as_seconds() -> None:
    start = datetime(2030, 1, 1, tzinfo=timezone.utc)
    with freeze_time(start) as clock, mock_kms(settings={"transition_delay": 30}) as kms:
        assert kms.settings.transition_delay == timedelta(seconds=30)
        client = _client()
        key_id = new_key(client, MultiRegion=True)["KeyId"]
        client.replicate_key(KeyId=key_id, ReplicaRegion="us-west-2")
        west = boto3.client("kms", region_name="us-west-2")
        clock.tick(timedelta(seconds=29))
        assert west.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Creating"
        clock.tick(timedelta(seconds=1))
        assert west.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"


def test_without_a_delay_a_replica_is_ready_at_the_next_request(client: BaseClient) -> None:
    key_id = new_key(client, MultiRegion=True)["KeyId"]
    replica = client.replicate_key(KeyId=key_id, ReplicaRegion="us-west-2")
    assert replica["ReplicaKeyMetadata"]["KeyState"] == "Creating"
    west = boto3.client("kms", region_name="us-west-2")
    assert west.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"


# -- reading and changing them -------------------------------------------------------------------


def test_settings_read_back_and_change_while_the_mock_runs(kms: KmsMock) -> None:
    assert kms.settings == Settings()
    now = kms.configure(limits={"tags_per_key": 5}, transition_delay=timedelta(seconds=3))
    assert (
        now
        == kms.settings
        == Settings(limits=Limits(tags_per_key=5), transition_delay=timedelta(seconds=3))
    )
    # A dict of limits changes those only; a Limits replaces them all.
    kms.configure(limits={"aliases_per_key": 2})
    assert (kms.settings.limits.tags_per_key, kms.settings.limits.aliases_per_key) == (5, 2)
    kms.configure(limits=Limits(grants_per_key=7))
    assert kms.settings.limits == Limits(grants_per_key=7)
    kms.settings = Settings(audit_events_kept=10)
    assert kms.settings == Settings(audit_events_kept=10)
    with mock_kms() as inner:  # a nested mock shares the world, and its settings
        assert inner.settings is kms.settings


def test_settings_are_frozen_and_compare_by_value() -> None:
    settings = Settings(limits=Limits(tags_per_key=5))
    assert settings == Settings(limits=Limits(tags_per_key=5)) != Settings()
    with pytest.raises(AttributeError):
        settings.audit_events_kept = 3  # type: ignore[misc]
    assert settings.replace(audit_events_kept=3).limits.tags_per_key == 5


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: Limits(tags_per_kye=5),
            "Limits() takes no argument 'tags_per_kye' (did you mean 'tags_per_key'?); it takes "
            "keys_per_region, aliases_per_key, grants_per_key, tags_per_key, key_policy_bytes, "
            "custom_key_stores_per_region, on_demand_rotations_per_key",
        ),
        (
            lambda: Limits(grants_per_key=-1),
            "Limits(grants_per_key=...) must be a whole number, 0 or more; got -1",
        ),
        (
            lambda: Limits(keys_per_region="10"),
            "Limits(keys_per_region=...) must be a whole number, 0 or more; got '10'",
        ),
        (
            lambda: Limits(aliases_per_key=True),
            "Limits(aliases_per_key=...) must be a whole number, 0 or more; got True",
        ),
        (
            lambda: Settings(transition_delay=30),
            "Settings(transition_delay=...) must be a datetime.timedelta of 0 or more, like "
            "timedelta(seconds=30); got 30",
        ),
        (
            lambda: Settings(transition_delay=timedelta(seconds=-30)),
            "Settings(transition_delay=...) must be a datetime.timedelta of 0 or more, like "
            "timedelta(seconds=30); got -30.0 seconds",
        ),
        (
            lambda: Settings(audit_events_kept=1.5),
            "Settings(audit_events_kept=...) must be a whole number, 0 or more; got 1.5",
        ),
        (
            lambda: Settings(limits={"tags_per_key": 5}),
            "Settings(limits=...) must be a kmsmock.Limits, like Limits(tags_per_key=5); got "
            "{'tags_per_key': 5}",
        ),
        (
            lambda: Settings(audit_event_kept=5),
            "Settings() takes no argument 'audit_event_kept' (did you mean "
            "'audit_events_kept'?); it takes limits, transition_delay, audit_events_kept",
        ),
        (
            lambda: Settings().replace(transition_dely=timedelta(0)),
            "'transition_dely' is not a setting (did you mean 'transition_delay'?); the "
            "settings are limits, transition_delay, audit_events_kept",
        ),
        (
            lambda: Settings().replace(limits={"tags_per_kye": 5}),
            "Limits() takes no argument 'tags_per_kye' (did you mean 'tags_per_key'?); it takes "
            "keys_per_region, aliases_per_key, grants_per_key, tags_per_key, key_policy_bytes, "
            "custom_key_stores_per_region, on_demand_rotations_per_key",
        ),
        (
            lambda: mock_kms(settings={"limits.tags_per_kye": 5}),
            "'limits.tags_per_kye' is not a setting (did you mean 'limits.tags_per_key'?); the "
            "settings are transition_delay, audit_events_kept, limits.keys_per_region, "
            "limits.aliases_per_key, limits.grants_per_key, limits.tags_per_key, "
            "limits.key_policy_bytes, limits.custom_key_stores_per_region, "
            "limits.on_demand_rotations_per_key",
        ),
        (
            lambda: mock_kms(settings={"limits": {"tags_per_key": "5"}}),
            "limits.tags_per_key must be a whole number, 0 or more; got '5'",
        ),
        (
            lambda: mock_kms(settings={"transition_delay": -1}),
            "transition_delay must be a number of seconds or a datetime.timedelta, 0 or more; "
            "got -1",
        ),
        (
            lambda: mock_kms(settings=[("audit_events_kept", 5)]),
            "settings must be a kmsmock.Settings or a dict of changes by name, like "
            "{'limits.tags_per_key': 5}; got [('audit_events_kept', 5)]",
        ),
    ],
    ids=[
        "unknown-limit",
        "negative-limit",
        "limit-as-text",
        "limit-as-bool",
        "delay-as-number",
        "negative-delay",
        "fractional-bound",
        "limits-as-dict",
        "unknown-setting",
        "unknown-in-replace",
        "unknown-limit-in-replace",
        "unknown-in-dict",
        "text-in-dict",
        "negative-seconds-in-dict",
        "not-a-dict",
    ],
)
def test_a_wrong_setting_is_a_usage_error(make: Callable[[], Any], message: str) -> None:
    with pytest.raises(KmsMockUsageError) as excinfo:
        make()
    assert str(excinfo.value) == message


def test_a_wrong_change_while_running_changes_nothing(kms: KmsMock) -> None:
    with pytest.raises(KmsMockUsageError, match="tags_per_key=.... must be a whole number"):
        kms.configure(limits={"aliases_per_key": 3, "tags_per_key": -1})
    with pytest.raises(KmsMockUsageError) as excinfo:
        kms.settings = {"audit_events_kept": 5}  # type: ignore[assignment]
    assert str(excinfo.value) == (
        "settings must be a kmsmock.Settings, like Settings(limits=Limits(tags_per_key=5)); "
        "got {'audit_events_kept': 5}"
    )
    assert kms.settings == Settings()


def test_settings_need_a_started_mock() -> None:
    with pytest.raises(KmsMockUsageError, match="this mock has not been started"):
        mock_kms().configure(audit_events_kept=5)


def test_a_nested_mocks_settings_last_while_it_is_active() -> None:
    with mock_kms(settings={"limits.tags_per_key": 5}) as outer:
        with mock_kms(settings={"audit_events_kept": 3}) as inner:
            # A dict changes the outer mock's settings; both mocks see them.
            expected = Settings(limits=Limits(tags_per_key=5), audit_events_kept=3)
            assert inner.settings == outer.settings == expected
            with mock_kms(settings=Settings()):
                assert outer.settings == Settings()
            assert outer.settings == expected
        assert outer.settings == Settings(limits=Limits(tags_per_key=5))
        with mock_kms():  # no settings: the outer mock's stay, changes included
            outer.configure(transition_delay=timedelta(seconds=1))
        assert outer.settings.transition_delay == timedelta(seconds=1)


# -- snapshots -----------------------------------------------------------------------------------


def test_a_snapshot_carries_the_settings() -> None:
    with mock_kms(settings=Settings(limits=Limits(tags_per_key=1), audit_events_kept=5)) as kms:
        snapshot = kms.snapshot()
    with mock_kms(snapshot=snapshot) as copy:
        assert copy.settings == kms.settings
        key_id = new_key(_client(), Tags=[{"TagKey": "a", "TagValue": "1"}])["KeyId"]
        assert fails(
            _client().tag_resource, KeyId=key_id, Tags=[{"TagKey": "b", "TagValue": "2"}]
        ) == ("TagException", "Too many tags")
        copy.configure(audit_events_kept=9)  # this copy's own
    # A dict changes the snapshot's settings; a Settings replaces them.
    with mock_kms(snapshot=snapshot, settings={"transition_delay": 5}) as changed:
        assert changed.settings == Settings(
            limits=Limits(tags_per_key=1),
            audit_events_kept=5,
            transition_delay=timedelta(seconds=5),
        )
    with mock_kms(snapshot=snapshot, settings=Settings()) as replaced:
        assert replaced.settings == Settings()

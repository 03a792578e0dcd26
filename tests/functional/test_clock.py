"""The clock drives the mock: freezegun (freeze_time, tick, move_to, ticking mode),
time-machine (travel, shift), time moving backwards, and the cost of the lifecycle step."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import time_machine
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from conftest import error_of, key_arn, requires_model
from freezegun import freeze_time

from kmsmock import KmsMock
from kmsmock.backend import lifecycle
from kmsmock.operations import dispatch

T0 = datetime(2030, 1, 1, tzinfo=timezone.utc)


def new_key(client: BaseClient) -> str:
    key_id: str = client.create_key()["KeyMetadata"]["KeyId"]
    return key_id


def exists(client: BaseClient, key_id: str) -> bool:
    try:
        client.describe_key(KeyId=key_id)
    except ClientError as error:
        assert error.response["Error"] == {
            "Code": "NotFoundException",
            "Message": f"Key '{key_arn(key_id)}' does not exist",
        }
        return False
    return True


def rotation_dates(client: BaseClient, key_id: str) -> list[datetime]:
    return [
        entry["RotationDate"]
        for entry in client.list_key_rotations(KeyId=key_id, Limit=1000)["Rotations"]
    ]


# -- freezegun ----------------------------------------------------------------------------------


def test_freezegun_tick_moves_a_key_past_its_deletion_date(client: BaseClient) -> None:
    with freeze_time("2030-01-01") as clock:
        key_id = new_key(client)
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        clock.tick(timedelta(days=7, seconds=-1))
        assert exists(client, key_id)
        clock.tick(timedelta(seconds=1))
        assert not exists(client, key_id)


def test_freezegun_ticking_mode(client: BaseClient) -> None:
    # tick=True: frozen at the start, then the clock runs at real speed.
    with freeze_time(T0, tick=True) as clock:
        key_id = new_key(client)
        created = client.describe_key(KeyId=key_id)["KeyMetadata"]["CreationDate"]
        assert T0 <= created < T0 + timedelta(minutes=1)
        client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
        next_date = client.get_key_rotation_status(KeyId=key_id)["NextRotationDate"]
        assert T0 + timedelta(days=90) <= next_date < T0 + timedelta(days=90, minutes=1)
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        clock.move_to(T0 + timedelta(days=6))
        assert exists(client, key_id)
        clock.move_to(T0 + timedelta(days=8))
        assert not exists(client, key_id)


def test_timestamps_follow_the_frozen_clock_to_the_millisecond(client: BaseClient) -> None:
    moment = datetime(2031, 2, 3, 4, 5, 6, 789123, tzinfo=timezone.utc)
    at = moment.replace(microsecond=789000)  # AWS reports milliseconds
    with freeze_time(moment) as clock:
        key_id = new_key(client)
        assert client.describe_key(KeyId=key_id)["KeyMetadata"]["CreationDate"] == at
        client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
        assert client.get_key_rotation_status(KeyId=key_id)["NextRotationDate"] == at + timedelta(
            days=90
        )
        clock.tick(timedelta(days=90))
        assert rotation_dates(client, key_id) == [at + timedelta(days=90)]
        deletion = client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=9)
        assert deletion["DeletionDate"] == at + timedelta(days=99)


def test_rotations_of_many_keys_are_each_at_their_own_dates(client: BaseClient) -> None:
    with freeze_time(T0) as clock:
        keys = []
        for offset, period in enumerate((90, 91, 365, 2560)):
            clock.move_to(T0 + timedelta(days=offset))
            key_id = new_key(client)
            client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=period)
            keys.append((key_id, T0 + timedelta(days=offset), period))
        clock.move_to(T0 + timedelta(days=3000))
        for key_id, enabled, period in keys:
            count = (3000 - (enabled - T0).days) // period
            assert rotation_dates(client, key_id) == [
                enabled + timedelta(days=period * n) for n in range(1, count + 1)
            ]


# -- time-machine -------------------------------------------------------------------------------


def test_time_machine_travel_and_shift_delete_a_key(client: BaseClient) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        key_id = new_key(client)
        response = client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=30)
        assert response["DeletionDate"] == T0 + timedelta(days=30)
        traveller.shift(timedelta(days=29))
        assert exists(client, key_id)
        traveller.shift(timedelta(days=1))
        assert not exists(client, key_id)


def test_time_machine_multi_year_jump_rotates_at_each_date(client: BaseClient) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        key_id = new_key(client)
        blob = client.encrypt(KeyId=key_id, Plaintext=b"2030")["CiphertextBlob"]
        client.enable_key_rotation(KeyId=key_id)
        traveller.shift(timedelta(days=365 * 10 + 3))
        assert rotation_dates(client, key_id) == [
            T0 + timedelta(days=365 * n) for n in range(1, 11)
        ]
        assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"2030"
        traveller.move_to(T0 + timedelta(days=365 * 11))
        assert len(rotation_dates(client, key_id)) == 11


@requires_model("GetKeyLastUsage")
def test_time_machine_and_key_last_usage(client: BaseClient) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        key_id = new_key(client)
        traveller.shift(timedelta(hours=5))
        client.generate_data_key(KeyId=key_id, NumberOfBytes=32)
        usage = client.get_key_last_usage(KeyId=key_id)["KeyLastUsage"]
        assert (usage["Operation"], usage["Timestamp"]) == (
            "GenerateDataKey",
            T0 + timedelta(hours=5),
        )


# -- time moving backwards --------------------------------------------------------------------


def test_a_deletion_waits_when_the_clock_goes_back_and_stays_done_once_applied(
    client: BaseClient,
) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        clock.move_to(T0 - timedelta(days=365))  # before the key was even made
        meta = client.describe_key(KeyId=key_id)["KeyMetadata"]
        assert (meta["KeyState"], meta["DeletionDate"]) == (
            "PendingDeletion",
            T0 + timedelta(days=7),
        )
        clock.move_to(T0 + timedelta(days=6))
        assert exists(client, key_id)
        clock.move_to(T0 + timedelta(days=7))
        assert not exists(client, key_id)
        clock.move_to(T0)
        assert not exists(client, key_id)


def test_rotations_wait_when_the_clock_goes_back_and_stay_done_once_applied(
    client: BaseClient,
) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
        clock.move_to(T0 + timedelta(days=200))
        done = [T0 + timedelta(days=90), T0 + timedelta(days=180)]
        assert rotation_dates(client, key_id) == done
        clock.move_to(T0)  # back: the rotations made stay, the next one waits for its date
        assert rotation_dates(client, key_id) == done
        status = client.get_key_rotation_status(KeyId=key_id)
        assert status["NextRotationDate"] == T0 + timedelta(days=270)
        clock.move_to(T0 + timedelta(days=269))
        assert rotation_dates(client, key_id) == done
        clock.move_to(T0 + timedelta(days=270))
        assert rotation_dates(client, key_id) == [*done, T0 + timedelta(days=270)]


def test_leaving_a_freeze_time_block_is_moving_the_clock(client: BaseClient) -> None:
    # Frozen in the future, then back to the real clock: the pending deletion waits.
    with freeze_time(datetime.now(timezone.utc) + timedelta(days=3650)):
        key_id = new_key(client)
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingDeletion"


def test_the_real_clock_drives_the_mock_too(client: BaseClient) -> None:
    key_id = new_key(client)
    before = datetime.now(timezone.utc)
    response = client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert before - timedelta(seconds=1) <= response["DeletionDate"] - timedelta(days=7)
    assert response["DeletionDate"] - timedelta(days=7) <= datetime.now(timezone.utc)
    assert exists(client, key_id)


# -- the lifecycle step's cost --------------------------------------------------------------------


def test_requests_do_not_settle_anything_when_nothing_is_due(
    client: BaseClient, kms: KmsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Any] = []
    real = dispatch.settle

    def counting(world: Any, now: datetime) -> None:
        calls.append(now)
        real(world, now)

    monkeypatch.setattr(dispatch, "settle", counting)
    with freeze_time(T0) as clock:
        keys = [new_key(client) for _ in range(50)]
        for key_id in keys:
            client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
        client.schedule_key_deletion(KeyId=keys[0], PendingWindowInDays=7)
        for key_id in keys[1:]:
            client.encrypt(KeyId=key_id, Plaintext=b"x")
        assert calls == []  # nothing was due: the step looked at the top of the heap only
        queued = len(kms.world.due)
        clock.tick(timedelta(days=7))
        client.list_keys()
        assert calls == [T0 + timedelta(days=7)]
        client.list_keys()
        assert len(calls) == 1
        assert len(kms.world.due) < queued  # the deletion left the queue
        clock.tick(timedelta(days=83))
        client.list_keys()
        assert len(calls) == 2
        assert all(len(rotation_dates(client, k)) == 1 for k in keys[1:])


def test_stale_entries_are_skipped(client: BaseClient, kms: KmsMock) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        for period in (90, 100, 110, 90):
            client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=period)
        for _ in range(3):
            client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
            client.cancel_key_deletion(KeyId=key_id)
        client.enable_key(KeyId=key_id)
        clock.tick(timedelta(days=365))
        assert rotation_dates(client, key_id) == [T0 + timedelta(days=90 * n) for n in (1, 2, 3, 4)]
        assert exists(client, key_id)
        assert client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"
        # Only the live entry remains queued.
        assert len(kms.world.due) == 1


def test_errors_of_a_key_read_after_deletion_name_its_arn(client: BaseClient) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        clock.tick(timedelta(days=8))
        with pytest.raises(ClientError) as excinfo:
            client.get_key_rotation_status(KeyId=key_arn(key_id))
    assert error_of(excinfo) == ("NotFoundException", f"Key '{key_arn(key_id)}' does not exist")


def test_rescheduling_in_a_loop_does_not_grow_the_queue(
    client: BaseClient, kms: KmsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Compacting starts at 1024 entries; at 16 here, to keep the test short.
    monkeypatch.setattr(lifecycle, "_MIN_DUE_LIMIT", 16)
    kms.world.due_limit = 16
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
        for _ in range(40):
            client.disable_key(KeyId=key_id)
            client.enable_key(KeyId=key_id)
        # Each enable queues an entry and makes the last one stale; only live ones are kept.
        assert 1 <= len(kms.world.due) <= 16
        clock.tick(timedelta(days=90))
        assert rotation_dates(client, key_id) == [T0 + timedelta(days=90)]


def test_a_transition_needs_a_request_at_or_after_its_instant(client: BaseClient) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        clock.move_to(T0 + timedelta(days=8))  # no request while the clock is here
        clock.move_to(T0 + timedelta(days=1))
        assert exists(client, key_id)

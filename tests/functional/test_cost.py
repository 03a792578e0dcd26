"""The cost report (``KmsMock.cost()``), through boto3 on a frozen clock: key-months prorated
by the hour, pending deletion free, deleted keys counted until scheduled, rotation surcharges,
replicas, the free tier, caller pays, AWS managed keys free, price overrides, snapshots."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from conftest import ACCOUNT, REGION
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from kmsmock import KmsMock, mock_kms
from kmsmock.cost.prices import PRICES
from kmsmock.errors import KmsMockUsageError

T0 = datetime(2030, 1, 1, tzinfo=timezone.utc)
OTHER = "444455556666"
EU = "eu-west-1"
NO_REQUESTS = {
    "standard": 0,
    "rsa_2048": 0,
    "asymmetric": 0,
    "ecc_data_key_pair": 0,
    "rsa_data_key_pair": 0,
}


def months(hours: int | Decimal) -> Decimal:
    """``hours`` of one key at $1/month, as the report rounds it."""
    return (Decimal(hours) / 730).quantize(Decimal("1e-10"))


def requests(**counts: int) -> dict[str, int]:
    return {**NO_REQUESTS, **counts}


def new_key(client: BaseClient, **params: Any) -> str:
    key_id: str = client.create_key(**params)["KeyMetadata"]["KeyId"]
    return key_id


def client_in(region: str) -> BaseClient:
    return boto3.client("kms", region_name=region)


# -- key storage -------------------------------------------------------------------------------


def test_a_key_for_30_days_costs_720_730ths_of_a_dollar(kms: KmsMock, client: BaseClient) -> None:
    with freeze_time(T0) as clock:
        new_key(client)
        clock.tick(timedelta(days=30))
        report = kms.cost()
    assert report.key_hours == 720
    assert report.key_months == Decimal("0.9863013699")
    assert report.key_charges == Decimal("0.9863013699")
    assert report.rotation_charges == 0
    # The CreateKey request is within the free tier.
    assert report.requests == requests(standard=1)
    assert report.free_tier_requests == 1
    assert report.request_charges == 0
    assert report.total == Decimal("0.9863013699")
    assert report.start is None
    assert report.end == T0 + timedelta(days=30)
    [account] = report.accounts.values()
    assert account.account == ACCOUNT
    [region] = account.regions.values()
    assert (region.account, region.region) == (ACCOUNT, REGION)
    assert region.total == account.total == report.total


@settings(max_examples=50)
@given(
    minutes=st.integers(min_value=0, max_value=60 * 24 * 400),
    keys=st.integers(min_value=1, max_value=3),
)
def test_keys_are_prorated_by_the_time_they_exist(minutes: int, keys: int) -> None:
    with freeze_time(T0) as clock, mock_kms() as kms:
        client = client_in(REGION)
        for _ in range(keys):
            new_key(client)
        clock.tick(timedelta(minutes=minutes))
        report = kms.cost()
    hours = Decimal(minutes) / 60
    assert report.key_hours == (keys * hours).quantize(Decimal("1e-10"))
    assert report.key_charges == (keys * hours / 730).quantize(Decimal("1e-10"))
    assert report.total == report.key_charges  # the CreateKey requests are free


def test_a_key_pending_deletion_is_free(kms: KmsMock, client: BaseClient) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        clock.tick(timedelta(days=10))
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=30)
        clock.tick(timedelta(days=20))
        assert kms.cost().key_hours == 240


def test_a_deleted_key_is_counted_until_it_was_scheduled(kms: KmsMock, client: BaseClient) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        clock.tick(timedelta(days=10))
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        clock.tick(timedelta(days=20))
        assert client.list_keys()["Keys"] == []  # deleted on day 17
        report = kms.cost()
    assert report.key_hours == 240
    assert report.key_charges == months(240)
    assert [e.operation for e in kms.events.filter(key=key_id)][-1] == "DeleteKey"


def test_a_cancelled_deletion_is_charged_as_if_never_scheduled(
    kms: KmsMock, client: BaseClient
) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        clock.tick(timedelta(days=10))
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        clock.tick(timedelta(days=5))
        assert kms.cost().key_hours == 240  # free while pending
        client.cancel_key_deletion(KeyId=key_id)
        assert kms.cost().key_hours == 360
        clock.tick(timedelta(days=15))
        assert kms.cost().key_hours == 720


def test_aws_managed_keys_are_free_but_their_requests_are_not(kms: KmsMock) -> None:
    with freeze_time(T0) as clock:
        via_s3 = boto3.client(
            "kms",
            region_name=REGION,
            **kms.credentials(
                f"arn:aws:iam::{ACCOUNT}:root", via_service=f"s3.{REGION}.amazonaws.com"
            ),
        )
        via_s3.encrypt(KeyId="alias/aws/s3", Plaintext=b"x")
        clock.tick(timedelta(days=30))
        report = kms.cost(prices={"free_tier_requests": 0})
    assert report.key_hours == 0
    assert report.requests == requests(standard=1)
    assert report.request_charges == Decimal("0.000003")
    assert report.total == Decimal("0.000003")


# -- rotations ---------------------------------------------------------------------------------


def test_the_first_two_rotations_add_a_dollar_a_month_each(
    kms: KmsMock, client: BaseClient
) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
        clock.tick(timedelta(days=365))
        report = kms.cost()  # settles the rotations due on days 90, 180, 270 and 360
        assert len(client.list_key_rotations(KeyId=key_id)["Rotations"]) == 4
    assert report.key_months == 12
    # Only the materials of days 90 and 180 are billed: 275 and 185 days.
    assert report.rotation_months == months((275 + 185) * 24) == Decimal("15.1232876712")
    assert report.rotation_charges == Decimal("15.1232876712")
    assert report.total == Decimal("27.1232876712")


def test_on_demand_rotations_are_billed_as_automatic_ones(kms: KmsMock, client: BaseClient) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        for _ in range(3):
            client.rotate_key_on_demand(KeyId=key_id)
        clock.tick(timedelta(hours=730))
        report = kms.cost()
        assert kms.cost(prices={"rotations_billed": 3}).rotation_charges == 3
        assert kms.cost(prices={"rotation_month": 5}).rotation_charges == 10
        assert kms.cost(prices={"rotations_billed": 0}).rotation_charges == 0
    assert (report.key_months, report.rotation_months) == (1, 2)
    assert report.total == 3


def test_rotation_stops_being_billed_when_the_key_is_scheduled_for_deletion(
    kms: KmsMock, client: BaseClient
) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        client.rotate_key_on_demand(KeyId=key_id)
        clock.tick(timedelta(hours=365))
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        clock.tick(timedelta(days=30))
        report = kms.cost()
    assert (report.key_months, report.rotation_months) == (Decimal("0.5"), Decimal("0.5"))
    assert report.total == 1


# -- multi-Region keys -------------------------------------------------------------------------


def test_each_replica_is_billed_as_a_key_in_its_region(kms: KmsMock, client: BaseClient) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client, MultiRegion=True)
        client.replicate_key(KeyId=key_id, ReplicaRegion=EU)
        clock.tick(timedelta(hours=730))
        report = kms.cost()
    regions = report.accounts[ACCOUNT].regions
    assert sorted(regions) == [EU, REGION]
    assert regions[EU].key_months == regions[REGION].key_months == 1
    assert regions[EU].requests == NO_REQUESTS  # ReplicateKey was asked in us-east-1
    assert regions[REGION].requests == requests(standard=2)
    assert report.key_charges == 2


def test_a_primary_waiting_for_its_replicas_is_free_from_its_scheduling(
    kms: KmsMock, client: BaseClient
) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client, MultiRegion=True)
        client.replicate_key(KeyId=key_id, ReplicaRegion=EU)
        clock.tick(timedelta(days=10))
        response = client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        assert response["KeyState"] == "PendingReplicaDeletion"
        clock.tick(timedelta(days=10))
        client_in(EU).schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        clock.tick(timedelta(days=20))  # the replica went on day 27, the primary on day 34
        assert client.list_keys()["Keys"] == []
        report = kms.cost()
    regions = report.accounts[ACCOUNT].regions
    assert regions[REGION].key_hours == 240
    assert regions[EU].key_hours == 480


# -- requests ----------------------------------------------------------------------------------


def test_the_free_tier_covers_a_months_first_requests_across_regions(
    kms: KmsMock, client: BaseClient
) -> None:
    free = {"free_tier_requests": 5, "key_month": 0}
    with freeze_time(T0) as clock:
        key_id = new_key(client)  # 1
        for _ in range(3):
            client.describe_key(KeyId=key_id)  # 2-4
        clock.tick(timedelta(hours=1))
        west = client_in(EU)
        for _ in range(3):
            west.list_keys()  # 5-7: 5 is free, 6 and 7 are charged
        report = kms.cost(prices=free)
        assert report.requests == requests(standard=7)
        assert report.free_tier_requests == 5
        assert report.request_charges == Decimal("0.000006")
        regions = report.accounts[ACCOUNT].regions
        assert regions[REGION].free_tier_requests == 4
        assert regions[EU].free_tier_requests == 1
        assert regions[EU].request_charges == Decimal("0.000006")
        # A new calendar month, a new free tier.
        clock.move_to(datetime(2030, 2, 1, tzinfo=timezone.utc))
        client.list_keys()
        report = kms.cost(prices=free)
    assert report.requests == requests(standard=8)
    assert report.free_tier_requests == 6
    assert report.request_charges == Decimal("0.000006")


def test_20000_requests_a_month_are_free_by_default(kms: KmsMock, client: BaseClient) -> None:
    # 20,000 requests through boto3 take ~20 s: the default is checked against a lowered one.
    assert PRICES["free_tier_requests"] == 20_000
    with freeze_time(T0):
        key_id = new_key(client)
        client.encrypt(KeyId=key_id, Plaintext=b"x")
        assert kms.cost().request_charges == 0
        assert kms.cost().free_tier_requests == 2
        assert kms.cost(prices={"free_tier_requests": 0}).request_charges == Decimal("0.000006")


def test_requests_before_the_period_use_up_its_months_free_tier(
    kms: KmsMock, client: BaseClient
) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        client.describe_key(KeyId=key_id)
        clock.tick(timedelta(days=1))
        client.describe_key(KeyId=key_id)
        client.describe_key(KeyId=key_id)
        report = kms.cost(start=T0 + timedelta(days=1), prices={"free_tier_requests": 3})
    assert report.requests == requests(standard=2)
    assert report.free_tier_requests == 1
    assert report.request_charges == Decimal("0.000003")
    assert report.key_hours == 0  # the key's first day is before the period


def test_failed_requests_are_not_counted(kms: KmsMock, client: BaseClient) -> None:
    with pytest.raises(client.exceptions.NotFoundException):
        client.encrypt(KeyId="alias/missing", Plaintext=b"x")
    report = kms.cost()
    assert report.requests == NO_REQUESTS
    assert report.accounts == {}
    assert report.total == 0


@pytest.mark.parametrize(
    ("key", "call", "price_class", "charge"),
    [
        ({}, "encrypt", "standard", "0.000003"),
        ({"KeySpec": "RSA_2048", "KeyUsage": "ENCRYPT_DECRYPT"}, "encrypt", "rsa_2048", "0.000003"),
        (
            {"KeySpec": "RSA_3072", "KeyUsage": "ENCRYPT_DECRYPT"},
            "encrypt",
            "asymmetric",
            "0.000015",
        ),
        ({"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"}, "sign", "rsa_2048", "0.000003"),
        ({"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}, "sign", "asymmetric", "0.000015"),
        (
            {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"},
            "get_public_key",
            "asymmetric",
            "0.000015",
        ),
        (
            {"KeySpec": "ECC_NIST_P256", "KeyUsage": "KEY_AGREEMENT"},
            "derive",
            "asymmetric",
            "0.000015",
        ),
        ({}, "rsa_pair", "rsa_data_key_pair", "0.0012"),
        ({}, "ecc_pair", "ecc_data_key_pair", "0.00001"),
        ({"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}, "mac", "standard", "0.000003"),
    ],
)
def test_requests_are_priced_by_class(
    kms: KmsMock,
    client: BaseClient,
    key: dict[str, str],
    call: str,
    price_class: str,
    charge: str,
) -> None:
    no_free_tier = {"free_tier_requests": 0}
    key_id = new_key(client, **key)
    before = kms.cost(prices=no_free_tier)
    if call == "encrypt":
        algorithm = "RSAES_OAEP_SHA_256" if key else "SYMMETRIC_DEFAULT"
        client.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionAlgorithm=algorithm)
    elif call == "sign":
        algorithm = "RSASSA_PSS_SHA_256" if key["KeySpec"].startswith("RSA") else "ECDSA_SHA_256"
        client.sign(KeyId=key_id, Message=b"m", SigningAlgorithm=algorithm)
    elif call == "get_public_key":
        client.get_public_key(KeyId=key_id)
    elif call == "derive":
        peer = new_key(client, **key)
        public_key = client.get_public_key(KeyId=peer)["PublicKey"]
        before = kms.cost(prices=no_free_tier)
        client.derive_shared_secret(
            KeyId=key_id, KeyAgreementAlgorithm="ECDH", PublicKey=public_key
        )
    elif call == "rsa_pair":
        client.generate_data_key_pair(KeyId=key_id, KeyPairSpec="RSA_2048")
    elif call == "ecc_pair":
        client.generate_data_key_pair_without_plaintext(KeyId=key_id, KeyPairSpec="ECC_NIST_P256")
    else:
        client.generate_mac(KeyId=key_id, Message=b"m", MacAlgorithm="HMAC_SHA_256")
    after = kms.cost(prices=no_free_tier)
    added = {name: after.requests[name] - before.requests[name] for name in NO_REQUESTS}
    assert added == requests(**{price_class: 1})
    assert after.request_charges - before.request_charges == Decimal(charge)
    # Only standard requests are in the free tier.
    assert kms.cost().free_tier_requests == after.requests["standard"]


def test_reencrypt_to_an_asymmetric_key_is_priced_by_it(kms: KmsMock, client: BaseClient) -> None:
    source = new_key(client)
    target = new_key(client, KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")
    blob = client.encrypt(KeyId=source, Plaintext=b"x")["CiphertextBlob"]
    client.re_encrypt(
        CiphertextBlob=blob,
        DestinationKeyId=target,
        DestinationEncryptionAlgorithm="RSAES_OAEP_SHA_256",
    )
    client.re_encrypt(CiphertextBlob=blob, DestinationKeyId=source)
    assert kms.cost().requests == requests(standard=4, rsa_2048=1)


def test_a_cross_account_request_is_billed_to_the_caller(kms: KmsMock, client: BaseClient) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
                "Action": ["kms:Encrypt", "kms:Sign"],
                "Resource": "*",
            },
        ],
    }
    other = boto3.client("kms", region_name=REGION, **kms.credentials(f"arn:aws:iam::{OTHER}:root"))
    with freeze_time(T0) as clock:
        key_arn = client.create_key(Policy=json.dumps(policy))["KeyMetadata"]["Arn"]
        signing = client.create_key(
            Policy=json.dumps(policy), KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY"
        )["KeyMetadata"]["Arn"]
        for _ in range(3):
            other.encrypt(KeyId=key_arn, Plaintext=b"x")
        other.sign(KeyId=signing, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")
        clock.tick(timedelta(hours=73))
        report = kms.cost(prices={"free_tier_requests": 0})
    owner, caller = report.accounts[ACCOUNT], report.accounts[OTHER]
    assert owner.requests == requests(standard=2)  # its two CreateKey requests
    assert owner.key_months == Decimal("0.2")
    assert caller.requests == requests(standard=3, asymmetric=1)
    assert caller.key_months == 0
    assert caller.request_charges == Decimal("0.000024")
    assert report.total == Decimal("0.2") + Decimal("0.000006") + Decimal("0.000024")


def test_requests_from_many_threads_are_all_counted(kms: KmsMock, client: BaseClient) -> None:
    key_id = new_key(client)

    def work() -> None:
        own = client_in(REGION)
        for _ in range(25):
            own.encrypt(KeyId=key_id, Plaintext=b"x")

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert kms.cost().requests == requests(standard=201)


# -- the period --------------------------------------------------------------------------------


def test_a_period_takes_the_key_time_and_requests_inside_it(
    kms: KmsMock, client: BaseClient
) -> None:
    with freeze_time(T0) as clock:
        key_id = new_key(client)
        clock.tick(timedelta(days=10, minutes=30))
        client.describe_key(KeyId=key_id)  # counted in the hour from day 10 00:00
        clock.tick(timedelta(days=20))
        start, end = T0 + timedelta(days=10), T0 + timedelta(days=20)
        report = kms.cost(start=start, end=end)
        assert (report.start, report.end) == (start, end)
        assert report.key_hours == 240
        assert report.requests == requests(standard=1)
        # Naive times are UTC.
        naive = kms.cost(start=start.replace(tzinfo=None), end=end.replace(tzinfo=None))
        assert naive.key_hours == 240
        assert naive.start == start
        # A period that ends at the hour of a request leaves it out.
        assert kms.cost(end=start).requests == requests(standard=1)  # the CreateKey
        assert kms.cost(start=start + timedelta(hours=1)).requests == NO_REQUESTS
        assert kms.cost(start=start, end=start).total == 0


def test_the_report_as_a_table(kms: KmsMock, client: BaseClient) -> None:
    with freeze_time(T0) as clock:
        new_key(client)
        clock.tick(timedelta(hours=365))
        text = str(kms.cost(prices={"free_tier_requests": 0}))
    assert text == (
        "AWS KMS cost estimate, the start to 2030-01-16 05:00:00 UTC "
        "(prices of https://aws.amazon.com/kms/pricing/ as of 2026-11-28, USD)\n"
        "account       region     key-months  rotation-months  requests  free tier  keys $"
        "  rotations $  requests $  total $\n"
        "123456789012  us-east-1      0.5000           0.0000         1          0  0.5000"
        "       0.0000      0.0000   0.5000\n"
        "total                        0.5000           0.0000         1          0  0.5000"
        "       0.0000      0.0000   0.5000"
    )


# -- prices ------------------------------------------------------------------------------------


def test_prices_can_be_overridden(kms: KmsMock, client: BaseClient) -> None:
    with freeze_time(T0) as clock:
        new_key(client)
        clock.tick(timedelta(hours=730))
        report = kms.cost(prices={"key_month": "2.50", "standard": 0.05, "free_tier_requests": 0})
        assert kms.cost(prices={"hours_per_month": 365}).key_months == 2
    assert report.key_charges == Decimal("2.5")
    assert report.request_charges == Decimal("0.000005")
    assert report.prices["key_month"] == Decimal("2.50")
    assert report.prices["standard"] == Decimal("0.05")  # the float as written
    assert report.prices["asymmetric"] == PRICES["asymmetric"]
    assert kms.cost().prices == PRICES


@pytest.mark.parametrize(
    ("prices", "message"),
    [
        (
            {"key_months": 1},
            "unknown price 'key_months' (did you mean 'key_month'?); the prices are: key_month, "
            "rotation_month, rotations_billed, hours_per_month, free_tier_requests, standard, "
            "rsa_2048, asymmetric, ecc_data_key_pair, rsa_data_key_pair",
        ),
        ({"key_month": -1}, "price 'key_month' must be zero or more; got -1"),
        ({"key_month": "abc"}, "price 'key_month' must be a number; got 'abc'"),
        ({"standard": float("nan")}, "price 'standard' must be zero or more; got nan"),
        ({"standard": "Infinity"}, "price 'standard' must be zero or more; got 'Infinity'"),
        (
            {"key_month": True},
            "price 'key_month' must be a number (Decimal, int, str or float); got True",
        ),
        (
            {"key_month": None},
            "price 'key_month' must be a number (Decimal, int, str or float); got None",
        ),
        ({"free_tier_requests": 1.5}, "'free_tier_requests' must be a whole number; got 1.5"),
        ({"rotations_billed": "2.5"}, "'rotations_billed' must be a whole number; got '2.5'"),
        ({"hours_per_month": 0}, "'hours_per_month' must be more than zero; got 0"),
        ([("key_month", 1)], "prices must be a mapping of price names to amounts; got list"),
    ],
)
def test_bad_prices_are_refused(kms: KmsMock, prices: Any, message: str) -> None:
    with pytest.raises(KmsMockUsageError) as excinfo:
        kms.cost(prices=prices)
    assert str(excinfo.value) == message


def test_bad_periods_are_refused(kms: KmsMock) -> None:
    with pytest.raises(KmsMockUsageError) as excinfo:
        kms.cost(start="2030-01-01")  # type: ignore[arg-type]
    assert str(excinfo.value) == "start must be a datetime; got '2030-01-01'"
    with pytest.raises(KmsMockUsageError) as excinfo:
        kms.cost(end=1)  # type: ignore[arg-type]
    assert str(excinfo.value) == "end must be a datetime; got 1"
    with pytest.raises(KmsMockUsageError) as excinfo:
        kms.cost(start=T0 + timedelta(seconds=1), end=T0)
    assert str(excinfo.value) == (
        "start (2030-01-01T00:00:01+00:00) is after end (2030-01-01T00:00:00+00:00)"
    )


def test_cost_needs_a_started_mock() -> None:
    with pytest.raises(KmsMockUsageError) as excinfo:
        KmsMock().cost()
    assert str(excinfo.value) == "this mock has not been started; use start() or `with`"


# -- snapshots ---------------------------------------------------------------------------------


def test_a_snapshot_carries_the_ledger_and_its_copies_keep_their_own() -> None:
    with freeze_time(T0) as clock:
        with mock_kms() as first:
            client = client_in(REGION)
            gone = new_key(client)
            client.schedule_key_deletion(KeyId=gone, PendingWindowInDays=7)
            kept = new_key(client)
            clock.tick(timedelta(days=10))
            client.describe_key(KeyId=kept)  # the first key is deleted before this
            snapshot = first.snapshot()
            original = first.cost()
        assert original.key_hours == 240
        assert original.requests == requests(standard=4)
        with mock_kms(snapshot=snapshot) as second:
            assert second.cost() == original
            copy = client_in(REGION)
            copy.schedule_key_deletion(KeyId=kept, PendingWindowInDays=7)
            copy.list_keys()
            clock.tick(timedelta(days=10))
            changed = second.cost()
        assert changed.key_hours == 240
        assert changed.requests == requests(standard=6)
        with mock_kms(snapshot=snapshot) as third:
            again = third.cost()
    assert again.key_hours == 480  # the second mock's changes stayed in it
    assert again.requests == requests(standard=4)

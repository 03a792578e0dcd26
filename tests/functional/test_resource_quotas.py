"""Resource quotas AWS enforces, always on: customer managed keys per account and Region.

(Aliases per key, grants per key, key policy size, tags per key, custom key stores and
on-demand rotations have their tests with their operations.)"""

from __future__ import annotations

import boto3
import pytest
from botocore.client import BaseClient
from conftest import fails, new_key

from kmsmock import KmsMock

QUOTA = (
    "LimitExceededException",
    "The request was rejected because a length constraint or quota was exceeded. For more "
    "information, see Quotas in the Key Management Service Developer Guide.",
)


@pytest.fixture
def three_keys_allowed(kms: KmsMock) -> None:
    kms.configure(limits={"keys_per_region": 3})


@pytest.mark.usefixtures("three_keys_allowed")
def test_customer_managed_keys_per_region(client: BaseClient) -> None:
    first = new_key(client)["KeyId"]
    new_key(client)
    client.describe_key(KeyId="alias/aws/s3")  # AWS managed keys do not count
    new_key(client, KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
    assert fails(client.create_key) == QUOTA
    # A key pending deletion still counts.
    client.schedule_key_deletion(KeyId=first, PendingWindowInDays=7)
    assert fails(client.create_key, KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY") == QUOTA
    assert len(client.list_keys()["Keys"]) == 4  # nothing half-made
    # Other Regions and accounts have their own quota.
    west = boto3.client("kms", region_name="us-west-2")
    assert new_key(west)["KeyId"]


@pytest.mark.usefixtures("three_keys_allowed")
def test_a_replica_counts_in_its_own_region(client: BaseClient) -> None:
    west = boto3.client("kms", region_name="us-west-2")
    for _ in range(3):
        new_key(west)
    primary = new_key(client, MultiRegion=True)["KeyId"]
    assert fails(client.replicate_key, KeyId=primary, ReplicaRegion="us-west-2") == QUOTA
    assert len(west.list_keys()["Keys"]) == 3
    assert client.replicate_key(KeyId=primary, ReplicaRegion="eu-west-1")["ReplicaKeyMetadata"]

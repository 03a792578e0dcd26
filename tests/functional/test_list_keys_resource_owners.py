"""ListKeys' ResourceOwners (botocore 1.44 on): the caller's keys, and the keys other accounts
share with it through AWS RAM, named with ``KmsMock.share_key`` (docs/operations.md)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from conftest import ACCOUNT, REGION, fails, key_arn

from kmsmock import KmsMock, KmsMockUsageError
from kmsmock.aws.service_model import operation_model

OWNER = "111122223333"
SHARED = "OTHER_ACCOUNTS_VIA_RAM"

pytestmark = pytest.mark.skipif(
    "ResourceOwners" not in operation_model("ListKeys").input_shape.members,
    reason="this botocore's model has no ListKeys ResourceOwners (botocore 1.44 added it)",
)


@pytest.fixture
def owner(kms: KmsMock) -> BaseClient:
    """A client of another account, whose keys it may share with the default account."""
    return boto3.client("kms", region_name=REGION, **kms.credentials(f"arn:aws:iam::{OWNER}:root"))


def shared_key(kms: KmsMock, owner: BaseClient, *, region: str = REGION) -> str:
    """A key of ``owner``'s account shared with the default account; its ARN."""
    arn: str = owner.create_key()["KeyMetadata"]["Arn"]
    kms.share_key(arn, ACCOUNT)
    return arn


def arns(answer: dict[str, Any]) -> list[str]:
    return [entry["KeyArn"] for entry in answer["Keys"]]


def test_without_resource_owners_only_own_keys_are_listed(
    client: BaseClient, kms: KmsMock, owner: BaseClient
) -> None:
    mine = client.create_key()["KeyMetadata"]["KeyId"]
    shared_key(kms, owner)
    assert arns(client.list_keys()) == [key_arn(mine)]
    assert arns(client.list_keys(ResourceOwners=["SELF"])) == [key_arn(mine)]


def test_other_accounts_lists_only_what_is_shared_with_the_caller(
    client: BaseClient, kms: KmsMock, owner: BaseClient
) -> None:
    client.create_key()
    first, second = shared_key(kms, owner), shared_key(kms, owner)
    owner.create_key()  # not shared
    elsewhere = owner.create_key()["KeyMetadata"]["Arn"]
    kms.share_key(elsewhere, "444455556666")  # shared with another account
    answer = client.list_keys(ResourceOwners=[SHARED])
    assert answer["Keys"] == [
        {"KeyId": first.rsplit("/", 1)[1], "KeyArn": first},
        {"KeyId": second.rsplit("/", 1)[1], "KeyArn": second},
    ]
    assert answer["Truncated"] is False


def test_shared_keys_of_other_regions_are_not_listed(client: BaseClient, kms: KmsMock) -> None:
    west = boto3.client(
        "kms", region_name="us-west-2", **kms.credentials(f"arn:aws:iam::{OWNER}:root")
    )
    kms.share_key(west.create_key()["KeyMetadata"]["Arn"], ACCOUNT)
    assert client.list_keys(ResourceOwners=[SHARED])["Keys"] == []


@pytest.mark.parametrize(
    "order", [["SELF", SHARED], [SHARED, "SELF"]], ids=["self-first", "shared-first"]
)
def test_both_list_own_keys_first_and_never_in_one_page(
    client: BaseClient, kms: KmsMock, owner: BaseClient, order: list[str]
) -> None:
    mine = [key_arn(client.create_key()["KeyMetadata"]["KeyId"]) for _ in range(2)]
    theirs = [shared_key(kms, owner) for _ in range(2)]
    first = client.list_keys(ResourceOwners=order, Limit=3)
    # The page ends with the own keys although Limit allows a third.
    assert arns(first) == mine and first["Truncated"] is True
    second = client.list_keys(ResourceOwners=order, Limit=3, Marker=first["NextMarker"])
    assert arns(second) == theirs and second["Truncated"] is False


def test_pages_of_shared_keys(client: BaseClient, kms: KmsMock, owner: BaseClient) -> None:
    theirs = [shared_key(kms, owner) for _ in range(3)]
    paginator = client.get_paginator("list_keys")
    pages = list(paginator.paginate(ResourceOwners=[SHARED], PaginationConfig={"PageSize": 2}))
    assert [arns(p) for p in pages] == [theirs[:2], theirs[2:]]


def test_a_marker_is_good_only_with_the_same_resource_owners(
    client: BaseClient, kms: KmsMock, owner: BaseClient
) -> None:
    for _ in range(2):
        client.create_key()
    marker = client.list_keys(Limit=1)["NextMarker"]
    # ResourceOwners left out and [SELF] are the same listing.
    assert len(client.list_keys(ResourceOwners=["SELF"], Marker=marker)["Keys"]) == 1
    assert fails(client.list_keys, ResourceOwners=["SELF", SHARED], Marker=marker) == (
        "InvalidMarkerException",
        "Invalid marker",
    )


def test_a_shared_key_that_was_deleted_is_not_listed(
    client: BaseClient, kms: KmsMock, owner: BaseClient
) -> None:
    arn = shared_key(kms, owner)
    owner.schedule_key_deletion(KeyId=arn, PendingWindowInDays=7)
    # Pending deletion it still exists, and is listed as the owner's ListKeys lists it.
    assert arns(client.list_keys(ResourceOwners=[SHARED])) == [arn]
    kms.share_key("arn:aws:kms:us-east-1:111122223333:key/gone", ACCOUNT)
    assert arns(client.list_keys(ResourceOwners=[SHARED])) == [arn]


@pytest.mark.parametrize(
    "owners, expected",
    [
        (
            [],
            "1 validation error detected: Value '[]' at 'resourceOwners' failed to satisfy "
            "constraint: Member must have length greater than or equal to 1",
        ),
        (
            ["SELF", SHARED, "SELF"],
            f"1 validation error detected: Value '[SELF, {SHARED}, SELF]' at 'resourceOwners' "
            "failed to satisfy constraint: Member must have length less than or equal to 2",
        ),
        (
            ["EVERYONE"],
            "1 validation error detected: Value 'EVERYONE' at 'resourceOwners.1.member' failed "
            f"to satisfy constraint: Member must satisfy enum value set: [SELF, {SHARED}]",
        ),
    ],
    ids=["none", "three", "unknown"],
)
def test_resource_owners_is_checked_by_the_model(
    raw_client: BaseClient, owners: list[str], expected: str
) -> None:
    assert fails(raw_client.list_keys, ResourceOwners=owners) == ("ValidationException", expected)


def test_a_malformed_share_is_a_usage_error(kms: KmsMock) -> None:
    with pytest.raises(KmsMockUsageError) as excinfo:
        kms.share_key("not-an-arn", ACCOUNT)
    assert str(excinfo.value) == (
        "share_key takes a key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY_ID); got 'not-an-arn'"
    )
    arn = f"arn:aws:kms:{REGION}:{OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    for accounts in ((), ("12345",), (123456789012,)):
        with pytest.raises(KmsMockUsageError) as excinfo:
            kms.share_key(arn, *accounts)  # type: ignore[arg-type]
        assert str(excinfo.value) == (
            "share_key(key_arn, *accounts) takes the 12-digit account IDs the key is shared "
            f"with, like share_key(arn, '123456789012'); got {list(accounts)!r}"
        )

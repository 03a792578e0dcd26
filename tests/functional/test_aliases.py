"""CreateAlias, UpdateAlias, DeleteAlias and ListAliases through boto3."""

from __future__ import annotations

import string
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from conftest import ACCOUNT, REGION, error_of
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from kmsmock.backend import managed

ALIAS_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/"
PATTERN = "^[a-zA-Z0-9:/_-]+$"
PREFIX_MESSAGE = (
    'Alias must start with the prefix "alias/". Please see '
    "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html"
)


def _new_key(client: BaseClient) -> dict[str, Any]:
    metadata: dict[str, Any] = client.create_key()["KeyMetadata"]
    return metadata


def _all_aliases(client: BaseClient, **kwargs: Any) -> list[dict[str, Any]]:
    """Every alias of the listing, through botocore's own paginator."""
    pages = client.get_paginator("list_aliases").paginate(**kwargs)
    return [alias for page in pages for alias in page["Aliases"]]


def _user_aliases(client: BaseClient) -> list[dict[str, Any]]:
    """The listing without the predefined ``alias/aws/*`` entries."""
    return [a for a in _all_aliases(client) if not a["AliasName"].startswith("alias/aws/")]


def _target_of(client: BaseClient, name: str) -> str:
    key_id: str = client.describe_key(KeyId=name)["KeyMetadata"]["KeyId"]
    return key_id


def _pending_deletion(client: BaseClient) -> dict[str, Any]:
    key = _new_key(client)
    client.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    return key


# -- CreateAlias --------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["KeyId", "Arn"])
def test_create_alias_is_usable_by_alias_name_and_arn(client: BaseClient, form: str) -> None:
    key = _new_key(client)

    response = client.create_alias(AliasName="alias/app", TargetKeyId=key[form])

    assert set(response) == {"ResponseMetadata"}
    for name in ("alias/app", ALIAS_ARN + "app"):
        assert client.describe_key(KeyId=name)["KeyMetadata"]["Arn"] == key["Arn"]
        encrypted = client.encrypt(KeyId=name, Plaintext=b"secret")
        assert encrypted["KeyId"] == key["Arn"]
        assert client.decrypt(CiphertextBlob=encrypted["CiphertextBlob"])["Plaintext"] == b"secret"


def test_create_alias_accepts_every_allowed_character_and_256_characters(
    client: BaseClient,
) -> None:
    key = _new_key(client)
    names = ["alias/" + string.ascii_letters + string.digits + "/_-", "alias/" + "a" * 250]

    for name in names:
        client.create_alias(AliasName=name, TargetKeyId=key["KeyId"])

    assert len(names[1]) == 256
    assert sorted(a["AliasName"] for a in _user_aliases(client)) == sorted(names)


def test_create_alias_on_disabled_key_is_allowed(client: BaseClient) -> None:
    key = _new_key(client)
    client.disable_key(KeyId=key["KeyId"])

    client.create_alias(AliasName="alias/off", TargetKeyId=key["KeyId"])

    assert _target_of(client, "alias/off") == key["KeyId"]


@pytest.mark.parametrize("name", ["app", "Alias/app", "aliasapp", "arn:aws:kms:x:y:alias/app"])
def test_create_alias_without_prefix_is_rejected(client: BaseClient, name: str) -> None:
    key = _new_key(client)

    with pytest.raises(ClientError) as excinfo:
        client.create_alias(AliasName=name, TargetKeyId=key["KeyId"])

    assert error_of(excinfo) == ("ValidationException", PREFIX_MESSAGE)
    assert _user_aliases(client) == []


@pytest.mark.parametrize("name", ["alias/aws/app", "alias/aws/s3", "alias/aws/"])
def test_create_alias_with_reserved_prefix_is_not_authorized(client: BaseClient, name: str) -> None:
    key = _new_key(client)
    before = _all_aliases(client)

    with pytest.raises(ClientError) as excinfo:
        client.create_alias(AliasName=name, TargetKeyId=key["KeyId"])

    assert error_of(excinfo) == ("NotAuthorizedException", "")
    assert _all_aliases(client) == before


def test_create_alias_over_an_existing_aws_managed_alias_is_not_authorized(
    client: BaseClient,
) -> None:
    managed_key_id = _target_of(client, "alias/aws/s3")  # creates the AWS managed key
    key = _new_key(client)

    with pytest.raises(ClientError) as excinfo:
        client.create_alias(AliasName="alias/aws/s3", TargetKeyId=key["KeyId"])

    assert error_of(excinfo) == ("NotAuthorizedException", "")
    assert _target_of(client, "alias/aws/s3") == managed_key_id


@pytest.mark.parametrize("name", ["alias/Service:Test", "alias/:", "alias/a:b:c"])
def test_create_alias_with_colon_is_rejected(client: BaseClient, name: str) -> None:
    key = _new_key(client)

    with pytest.raises(ClientError) as excinfo:
        client.create_alias(AliasName=name, TargetKeyId=key["KeyId"])

    assert error_of(excinfo) == (
        "ValidationException",
        f"{name} contains invalid characters for an alias",
    )
    assert _user_aliases(client) == []


def _pattern_message(name: str) -> str:
    return (
        f"1 validation error detected: Value '{name}' at 'aliasName' failed to satisfy "
        f"constraint: Member must satisfy regular expression pattern: {PATTERN}"
    )


@pytest.mark.parametrize("name", ["alias/a.b", "alias/a b", "alias/é", "alias/a\n"])
def test_create_alias_with_invalid_characters_fails_the_model_pattern(
    raw_client: BaseClient, name: str
) -> None:
    key = _new_key(raw_client)

    with pytest.raises(ClientError) as excinfo:
        raw_client.create_alias(AliasName=name, TargetKeyId=key["KeyId"])

    assert error_of(excinfo) == ("ValidationException", _pattern_message(name))
    assert _user_aliases(raw_client) == []


_ALLOWED = set(string.ascii_letters + string.digits + ":/_-")


def test_any_disallowed_character_fails_the_model_pattern(raw_client: BaseClient) -> None:
    key_id = _new_key(raw_client)["KeyId"]

    @settings(max_examples=50, deadline=None)
    @given(suffix=st.text(min_size=1, max_size=40).filter(lambda s: not set(s) <= _ALLOWED))
    def rejected(suffix: str) -> None:
        name = "alias/" + suffix
        with pytest.raises(ClientError) as excinfo:
            raw_client.create_alias(AliasName=name, TargetKeyId=key_id)
        assert error_of(excinfo) == ("ValidationException", _pattern_message(name))

    rejected()
    assert _user_aliases(raw_client) == []


def test_create_alias_name_longer_than_256_fails_the_model_length(raw_client: BaseClient) -> None:
    key = _new_key(raw_client)
    name = "alias/" + "a" * 251

    with pytest.raises(ClientError) as excinfo:
        raw_client.create_alias(AliasName=name, TargetKeyId=key["KeyId"])

    assert error_of(excinfo) == (
        "ValidationException",
        f"1 validation error detected: Value '{name}' at 'aliasName' failed to satisfy "
        "constraint: Member must have length less than or equal to 256",
    )
    assert _user_aliases(raw_client) == []


def test_create_duplicate_alias_is_rejected_and_keeps_the_first_target(client: BaseClient) -> None:
    first, second = _new_key(client), _new_key(client)
    client.create_alias(AliasName="alias/x", TargetKeyId=first["KeyId"])
    before = _user_aliases(client)

    for target in (first, second):
        with pytest.raises(ClientError) as excinfo:
            client.create_alias(AliasName="alias/x", TargetKeyId=target["KeyId"])
        assert error_of(excinfo) == (
            "AlreadyExistsException",
            f"An alias with the name {ALIAS_ARN}x already exists",
        )

    assert _user_aliases(client) == before
    assert _target_of(client, "alias/x") == first["KeyId"]


@pytest.mark.parametrize("target", ["alias/first", ALIAS_ARN + "first", "alias/missing"])
def test_create_alias_targeting_an_alias_is_rejected(client: BaseClient, target: str) -> None:
    key = _new_key(client)
    client.create_alias(AliasName="alias/first", TargetKeyId=key["KeyId"])

    with pytest.raises(ClientError) as excinfo:
        client.create_alias(AliasName="alias/second", TargetKeyId=target)

    assert error_of(excinfo) == (
        "InvalidArnException",
        "Key Aliases are not supported for this operation.",
    )
    assert [a["AliasName"] for a in _user_aliases(client)] == ["alias/first"]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            f"Key 'arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab' "
            "does not exist",
        ),
        (
            f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            f"Key 'arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab' "
            "does not exist",
        ),
        ("not-a-key", "Invalid keyId 'not-a-key'"),
    ],
)
def test_create_alias_for_unknown_key_is_not_found(
    client: BaseClient, target: str, message: str
) -> None:
    with pytest.raises(ClientError) as excinfo:
        client.create_alias(AliasName="alias/x", TargetKeyId=target)

    assert error_of(excinfo) == ("NotFoundException", message)
    assert _user_aliases(client) == []


def test_create_alias_for_key_pending_deletion_is_invalid_state(client: BaseClient) -> None:
    key = _pending_deletion(client)

    with pytest.raises(ClientError) as excinfo:
        client.create_alias(AliasName="alias/x", TargetKeyId=key["KeyId"])

    assert error_of(excinfo) == ("KMSInvalidStateException", f"{key['Arn']} is pending deletion.")
    assert _user_aliases(client) == []


def test_fifty_aliases_per_key_then_limit_exceeded(client: BaseClient) -> None:
    key, other = _new_key(client), _new_key(client)
    for i in range(50):
        client.create_alias(AliasName=f"alias/a{i:02}", TargetKeyId=key["KeyId"])

    with pytest.raises(ClientError) as excinfo:
        client.create_alias(AliasName="alias/a50", TargetKeyId=key["Arn"])

    # AWS's message for this was never found recorded; the code is the documented one.
    assert error_of(excinfo) == (
        "LimitExceededException",
        f"Too many aliases for the key {key['Arn']}: the limit is 50.",
    )
    assert len(_all_aliases(client, KeyId=key["KeyId"])) == 50
    client.create_alias(AliasName="alias/a50", TargetKeyId=other["KeyId"])  # per key, not total
    assert _target_of(client, "alias/a50") == other["KeyId"]


# -- UpdateAlias --------------------------------------------------------------------------------


def test_update_alias_moves_it_and_only_touches_last_updated_date(client: BaseClient) -> None:
    old, new = _new_key(client), _new_key(client)
    created = datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)
    updated = datetime(2024, 6, 7, 8, 9, 10, 123000, tzinfo=timezone.utc)
    with freeze_time(created):
        client.create_alias(AliasName="alias/x", TargetKeyId=old["KeyId"])
    with freeze_time(updated):
        response = client.update_alias(AliasName="alias/x", TargetKeyId=new["Arn"])

    assert set(response) == {"ResponseMetadata"}
    [entry] = _user_aliases(client)
    assert entry == {
        "AliasName": "alias/x",
        "AliasArn": ALIAS_ARN + "x",
        "TargetKeyId": new["KeyId"],
        "CreationDate": created,
        "LastUpdatedDate": updated,
    }
    assert client.encrypt(KeyId="alias/x", Plaintext=b"p")["KeyId"] == new["Arn"]
    assert _all_aliases(client, KeyId=old["KeyId"]) == []


def test_update_unknown_alias_is_not_found(client: BaseClient) -> None:
    key = _new_key(client)

    with pytest.raises(ClientError) as excinfo:
        client.update_alias(AliasName="alias/x", TargetKeyId=key["KeyId"])

    assert error_of(excinfo) == ("NotFoundException", f"Alias {ALIAS_ARN}x is not found.")
    assert _user_aliases(client) == []


def test_update_alias_to_key_pending_deletion_is_invalid_state(client: BaseClient) -> None:
    current, doomed = _new_key(client), _pending_deletion(client)
    client.create_alias(AliasName="alias/x", TargetKeyId=current["KeyId"])
    before = _user_aliases(client)

    with pytest.raises(ClientError) as excinfo:
        client.update_alias(AliasName="alias/x", TargetKeyId=doomed["KeyId"])

    assert error_of(excinfo) == (
        "KMSInvalidStateException",
        f"{doomed['Arn']} is pending deletion.",
    )
    assert _user_aliases(client) == before


def test_update_alias_away_from_key_pending_deletion_is_allowed(client: BaseClient) -> None:
    current, new = _new_key(client), _new_key(client)
    client.create_alias(AliasName="alias/x", TargetKeyId=current["KeyId"])
    client.schedule_key_deletion(KeyId=current["KeyId"], PendingWindowInDays=7)

    client.update_alias(AliasName="alias/x", TargetKeyId=new["KeyId"])

    assert _target_of(client, "alias/x") == new["KeyId"]


def test_update_alias_to_disabled_key_is_allowed(client: BaseClient) -> None:
    current, new = _new_key(client), _new_key(client)
    client.create_alias(AliasName="alias/x", TargetKeyId=current["KeyId"])
    client.disable_key(KeyId=new["KeyId"])

    client.update_alias(AliasName="alias/x", TargetKeyId=new["KeyId"])

    assert _target_of(client, "alias/x") == new["KeyId"]


@pytest.mark.parametrize("name", ["alias/aws/s3", "alias/aws/anything"])
def test_update_reserved_alias_is_not_authorized(client: BaseClient, name: str) -> None:
    managed_key_id = _target_of(client, "alias/aws/s3")
    key = _new_key(client)

    with pytest.raises(ClientError) as excinfo:
        client.update_alias(AliasName=name, TargetKeyId=key["KeyId"])

    assert error_of(excinfo) == ("NotAuthorizedException", "")
    assert _target_of(client, "alias/aws/s3") == managed_key_id


def test_update_alias_targeting_an_alias_is_rejected(client: BaseClient) -> None:
    key = _new_key(client)
    client.create_alias(AliasName="alias/x", TargetKeyId=key["KeyId"])
    client.create_alias(AliasName="alias/y", TargetKeyId=_new_key(client)["KeyId"])

    with pytest.raises(ClientError) as excinfo:
        client.update_alias(AliasName="alias/x", TargetKeyId="alias/y")

    assert error_of(excinfo) == (
        "InvalidArnException",
        "Key Aliases are not supported for this operation.",
    )
    assert _target_of(client, "alias/x") == key["KeyId"]


# -- DeleteAlias --------------------------------------------------------------------------------


def test_delete_alias_removes_only_that_alias(client: BaseClient) -> None:
    key = _new_key(client)
    client.create_alias(AliasName="alias/x", TargetKeyId=key["KeyId"])
    client.create_alias(AliasName="alias/y", TargetKeyId=key["KeyId"])

    response = client.delete_alias(AliasName="alias/x")

    assert set(response) == {"ResponseMetadata"}
    assert [a["AliasName"] for a in _user_aliases(client)] == ["alias/y"]
    with pytest.raises(ClientError) as excinfo:
        client.describe_key(KeyId="alias/x")
    assert error_of(excinfo) == ("NotFoundException", f"Alias {ALIAS_ARN}x is not found.")
    assert client.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Enabled"
    # The name is free again.
    client.create_alias(AliasName="alias/x", TargetKeyId=key["KeyId"])


def test_delete_alias_of_key_pending_deletion_is_allowed(client: BaseClient) -> None:
    key = _new_key(client)
    client.create_alias(AliasName="alias/x", TargetKeyId=key["KeyId"])
    client.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)

    client.delete_alias(AliasName="alias/x")

    assert _user_aliases(client) == []


def test_delete_unknown_alias_is_not_found(client: BaseClient) -> None:
    key = _new_key(client)
    client.create_alias(AliasName="alias/y", TargetKeyId=key["KeyId"])

    with pytest.raises(ClientError) as excinfo:
        client.delete_alias(AliasName="alias/x")

    assert error_of(excinfo) == ("NotFoundException", f"Alias {ALIAS_ARN}x is not found.")
    assert [a["AliasName"] for a in _user_aliases(client)] == ["alias/y"]


@pytest.mark.parametrize("name", ["alias/aws/s3", "alias/aws/anything"])
def test_delete_reserved_alias_is_not_authorized(client: BaseClient, name: str) -> None:
    managed_key_id = _target_of(client, "alias/aws/s3")

    with pytest.raises(ClientError) as excinfo:
        client.delete_alias(AliasName=name)

    assert error_of(excinfo) == ("NotAuthorizedException", "")
    assert _target_of(client, "alias/aws/s3") == managed_key_id


# -- ListAliases --------------------------------------------------------------------------------


def test_list_aliases_entries_are_complete_and_sorted_by_name(client: BaseClient) -> None:
    key, other = _new_key(client), _new_key(client)
    moment = datetime(2025, 3, 4, 5, 6, 7, 890000, tzinfo=timezone.utc)
    with freeze_time(moment):
        for name, target in [("alias/b", key), ("alias/C", other), ("alias/a/z", key)]:
            client.create_alias(AliasName=name, TargetKeyId=target["KeyId"])

    response = client.list_aliases()

    assert response["Truncated"] is False
    assert "NextMarker" not in response
    names = [a["AliasName"] for a in response["Aliases"]]
    assert names == sorted(names)
    assert [a for a in response["Aliases"] if not a["AliasName"].startswith("alias/aws/")] == [
        {
            "AliasName": name,
            "AliasArn": ALIAS_ARN + name[len("alias/") :],
            "TargetKeyId": target["KeyId"],
            "CreationDate": moment,
            "LastUpdatedDate": moment,
        }
        for name, target in [("alias/C", other), ("alias/a/z", key), ("alias/b", key)]
    ]


def test_list_aliases_includes_predefined_aws_aliases_until_bound(client: BaseClient) -> None:
    predefined = {managed.PREFIX + service for service in managed.DESCRIPTIONS}

    listed = {a["AliasName"]: a for a in _all_aliases(client)}

    assert set(listed) == predefined
    for name, entry in listed.items():
        assert entry == {"AliasName": name, "AliasArn": f"arn:aws:kms:{REGION}:{ACCOUNT}:{name}"}

    key_id = _target_of(client, "alias/aws/s3")  # names it, so AWS creates the key
    bound = {a["AliasName"]: a for a in _all_aliases(client)}["alias/aws/s3"]
    assert bound["TargetKeyId"] == key_id
    assert _all_aliases(client, KeyId=key_id) == [bound]


@pytest.mark.parametrize("form", ["KeyId", "Arn"])
def test_list_aliases_filtered_by_key(client: BaseClient, form: str) -> None:
    key, other, bare = _new_key(client), _new_key(client), _new_key(client)
    for name, target in [("alias/k2", key), ("alias/o", other), ("alias/k1", key)]:
        client.create_alias(AliasName=name, TargetKeyId=target["KeyId"])

    response = client.list_aliases(KeyId=key[form])

    assert [a["AliasName"] for a in response["Aliases"]] == ["alias/k1", "alias/k2"]
    assert {a["TargetKeyId"] for a in response["Aliases"]} == {key["KeyId"]}
    assert response["Truncated"] is False
    assert client.list_aliases(KeyId=bare[form])["Aliases"] == []


def test_list_aliases_of_key_pending_deletion(client: BaseClient) -> None:
    key = _new_key(client)
    client.create_alias(AliasName="alias/x", TargetKeyId=key["KeyId"])
    client.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)

    assert [a["AliasName"] for a in _all_aliases(client, KeyId=key["KeyId"])] == ["alias/x"]


@pytest.mark.parametrize("key_id", ["alias/x", ALIAS_ARN + "x"])
def test_list_aliases_by_alias_is_rejected(client: BaseClient, key_id: str) -> None:
    client.create_alias(AliasName="alias/x", TargetKeyId=_new_key(client)["KeyId"])

    with pytest.raises(ClientError) as excinfo:
        client.list_aliases(KeyId=key_id)

    assert error_of(excinfo) == (
        "InvalidArnException",
        "Key Aliases are not supported for this operation.",
    )


def test_list_aliases_of_unknown_key_is_not_found(client: BaseClient) -> None:
    key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"

    with pytest.raises(ClientError) as excinfo:
        client.list_aliases(KeyId=key_id)

    assert error_of(excinfo) == (
        "NotFoundException",
        f"Key 'arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}' does not exist",
    )


def test_list_aliases_shows_only_this_region(client: BaseClient) -> None:
    west = boto3.client("kms", region_name="us-west-2")
    west_key = _new_key(west)
    west.create_alias(AliasName="alias/west", TargetKeyId=west_key["KeyId"])
    client.create_alias(AliasName="alias/east", TargetKeyId=_new_key(client)["KeyId"])

    assert [a["AliasName"] for a in _user_aliases(client)] == ["alias/east"]
    assert [a["AliasName"] for a in _user_aliases(west)] == ["alias/west"]
    assert _user_aliases(west)[0]["AliasArn"] == f"arn:aws:kms:us-west-2:{ACCOUNT}:alias/west"
    # The same name is free in each region.
    west.create_alias(AliasName="alias/east", TargetKeyId=west_key["KeyId"])


def test_list_aliases_default_limit_is_50_and_pages_with_markers(client: BaseClient) -> None:
    keys = [_new_key(client) for _ in range(3)]
    for i in range(120):
        client.create_alias(AliasName=f"alias/n{i:03}", TargetKeyId=keys[i % 3]["KeyId"])
    expected = sorted(a["AliasName"] for a in _all_aliases(client))
    assert len(expected) == 120 + len(managed.DESCRIPTIONS)

    first = client.list_aliases()
    assert len(first["Aliases"]) == 50
    assert first["Truncated"] is True

    names, marker, pages = [], None, 0
    while True:
        response = client.list_aliases(Limit=100, **({"Marker": marker} if marker else {}))
        pages += 1
        names += [a["AliasName"] for a in response["Aliases"]]
        if not response["Truncated"]:
            assert "NextMarker" not in response
            break
        assert len(response["Aliases"]) == 100
        marker = response["NextMarker"]
    assert names == expected
    assert pages == 2


def test_list_aliases_filtered_by_key_pages_too(client: BaseClient) -> None:
    key = _new_key(client)
    for i in range(20):
        client.create_alias(AliasName=f"alias/n{i:02}", TargetKeyId=key["KeyId"])
        client.create_alias(AliasName=f"alias/m{i:02}", TargetKeyId=_new_key(client)["KeyId"])

    listed = _all_aliases(client, KeyId=key["KeyId"], PaginationConfig={"PageSize": 6})

    assert [a["AliasName"] for a in listed] == [f"alias/n{i:02}" for i in range(20)]


@pytest.mark.parametrize(
    ("limit", "bound"),
    [(101, "less than or equal to 100"), (1001, "less than or equal to 1000")],
)
def test_list_aliases_limit_over_100_is_rejected(
    raw_client: BaseClient, limit: int, bound: str
) -> None:
    with pytest.raises(ClientError) as excinfo:
        raw_client.list_aliases(Limit=limit)

    assert error_of(excinfo) == (
        "ValidationException",
        f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy "
        f"constraint: Member must have value {bound}",
    )


def test_list_aliases_limit_0_is_rejected(raw_client: BaseClient) -> None:
    with pytest.raises(ClientError) as excinfo:
        raw_client.list_aliases(Limit=0)

    assert error_of(excinfo) == (
        "ValidationException",
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1",
    )


def test_list_aliases_limit_100_is_accepted(client: BaseClient) -> None:
    response = client.list_aliases(Limit=100)

    assert len(response["Aliases"]) == len(managed.DESCRIPTIONS)
    assert response["Truncated"] is False

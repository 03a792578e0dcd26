"""TagResource, UntagResource and ListResourceTags through boto3."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from conftest import ACCOUNT, REGION, error_of
from hypothesis import given, settings
from hypothesis import strategies as st

ALIASES_NOT_SUPPORTED = ("InvalidArnException", "Key Aliases are not supported for this operation.")


def _new_key(client: BaseClient, **kwargs: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = client.create_key(**kwargs)["KeyMetadata"]
    return metadata


def _tags(client: BaseClient, key_id: str) -> list[dict[str, str]]:
    pages = client.get_paginator("list_resource_tags").paginate(KeyId=key_id)
    return [tag for page in pages for tag in page["Tags"]]


def _tag_list(pairs: dict[str, str]) -> list[dict[str, str]]:
    return [{"TagKey": k, "TagValue": v} for k, v in pairs.items()]


def test_tag_resource_adds_tags_listed_sorted_by_key(client: BaseClient) -> None:
    key = _new_key(client)

    response = client.tag_resource(
        KeyId=key["KeyId"], Tags=_tag_list({"team": "a", "Env": "prod", "cost": "1"})
    )
    client.tag_resource(KeyId=key["Arn"], Tags=_tag_list({"b": "2"}))

    assert set(response) == {"ResponseMetadata"}
    listed = client.list_resource_tags(KeyId=key["KeyId"])
    assert listed["Tags"] == _tag_list({"Env": "prod", "b": "2", "cost": "1", "team": "a"})
    assert listed["Truncated"] is False
    assert "NextMarker" not in listed
    assert client.list_resource_tags(KeyId=key["Arn"])["Tags"] == listed["Tags"]


def test_tag_keys_are_case_sensitive(client: BaseClient) -> None:
    key = _new_key(client)

    client.tag_resource(KeyId=key["KeyId"], Tags=_tag_list({"a": "1", "A": "2"}))

    assert _tags(client, key["KeyId"]) == _tag_list({"A": "2", "a": "1"})


def test_tag_resource_overwrites_a_value_in_place(client: BaseClient) -> None:
    key = _new_key(client, Tags=_tag_list({"tag1": "v1", "tag2": "v2", "tag3": "v3"}))

    client.tag_resource(KeyId=key["KeyId"], Tags=_tag_list({"tag2": "new"}))

    assert _tags(client, key["KeyId"]) == _tag_list({"tag1": "v1", "tag2": "new", "tag3": "v3"})


def test_empty_tag_value_is_allowed(client: BaseClient) -> None:
    key = _new_key(client)

    client.tag_resource(KeyId=key["KeyId"], Tags=_tag_list({"empty": ""}))

    assert _tags(client, key["KeyId"]) == [{"TagKey": "empty", "TagValue": ""}]


def test_longest_tag_key_and_value_are_allowed(client: BaseClient) -> None:
    key = _new_key(client)

    client.tag_resource(KeyId=key["KeyId"], Tags=_tag_list({"k" * 128: "v" * 256}))

    assert _tags(client, key["KeyId"]) == _tag_list({"k" * 128: "v" * 256})


def test_tags_of_a_disabled_key_can_change(client: BaseClient) -> None:
    key = _new_key(client)
    client.disable_key(KeyId=key["KeyId"])

    client.tag_resource(KeyId=key["KeyId"], Tags=_tag_list({"a": "1", "b": "2"}))
    client.untag_resource(KeyId=key["KeyId"], TagKeys=["a"])

    assert _tags(client, key["KeyId"]) == _tag_list({"b": "2"})


def test_untag_resource_removes_and_ignores_missing_keys(client: BaseClient) -> None:
    key = _new_key(client, Tags=_tag_list({"a": "1", "b": "2", "c": "3"}))

    response = client.untag_resource(KeyId=key["Arn"], TagKeys=["a", "missing", "C"])

    assert set(response) == {"ResponseMetadata"}
    assert _tags(client, key["KeyId"]) == _tag_list({"b": "2", "c": "3"})


def test_list_resource_tags_is_an_empty_list_when_untagged(client: BaseClient) -> None:
    key = _new_key(client, Tags=_tag_list({"a": "1"}))
    client.untag_resource(KeyId=key["KeyId"], TagKeys=["a"])

    response = client.list_resource_tags(KeyId=key["KeyId"])

    assert response["Tags"] == []
    assert response["Truncated"] is False
    assert "NextMarker" not in response
    assert client.list_resource_tags(KeyId=_new_key(client)["KeyId"])["Tags"] == []


def test_fifty_tags_are_allowed(client: BaseClient) -> None:
    key = _new_key(client, Tags=_tag_list({f"k{i:02}": "x" for i in range(25)}))

    client.tag_resource(
        KeyId=key["KeyId"], Tags=_tag_list({f"k{i:02}": "y" for i in range(25, 50)})
    )
    # Overwriting an existing tag does not count against the limit.
    client.tag_resource(KeyId=key["KeyId"], Tags=_tag_list({"k00": "z"}))

    tags = _tags(client, key["KeyId"])
    assert len(tags) == 50
    assert tags[0] == {"TagKey": "k00", "TagValue": "z"}


@pytest.mark.parametrize(("existing", "added"), [(0, 51), (49, 2), (50, 1)])
def test_more_than_fifty_tags_counting_existing_ones_is_rejected(
    client: BaseClient, existing: int, added: int
) -> None:
    key = _new_key(client)
    if existing:
        client.tag_resource(
            KeyId=key["KeyId"], Tags=_tag_list({f"old{i:02}": "o" for i in range(existing)})
        )
    before = _tags(client, key["KeyId"])
    # The request also overwrites an existing tag: that must not happen either.
    request = {f"new{i:02}": "n" for i in range(added)}
    if existing:
        request["old00"] = "changed"

    with pytest.raises(ClientError) as excinfo:
        client.tag_resource(KeyId=key["KeyId"], Tags=_tag_list(request))

    assert error_of(excinfo) == ("TagException", "Too many tags")
    assert _tags(client, key["KeyId"]) == before


@pytest.mark.parametrize("reserved", ["aws:x", "AWS:x", "Aws:Name", "aWs:"])
def test_aws_prefixed_tag_keys_are_reserved(client: BaseClient, reserved: str) -> None:
    key = _new_key(client, Tags=_tag_list({"keep": "1"}))

    with pytest.raises(ClientError) as excinfo:
        client.tag_resource(
            KeyId=key["KeyId"], Tags=_tag_list({"ok": "1", reserved: "v", "keep": "2"})
        )

    assert error_of(excinfo) == ("TagException", "Tags beginning with aws: are reserved")
    assert _tags(client, key["KeyId"]) == _tag_list({"keep": "1"})


def test_aws_lookalike_tag_keys_are_allowed(client: BaseClient) -> None:
    key = _new_key(client)

    client.tag_resource(
        KeyId=key["KeyId"], Tags=_tag_list({"aws": "1", "awsx:": "2", "x:aws:": "3"})
    )

    assert [t["TagKey"] for t in _tags(client, key["KeyId"])] == ["aws", "awsx:", "x:aws:"]


def test_untagging_an_aws_prefixed_key_is_rejected(client: BaseClient) -> None:
    # Not recorded from AWS; kmsmock treats the reserved prefix alike in both directions.
    key = _new_key(client, Tags=_tag_list({"a": "1"}))

    with pytest.raises(ClientError) as excinfo:
        client.untag_resource(KeyId=key["KeyId"], TagKeys=["a", "AWS:x"])

    assert error_of(excinfo) == ("TagException", "Tags beginning with aws: are reserved")
    assert _tags(client, key["KeyId"]) == _tag_list({"a": "1"})


def test_duplicate_tag_keys_in_one_request_are_rejected(client: BaseClient) -> None:
    key = _new_key(client, Tags=_tag_list({"a": "1"}))
    tags = [
        {"TagKey": "b", "TagValue": "1"},
        {"TagKey": "a", "TagValue": "2"},
        {"TagKey": "b", "TagValue": "1"},
    ]

    with pytest.raises(ClientError) as excinfo:
        client.tag_resource(KeyId=key["KeyId"], Tags=tags)

    assert error_of(excinfo) == ("TagException", "Duplicate tag keys")
    assert _tags(client, key["KeyId"]) == _tag_list({"a": "1"})


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        (
            [{"TagKey": "a" * 129, "TagValue": "v"}],
            f"1 validation error detected: Value '{'a' * 129}' at 'tags.1.member.tagKey' failed "
            "to satisfy constraint: Member must have length less than or equal to 128",
        ),
        (
            [{"TagKey": "ok", "TagValue": "v"}, {"TagKey": "k", "TagValue": "v" * 257}],
            f"1 validation error detected: Value '{'v' * 257}' at 'tags.2.member.tagValue' "
            "failed to satisfy constraint: Member must have length less than or equal to 256",
        ),
        (
            [{"TagKey": "", "TagValue": "v"}],
            "1 validation error detected: Value '' at 'tags.1.member.tagKey' failed to satisfy "
            "constraint: Member must have length greater than or equal to 1",
        ),
    ],
)
def test_tag_lengths_are_validated(
    raw_client: BaseClient, tags: list[dict[str, str]], message: str
) -> None:
    key = _new_key(raw_client, Tags=_tag_list({"keep": "1"}))

    with pytest.raises(ClientError) as excinfo:
        raw_client.tag_resource(KeyId=key["KeyId"], Tags=tags)

    assert error_of(excinfo) == ("ValidationException", message)
    assert _tags(raw_client, key["KeyId"]) == _tag_list({"keep": "1"})


def test_tag_value_is_required(raw_client: BaseClient) -> None:
    key = _new_key(raw_client)

    with pytest.raises(ClientError) as excinfo:
        raw_client.tag_resource(KeyId=key["KeyId"], Tags=[{"TagKey": "a"}])

    assert error_of(excinfo) == (
        "ValidationException",
        "1 validation error detected: Value null at 'tags.1.member.tagValue' failed to satisfy "
        "constraint: Member must not be null",
    )
    assert _tags(raw_client, key["KeyId"]) == []


@pytest.mark.parametrize("alias", ["alias/x", f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/x"])
def test_tag_operations_reject_aliases(client: BaseClient, alias: str) -> None:
    key = _new_key(client, Tags=_tag_list({"a": "1"}))
    client.create_alias(AliasName="alias/x", TargetKeyId=key["KeyId"])
    calls = [
        lambda: client.tag_resource(KeyId=alias, Tags=_tag_list({"b": "2"})),
        lambda: client.untag_resource(KeyId=alias, TagKeys=["a"]),
        lambda: client.list_resource_tags(KeyId=alias),
    ]

    for call in calls:
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == ALIASES_NOT_SUPPORTED

    assert _tags(client, key["KeyId"]) == _tag_list({"a": "1"})


def test_tag_operations_on_unknown_key_are_not_found(client: BaseClient) -> None:
    key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
    message = f"Key 'arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}' does not exist"
    calls = [
        lambda: client.tag_resource(KeyId=key_id, Tags=_tag_list({"b": "2"})),
        lambda: client.untag_resource(KeyId=key_id, TagKeys=["a"]),
        lambda: client.list_resource_tags(KeyId=key_id),
    ]

    for call in calls:
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == ("NotFoundException", message)


def test_tagging_a_key_pending_deletion_is_invalid_state(client: BaseClient) -> None:
    key = _new_key(client, Tags=_tag_list({"a": "1"}))
    client.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)

    with pytest.raises(ClientError) as excinfo:
        client.tag_resource(KeyId=key["KeyId"], Tags=_tag_list({"b": "2"}))

    assert error_of(excinfo) == ("KMSInvalidStateException", f"{key['Arn']} is pending deletion.")
    # Reading the tags works in every state.
    assert _tags(client, key["KeyId"]) == _tag_list({"a": "1"})


def test_untagging_a_key_pending_deletion_is_invalid_state(client: BaseClient) -> None:
    # Key-state table of the KMS Developer Guide: UntagResource fails with [3] too.
    key = _new_key(client, Tags=_tag_list({"a": "1"}))
    client.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)

    with pytest.raises(ClientError) as excinfo:
        client.untag_resource(KeyId=key["KeyId"], TagKeys=["a"])

    assert error_of(excinfo) == ("KMSInvalidStateException", f"{key['Arn']} is pending deletion.")
    assert _tags(client, key["KeyId"]) == _tag_list({"a": "1"})


# -- ListResourceTags paging --------------------------------------------------------------------


def test_list_resource_tags_limit_over_50_is_rejected(raw_client: BaseClient) -> None:
    key = _new_key(raw_client)

    with pytest.raises(ClientError) as excinfo:
        raw_client.list_resource_tags(KeyId=key["KeyId"], Limit=51)

    assert error_of(excinfo) == (
        "ValidationException",
        "1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: "
        "Member must have value less than or equal to 50",
    )


def test_list_resource_tags_default_and_maximum_limit_is_50(client: BaseClient) -> None:
    key = _new_key(client, Tags=_tag_list({f"k{i:02}": str(i) for i in range(50)}))

    for kwargs in ({}, {"Limit": 50}):
        response = client.list_resource_tags(KeyId=key["KeyId"], **kwargs)
        assert len(response["Tags"]) == 50
        assert response["Truncated"] is False
        assert "NextMarker" not in response


def test_list_resource_tags_pages_through_every_tag_once(client: BaseClient) -> None:
    expected = _tag_list({f"k{i:02}": str(i) for i in range(50)})
    key_id = _new_key(client, Tags=expected[::-1])["KeyId"]

    # Listing changes nothing, so every example can list the same key.
    @settings(max_examples=30, deadline=None)
    @given(limit=st.integers(min_value=1, max_value=50))
    def pages_through(limit: int) -> None:
        seen: list[dict[str, str]] = []
        marker: str | None = None
        while True:
            kwargs: dict[str, Any] = {"KeyId": key_id, "Limit": limit}
            if marker is not None:
                kwargs["Marker"] = marker
            response = client.list_resource_tags(**kwargs)
            seen += response["Tags"]
            if not response["Truncated"]:
                assert "NextMarker" not in response
                break
            assert len(response["Tags"]) == limit
            marker = response["NextMarker"]
        assert seen == expected

    pages_through()


def test_untagging_between_pages_skips_nothing(client: BaseClient) -> None:
    key = _new_key(client, Tags=_tag_list({f"k{i}": "v" for i in range(9)}))
    first = client.list_resource_tags(KeyId=key["KeyId"], Limit=3)
    assert [t["TagKey"] for t in first["Tags"]] == ["k0", "k1", "k2"]

    # Remove tags already returned (including the last one) and add one on either side.
    client.untag_resource(KeyId=key["KeyId"], TagKeys=["k0", "k2"])
    client.tag_resource(KeyId=key["KeyId"], Tags=_tag_list({"k2a": "new", "k1a": "before"}))
    rest = client.list_resource_tags(KeyId=key["KeyId"], Marker=first["NextMarker"])

    assert [t["TagKey"] for t in rest["Tags"]] == ["k2a", "k3", "k4", "k5", "k6", "k7", "k8"]
    assert rest["Truncated"] is False


def test_list_resource_tags_rejects_a_marker_of_another_listing(client: BaseClient) -> None:
    key = _new_key(client, Tags=_tag_list({"a": "1", "b": "2"}))
    for _ in range(2):
        _new_key(client)
    keys_marker = client.list_keys(Limit=1)["NextMarker"]

    for marker in (keys_marker, "not-a-marker"):
        with pytest.raises(ClientError) as excinfo:
            client.list_resource_tags(KeyId=key["KeyId"], Marker=marker)
        assert error_of(excinfo) == ("InvalidMarkerException", "Invalid marker")

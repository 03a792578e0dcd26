"""Key lifecycle through boto3: CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey,
UpdateKeyDescription, ScheduleKeyDeletion, CancelKeyDeletion, and the key states they move
a key through."""

from __future__ import annotations

import re
import string
import uuid
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from conftest import (
    ACCOUNT,
    REGION,
    describe,
    enum_listing,
    error_of,
    key_arn,
    model_has,
    new_key,
    requires_model,
)
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmsmock import KmsMock, mock_kms

FROZEN = "2024-05-06 07:08:09.123456"
# AWS reports milliseconds, and so does the mock.
FROZEN_AT = datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=timezone.utc)
UNKNOWN_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
ALIAS_NOT_SUPPORTED = ("InvalidArnException", "Key Aliases are not supported for this operation.")
_fixture_settings = settings(
    max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)


def all_key_ids(client: BaseClient) -> list[str]:
    return [k["KeyId"] for k in client.list_keys(Limit=1000)["Keys"]]


# -- CreateKey -------------------------------------------------------------------------------


def test_create_key_returns_the_metadata_aws_returns(client: BaseClient) -> None:
    with freeze_time(FROZEN):
        meta = new_key(client)
    key_id = meta["KeyId"]
    assert uuid.UUID(key_id).version == 4 and str(uuid.UUID(key_id)) == key_id
    if model_has("KeyMetadata.CurrentKeyMaterialId"):  # not in botocore 1.35's model
        assert re.fullmatch(r"[0-9a-f]{64}", meta.pop("CurrentKeyMaterialId"))
    assert meta == {
        "AWSAccountId": ACCOUNT,
        "KeyId": key_id,
        "Arn": key_arn(key_id),
        "CreationDate": FROZEN_AT,
        "Enabled": True,
        "Description": "",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": "Enabled",
        "Origin": "AWS_KMS",
        "KeyManager": "CUSTOMER",
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "MultiRegion": False,
    }
    assert meta["CreationDate"].tzinfo is not None


def test_describe_key_returns_what_create_key_returned(client: BaseClient) -> None:
    created = new_key(client, Description="test key 123")
    assert describe(client, created["KeyId"]) == created
    assert created["Description"] == "test key 123"


@pytest.mark.parametrize(
    "params",
    [{"KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT"}]
    + [{"CustomerMasterKeySpec": "SYMMETRIC_DEFAULT"}],  # deprecated, still accepted
)
def test_explicit_defaults_make_the_same_key(client: BaseClient, params: dict[str, str]) -> None:
    meta = new_key(client, **params)
    assert (meta["KeySpec"], meta["CustomerMasterKeySpec"], meta["KeyUsage"]) == (
        "SYMMETRIC_DEFAULT",
        "SYMMETRIC_DEFAULT",
        "ENCRYPT_DECRYPT",
    )


def test_key_spec_and_customer_master_key_spec_together_are_refused(client: BaseClient) -> None:
    with pytest.raises(ClientError) as excinfo:
        client.create_key(KeySpec="SYMMETRIC_DEFAULT", CustomerMasterKeySpec="SYMMETRIC_DEFAULT")
    assert error_of(excinfo) == (
        "ValidationException",
        "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. "
        "CustomerMasterKeySpec is deprecated.",
    )


def test_create_key_stores_description_tags_and_policy(client: BaseClient) -> None:
    policy = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":'
        f'"arn:aws:iam::{ACCOUNT}:root"}},"Action":"kms:*","Resource":"*"}}]}}'
    )
    tags = [{"TagKey": "team", "TagValue": "payments"}, {"TagKey": "empty", "TagValue": ""}]
    key_id = new_key(client, Description="d\u00e9j\u00e0 vu", Tags=tags, Policy=policy)["KeyId"]
    assert describe(client, key_id)["Description"] == "d\u00e9j\u00e0 vu"
    listed = client.list_resource_tags(KeyId=key_id)["Tags"]
    assert sorted(listed, key=lambda t: t["TagKey"]) == sorted(tags, key=lambda t: t["TagKey"])
    assert client.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"] == policy


@requires_model("KeyMetadata.CurrentKeyMaterialId")
def test_each_key_gets_its_own_id_and_key_material(client: BaseClient) -> None:
    keys = [new_key(client) for _ in range(5)]
    assert len({k["KeyId"] for k in keys}) == 5
    assert len({k["CurrentKeyMaterialId"] for k in keys}) == 5


@pytest.mark.parametrize(
    ("spec", "usage"),
    [
        ("SYMMETRIC_DEFAULT", "SIGN_VERIFY"),
        ("SYMMETRIC_DEFAULT", "GENERATE_VERIFY_MAC"),
        ("SYMMETRIC_DEFAULT", "KEY_AGREEMENT"),
        ("RSA_2048", "KEY_AGREEMENT"),  # recorded from AWS
        ("RSA_4096", "GENERATE_VERIFY_MAC"),
        ("ECC_SECG_P256K1", "KEY_AGREEMENT"),
        ("ECC_NIST_P256", "ENCRYPT_DECRYPT"),
        ("HMAC_256", "ENCRYPT_DECRYPT"),
        ("HMAC_512", "SIGN_VERIFY"),
        pytest.param("ML_DSA_44", "ENCRYPT_DECRYPT", marks=requires_model("KeySpec:ML_DSA_44")),
    ],
)
def test_incompatible_key_usage_is_refused(client: BaseClient, spec: str, usage: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        client.create_key(KeySpec=spec, KeyUsage=usage)
    assert error_of(excinfo) == (
        "ValidationException",
        f"KeyUsage {usage} is not compatible with KeySpec {spec}",
    )
    assert all_key_ids(client) == []


def test_key_usage_is_required_for_non_symmetric_specs(client: BaseClient) -> None:
    with pytest.raises(ClientError) as excinfo:
        client.create_key(KeySpec="HMAC_256")
    assert error_of(excinfo) == (
        "ValidationException",
        "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.",
    )


# The enum lists as AWS printed them (recorded), with the values the model has gained since
# appended in model order.
_KEY_SPECS = enum_listing(
    "KeySpec",
    "[RSA_2048, ECC_NIST_P384, ECC_NIST_P256, ECC_NIST_P521, HMAC_384, RSA_3072, "
    "ECC_SECG_P256K1, RSA_4096, SYMMETRIC_DEFAULT, HMAC_256, HMAC_224, HMAC_512, SM2, ML_DSA_44, "
    "ML_DSA_65, ML_DSA_87, ECC_NIST_EDWARDS25519]",
)
_KEY_USAGES = enum_listing(
    "KeyUsageType", "[ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC, KEY_AGREEMENT]"
)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"KeySpec": "HMAC_random"},
            "1 validation error detected: Value 'HMAC_random' at 'keySpec' failed to satisfy "
            f"constraint: Member must satisfy enum value set: {_KEY_SPECS}",
        ),
        (
            {"KeySpec": "HMAC_256", "KeyUsage": "RANDOM"},
            "1 validation error detected: Value 'RANDOM' at 'keyUsage' failed to satisfy "
            f"constraint: Member must satisfy enum value set: {_KEY_USAGES}",
        ),
        (
            {"KeySpec": "nope", "KeyUsage": "RANDOM"},
            "2 validation errors detected: Value 'RANDOM' at 'keyUsage' failed to satisfy "
            f"constraint: Member must satisfy enum value set: {_KEY_USAGES}; Value 'nope' at "
            f"'keySpec' failed to satisfy constraint: Member must satisfy enum value set: "
            f"{_KEY_SPECS}",
        ),
        (
            {"Description": "x" * 8193},
            "1 validation error detected: Value '"
            + "x" * 8193
            + "' at 'description' failed to satisfy constraint: Member must have length less "
            "than or equal to 8192",
        ),
    ],
)
def test_invalid_members_are_refused_as_aws_validates_them(
    raw_client: BaseClient, params: dict[str, str], message: str
) -> None:
    with pytest.raises(ClientError) as excinfo:
        raw_client.create_key(**params)
    assert error_of(excinfo) == ("ValidationException", message)
    assert all_key_ids(raw_client) == []


def test_description_of_maximum_length_is_accepted(client: BaseClient) -> None:
    assert new_key(client, Description="x" * 8192)["Description"] == "x" * 8192


def tags(count: int, prefix: str = "key") -> list[dict[str, str]]:
    return [{"TagKey": f"{prefix}{i}", "TagValue": f"value{i}"} for i in range(count)]


def test_fifty_tags_are_accepted(client: BaseClient) -> None:
    key_id = new_key(client, Tags=tags(50))["KeyId"]
    assert len(client.list_resource_tags(KeyId=key_id)["Tags"]) == 50


@pytest.mark.parametrize(
    ("tag_list", "message"),
    [
        (tags(51), "Too many tags"),
        ([{"TagKey": "aws:key1", "TagValue": "v"}], "Tags beginning with aws: are reserved"),
        ([{"TagKey": "AWS:key1", "TagValue": "v"}], "Tags beginning with aws: are reserved"),
        ([*tags(2), {"TagKey": "key1", "TagValue": "again"}], "Duplicate tag keys"),
    ],
)
def test_bad_tags_are_refused_and_no_key_is_made(
    client: BaseClient, tag_list: list[dict[str, str]], message: str
) -> None:
    with pytest.raises(ClientError) as excinfo:
        client.create_key(Tags=tag_list)
    assert error_of(excinfo) == ("TagException", message)
    assert all_key_ids(client) == []


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        (
            {"TagKey": "a" * 129, "TagValue": "v"},
            "1 validation error detected: Value '"
            + "a" * 129
            + "' at 'tags.1.member.tagKey' failed to satisfy constraint: Member must have "
            "length less than or equal to 128",
        ),
        (
            {"TagKey": "k", "TagValue": "v" * 257},
            "1 validation error detected: Value '"
            + "v" * 257
            + "' at 'tags.1.member.tagValue' failed to satisfy constraint: Member must have "
            "length less than or equal to 256",
        ),
    ],
)
def test_over_long_tags_are_refused_as_recorded(
    raw_client: BaseClient, tag: dict[str, str], message: str
) -> None:
    with pytest.raises(ClientError) as excinfo:
        raw_client.create_key(Tags=[tag])
    assert error_of(excinfo) == ("ValidationException", message)


@pytest.mark.parametrize(
    "params",
    [
        {"KeySpec": "SM2", "KeyUsage": "ENCRYPT_DECRYPT"},
        {"CustomerMasterKeySpec": "SM2", "KeyUsage": "SIGN_VERIFY"},
    ],
)
def test_sm2_is_not_offered_outside_china(client: BaseClient, params: dict[str, Any]) -> None:
    # As a third-party report quotes AWS in us-east-1 (floci-io/floci#3026); test_sm2.py covers
    # the China regions, where SM2 keys need the optional dependency gmssl.
    with pytest.raises(ClientError) as excinfo:
        client.create_key(**params)
    assert error_of(excinfo) == (
        "UnsupportedOperationException",
        "KeySpec SM2 is not supported in this Region",
    )
    assert all_key_ids(client) == []


def test_explicit_single_region_key_is_accepted(client: BaseClient) -> None:
    meta = new_key(client, MultiRegion=False, Origin="AWS_KMS")
    assert meta["MultiRegion"] is False
    assert "MultiRegionConfiguration" not in meta


@pytest.mark.parametrize("policy", ["not json", "{", "[]", '"a string"', "42", "null"])
def test_policy_that_is_not_a_json_object_is_malformed(client: BaseClient, policy: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        client.create_key(Policy=policy)
    assert error_of(excinfo) == ("MalformedPolicyDocumentException", "")
    assert all_key_ids(client) == []


# -- DescribeKey -----------------------------------------------------------------------------


def test_describe_key_by_every_identifier(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    client.create_alias(AliasName="alias/orders", TargetKeyId=key_id)
    names = [
        key_id,
        key_arn(key_id),
        "alias/orders",
        f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/orders",
    ]
    for name in names:
        assert describe(client, name)["KeyId"] == key_id


@pytest.mark.parametrize(
    ("key_id", "message"),
    [
        ("fake-key-id", "Invalid keyId 'fake-key-id'"),
        ("134f2428cec14b25a1ae9048164dba47", "Invalid keyId '134f2428cec14b25a1ae9048164dba47'"),
        ("mrk-fake-key-id", "Invalid keyId 'mrk-fake-key-id'"),
        (UNKNOWN_ID, f"Key '{key_arn(UNKNOWN_ID)}' does not exist"),
        (key_arn(UNKNOWN_ID), f"Key '{key_arn(UNKNOWN_ID)}' does not exist"),
        (
            "mrk-1234abcd12ab34cd56ef1234567890ab",
            f"Key '{key_arn('mrk-1234abcd12ab34cd56ef1234567890ab')}' does not exist",
        ),
        ("alias/nope", f"Alias arn:aws:kms:{REGION}:{ACCOUNT}:alias/nope is not found."),
        (
            f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/nope",
            f"Alias arn:aws:kms:{REGION}:{ACCOUNT}:alias/nope is not found.",
        ),
        (key_arn(UNKNOWN_ID, region="us-west-2"), "Invalid arn us-west-2"),
    ],
)
def test_describe_unknown_key(client: BaseClient, key_id: str, message: str) -> None:
    new_key(client)  # a key exists, but not this one
    with pytest.raises(ClientError) as excinfo:
        client.describe_key(KeyId=key_id)
    assert error_of(excinfo) == ("NotFoundException", message)


@_fixture_settings
@given(st.text(alphabet=string.ascii_letters + string.digits + "-_.+=@", min_size=1, max_size=60))
def test_describe_malformed_key_id(client: BaseClient, value: str) -> None:
    if re.fullmatch(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", value) or re.fullmatch(
        r"mrk-[0-9a-fA-F]{32}", value
    ):
        return
    with pytest.raises(ClientError) as excinfo:
        client.describe_key(KeyId=value)
    assert error_of(excinfo) == ("NotFoundException", f"Invalid keyId '{value}'")


@_fixture_settings
@given(st.uuids(version=4))
def test_describe_well_formed_unknown_key(client: BaseClient, value: uuid.UUID) -> None:
    with pytest.raises(ClientError) as excinfo:
        client.describe_key(KeyId=str(value))
    assert error_of(excinfo) == ("NotFoundException", f"Key '{key_arn(str(value))}' does not exist")


def test_key_of_another_region_is_not_found_here(kms: KmsMock) -> None:
    west = boto3.client("kms", region_name="us-west-2")
    east = boto3.client("kms", region_name=REGION)
    key_id = new_key(west)["KeyId"]
    with pytest.raises(ClientError) as by_id:
        east.describe_key(KeyId=key_id)
    assert error_of(by_id) == ("NotFoundException", f"Key '{key_arn(key_id)}' does not exist")
    with pytest.raises(ClientError) as by_arn:
        east.describe_key(KeyId=key_arn(key_id, region="us-west-2"))
    assert error_of(by_arn) == ("NotFoundException", "Invalid arn us-west-2")
    # ... and in its own region it is there, with its region in its ARN.
    assert describe(west, key_id)["Arn"] == key_arn(key_id, region="us-west-2")


def test_alias_of_another_region_is_not_found_here(kms: KmsMock) -> None:
    west = boto3.client("kms", region_name="us-west-2")
    east = boto3.client("kms", region_name=REGION)
    west.create_alias(AliasName="alias/west", TargetKeyId=new_key(west)["KeyId"])
    with pytest.raises(ClientError) as excinfo:
        east.describe_key(KeyId="alias/west")
    assert error_of(excinfo) == (
        "NotFoundException",
        f"Alias arn:aws:kms:{REGION}:{ACCOUNT}:alias/west is not found.",
    )


def test_keys_of_another_account_are_not_visible(client: BaseClient) -> None:
    mine = new_key(client)["KeyId"]
    with mock_kms(account_id="111122223333"):
        other = boto3.client("kms", region_name=REGION)
        assert all_key_ids(other) == []
        theirs = new_key(other)
        assert theirs["AWSAccountId"] == "111122223333"
        assert theirs["Arn"] == key_arn(theirs["KeyId"], account="111122223333")
        with pytest.raises(ClientError) as excinfo:
            other.describe_key(KeyId=mine)
        assert error_of(excinfo) == (
            "NotFoundException",
            f"Key '{key_arn(mine, account='111122223333')}' does not exist",
        )
    assert all_key_ids(client) == [mine]


# -- ListKeys --------------------------------------------------------------------------------


def test_list_keys_when_there_are_none(client: BaseClient) -> None:
    response = client.list_keys()
    assert (response["Keys"], response["Truncated"]) == ([], False)
    assert "NextMarker" not in response


def test_list_keys_lists_every_key_of_the_region_in_creation_order(kms: KmsMock) -> None:
    east = boto3.client("kms", region_name=REGION)
    west = boto3.client("kms", region_name="us-west-2")
    created = []
    for _ in range(4):
        created.append(new_key(east))
        new_key(west)
    response = east.list_keys()
    assert response["Keys"] == [{"KeyId": k["KeyId"], "KeyArn": k["Arn"]} for k in created]
    assert response["Truncated"] is False
    assert "NextMarker" not in response
    assert len(boto3.client("kms", region_name="eu-west-1").list_keys()["Keys"]) == 0


def test_list_keys_pages_with_limit_and_marker(client: BaseClient) -> None:
    created = [new_key(client)["KeyId"] for _ in range(5)]
    seen: list[str] = []
    pages = []
    params: dict[str, Any] = {"Limit": 2}
    while True:
        response = client.list_keys(**params)
        pages.append(len(response["Keys"]))
        seen += [k["KeyId"] for k in response["Keys"]]
        if not response["Truncated"]:
            assert "NextMarker" not in response
            break
        params["Marker"] = response["NextMarker"]
    assert pages == [2, 2, 1]
    assert seen == created


def test_list_keys_limit_equal_to_the_count_is_not_truncated(client: BaseClient) -> None:
    for _ in range(3):
        new_key(client)
    assert len(client.list_keys(Limit=1)["Keys"]) == 1
    assert len(client.list_keys(Limit=1000)["Keys"]) == 3
    response = client.list_keys(Limit=3)
    assert len(response["Keys"]) == 3
    assert response["Truncated"] is False
    assert "NextMarker" not in response


def test_list_keys_paginator(client: BaseClient) -> None:
    created = [new_key(client)["KeyId"] for _ in range(7)]
    pages = list(client.get_paginator("list_keys").paginate(PaginationConfig={"PageSize": 3}))
    assert [len(p["Keys"]) for p in pages] == [3, 3, 1]
    assert [k["KeyId"] for p in pages for k in p["Keys"]] == created


def test_list_keys_marker_survives_a_key_created_between_pages(client: BaseClient) -> None:
    created = [new_key(client)["KeyId"] for _ in range(3)]
    first = client.list_keys(Limit=2)
    created.append(new_key(client)["KeyId"])
    rest = client.list_keys(Limit=2, Marker=first["NextMarker"])
    assert [k["KeyId"] for k in first["Keys"] + rest["Keys"]] == created


@pytest.mark.parametrize("marker", ["garbage", "a" * 1024, "kmsmock/ListKeys/1"])
def test_list_keys_refuses_a_marker_it_did_not_make(client: BaseClient, marker: str) -> None:
    new_key(client)
    with pytest.raises(ClientError) as excinfo:
        client.list_keys(Marker=marker)
    # AWS's message was never recorded; the code is the one the model declares.
    assert error_of(excinfo) == ("InvalidMarkerException", "Invalid marker")


def test_list_keys_refuses_a_marker_of_another_listing(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    for i in range(3):
        client.create_alias(AliasName=f"alias/a{i}", TargetKeyId=key_id)
    marker = client.list_aliases(KeyId=key_id, Limit=1)["NextMarker"]
    with pytest.raises(ClientError) as excinfo:
        client.list_keys(Marker=marker)
    assert error_of(excinfo) == ("InvalidMarkerException", "Invalid marker")


@pytest.mark.parametrize(
    ("limit", "bound"),
    [(0, "greater than or equal to 1"), (-5, "greater than or equal to 1")]
    + [(1001, "less than or equal to 1000")],
)
def test_list_keys_limit_out_of_range(raw_client: BaseClient, limit: int, bound: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        raw_client.list_keys(Limit=limit)
    assert error_of(excinfo) == (
        "ValidationException",
        f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: "
        f"Member must have value {bound}",
    )


# -- EnableKey, DisableKey, UpdateKeyDescription ------------------------------------------------


def state(client: BaseClient, key_id: str) -> tuple[bool, str]:
    meta = describe(client, key_id)
    return meta["Enabled"], meta["KeyState"]


def test_disable_and_enable_key(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    client.disable_key(KeyId=key_id)
    assert state(client, key_id) == (False, "Disabled")
    client.disable_key(KeyId=key_arn(key_id))  # again, by ARN: no change, no error
    assert state(client, key_id) == (False, "Disabled")
    client.enable_key(KeyId=key_id)
    assert state(client, key_id) == (True, "Enabled")
    client.enable_key(KeyId=key_arn(key_id))
    assert state(client, key_id) == (True, "Enabled")


def test_disabled_key_refuses_cryptography(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    blob = client.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    client.disable_key(KeyId=key_id)
    calls = [
        lambda: client.encrypt(KeyId=key_id, Plaintext=b"x"),
        lambda: client.decrypt(CiphertextBlob=blob),
        lambda: client.generate_data_key(KeyId=key_id, KeySpec="AES_256"),
        lambda: client.generate_data_key_without_plaintext(KeyId=key_id, NumberOfBytes=16),
        lambda: client.re_encrypt(CiphertextBlob=blob, DestinationKeyId=new_key(client)["KeyId"]),
    ]
    for call in calls:
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == ("DisabledException", f"{key_arn(key_id)} is disabled.")
    # Management still works on a disabled key.
    client.update_key_description(KeyId=key_id, Description="still mine")
    client.tag_resource(KeyId=key_id, Tags=[{"TagKey": "k", "TagValue": "v"}])
    client.enable_key(KeyId=key_id)
    assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"


def test_update_key_description(client: BaseClient) -> None:
    key_id = new_key(client, Description="before")["KeyId"]
    client.update_key_description(KeyId=key_id, Description="after")
    assert describe(client, key_id)["Description"] == "after"
    client.update_key_description(KeyId=key_arn(key_id), Description="")
    assert describe(client, key_id)["Description"] == ""


def test_update_key_description_too_long(raw_client: BaseClient) -> None:
    key_id = new_key(raw_client, Description="kept")["KeyId"]
    with pytest.raises(ClientError) as excinfo:
        raw_client.update_key_description(KeyId=key_id, Description="d" * 8193)
    assert error_of(excinfo) == (
        "ValidationException",
        "1 validation error detected: Value '"
        + "d" * 8193
        + "' at 'description' failed to satisfy constraint: Member must have length less than "
        "or equal to 8192",
    )
    assert describe(raw_client, key_id)["Description"] == "kept"


KEY_ID_ONLY_OPERATIONS: list[tuple[str, dict[str, Any]]] = [
    ("enable_key", {}),
    ("disable_key", {}),
    ("update_key_description", {"Description": "x"}),
    ("schedule_key_deletion", {}),
    ("cancel_key_deletion", {}),
]


@pytest.mark.parametrize(("method", "extra"), KEY_ID_ONLY_OPERATIONS)
@pytest.mark.parametrize("alias", ["alias/mine", f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/mine"])
def test_aliases_are_not_accepted_where_only_keys_are(
    client: BaseClient, method: str, extra: dict[str, Any], alias: str
) -> None:
    key_id = new_key(client)["KeyId"]
    client.create_alias(AliasName="alias/mine", TargetKeyId=key_id)
    with pytest.raises(ClientError) as excinfo:
        getattr(client, method)(KeyId=alias, **extra)
    assert error_of(excinfo) == ALIAS_NOT_SUPPORTED
    assert state(client, key_id) == (True, "Enabled")


@pytest.mark.parametrize(("method", "extra"), KEY_ID_ONLY_OPERATIONS)
def test_lifecycle_operations_on_unknown_keys(
    client: BaseClient, method: str, extra: dict[str, Any]
) -> None:
    for key_id, message in [
        (UNKNOWN_ID, f"Key '{key_arn(UNKNOWN_ID)}' does not exist"),
        ("not-a-key", "Invalid keyId 'not-a-key'"),
    ]:
        with pytest.raises(ClientError) as excinfo:
            getattr(client, method)(KeyId=key_id, **extra)
        assert error_of(excinfo) == ("NotFoundException", message)

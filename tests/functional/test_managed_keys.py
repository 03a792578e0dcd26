"""AWS managed keys (``alias/aws/<service>``) through boto3: made on first reference, owned by
AWS, usable by the account, never changeable by it."""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from conftest import ACCOUNT, REGION, error_of, model_has

from kmsmock import KmsMock

# As AWS describes each service's key (seen in exports of real accounts).
DESCRIPTIONS = {
    "s3": "Default key that protects my S3 objects when no other key is defined",
    "ebs": "Default key that protects my EBS volumes when no other key is defined",
    "rds": "Default key that protects my RDS database volumes when no other key is defined",
    "lambda": "Default key that protects my Lambda functions when no other key is defined",
    "secretsmanager": "Default key that protects my Secrets Manager data when no other key is "
    "defined",
    "ssm": "Default key that protects my SSM parameters when no other key is defined",
    "sns": "Default key that protects my SNS data when no other key is defined",
    "sqs": "Default key that protects my SQS messages when no other key is defined",
    "es": "Default key that protects my Amazon OpenSearch Service (successor to Amazon "
    "Elasticsearch Service) data when no other key is defined",
    "kafka": "Default key that protects my Kafka data when no other key is defined",
    "dynamodb": "Default key that protects my DynamoDB data when no other key is defined",
}

# Policy Ids of each service's key policy, and the host its kms:ViaService condition names.
POLICIES = {
    "acm": ("auto-acm-4", "acm"),
    "dynamodb": ("auto-dynamodb-3", None),  # StringLike dynamodb.*.amazonaws.com
    "ebs": ("auto-ebs-2", "ec2"),
    "elasticfilesystem": ("auto-elasticfilesystem-1", "elasticfilesystem"),
    "es": ("auto-es-2", "es"),
    "kafka": ("auto-kafka-1", "kafka"),
    "kinesis": ("auto-kinesis-1", "kinesis"),
    "kinesisvideo": ("auto-kinesisvideo-1", "kinesisvideo"),
    "lambda": ("auto-awslambda", "lambda"),
    "rds": ("auto-rds-2", "rds"),
    "redshift": ("auto-redshift-3", "redshift"),
    "s3": ("auto-s3-2", "s3"),
    "secretsmanager": ("auto-secretsmanager-2", "secretsmanager"),
    "sns": ("auto-sns-1", "sns"),
    "sqs": ("auto-sqs-1", "sqs"),
    "ssm": ("auto-ssm-1", "ssm"),
}


def s3_policy(account: str, region: str) -> str:
    # Byte for byte as GetKeyPolicy returned it for a real account's aws/s3 key.
    return (
        "{\n"
        '  "Version" : "2012-10-17",\n'
        '  "Id" : "auto-s3-2",\n'
        '  "Statement" : [ {\n'
        '    "Sid" : "Allow access through S3 for all principals in the account that are '
        'authorized to use S3",\n'
        '    "Effect" : "Allow",\n'
        '    "Principal" : {\n'
        '      "AWS" : "*"\n'
        "    },\n"
        '    "Action" : [ "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", '
        '"kms:GenerateDataKey*", "kms:DescribeKey" ],\n'
        '    "Resource" : "*",\n'
        '    "Condition" : {\n'
        '      "StringEquals" : {\n'
        f'        "kms:CallerAccount" : "{account}",\n'
        f'        "kms:ViaService" : "s3.{region}.amazonaws.com"\n'
        "      }\n"
        "    }\n"
        "  }, {\n"
        '    "Sid" : "Allow direct access to key metadata to the account",\n'
        '    "Effect" : "Allow",\n'
        '    "Principal" : {\n'
        f'      "AWS" : "arn:aws:iam::{account}:root"\n'
        "    },\n"
        '    "Action" : [ "kms:Describe*", "kms:Get*", "kms:List*" ],\n'
        '    "Resource" : "*"\n'
        "  } ]\n"
        "}"
    )


def describe(client: BaseClient, key_id: str) -> dict[str, Any]:
    metadata: dict[str, Any] = client.describe_key(KeyId=key_id)["KeyMetadata"]
    return metadata


def test_describe_key_creates_the_managed_key(client: BaseClient) -> None:
    assert client.list_keys()["Keys"] == []
    meta = describe(client, "alias/aws/s3")
    key_id = meta["KeyId"]
    if model_has("KeyMetadata.CurrentKeyMaterialId"):  # not in botocore 1.35's model
        assert re.fullmatch(r"[0-9a-f]{64}", meta.pop("CurrentKeyMaterialId"))
    meta.pop("CreationDate")
    assert meta == {
        "AWSAccountId": ACCOUNT,
        "KeyId": key_id,
        "Arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}",
        "Enabled": True,
        "Description": DESCRIPTIONS["s3"],
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": "Enabled",
        "Origin": "AWS_KMS",
        "KeyManager": "AWS",
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "MultiRegion": False,
    }


def test_the_managed_key_is_made_once(client: BaseClient) -> None:
    first = describe(client, "alias/aws/s3")
    assert describe(client, "alias/aws/s3") == first
    assert describe(client, f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/aws/s3") == first
    assert describe(client, first["KeyId"]) == first
    assert describe(client, first["Arn"]) == first
    assert client.list_keys()["Keys"] == [{"KeyId": first["KeyId"], "KeyArn": first["Arn"]}]


def test_alias_arn_also_creates_the_managed_key(client: BaseClient) -> None:
    meta = describe(client, f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/aws/ebs")
    assert meta["Description"] == DESCRIPTIONS["ebs"]
    assert describe(client, "alias/aws/ebs")["KeyId"] == meta["KeyId"]


def test_list_aliases_shows_the_managed_key(client: BaseClient) -> None:
    key_id = describe(client, "alias/aws/s3")["KeyId"]
    entries = [a for a in client.list_aliases()["Aliases"] if a["AliasName"] == "alias/aws/s3"]
    assert len(entries) == 1
    assert entries[0]["TargetKeyId"] == key_id
    assert entries[0]["AliasArn"] == f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/aws/s3"
    by_key = client.list_aliases(KeyId=key_id)["Aliases"]
    assert [a["AliasName"] for a in by_key] == ["alias/aws/s3"]


@pytest.mark.parametrize("service", sorted(DESCRIPTIONS))
def test_managed_key_descriptions(client: BaseClient, service: str) -> None:
    meta = describe(client, f"alias/aws/{service}")
    assert (meta["Description"], meta["KeyManager"]) == (DESCRIPTIONS[service], "AWS")


def test_managed_key_policy_of_s3(client: BaseClient) -> None:
    key_id = describe(client, "alias/aws/s3")["KeyId"]
    assert client.get_key_policy(KeyId=key_id)["Policy"] == s3_policy(ACCOUNT, REGION)
    west = boto3.client("kms", region_name="eu-west-1")
    west_id = describe(west, "alias/aws/s3")["KeyId"]
    assert west.get_key_policy(KeyId=west_id)["Policy"] == s3_policy(ACCOUNT, "eu-west-1")


@pytest.mark.parametrize("service", sorted(POLICIES))
def test_managed_key_policies(client: BaseClient, service: str) -> None:
    policy_id, via = POLICIES[service]
    key_id = describe(client, f"alias/aws/{service}")["KeyId"]
    text = client.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    assert text.startswith('{\n  "Version" : "2012-10-17",\n  "Id" : ')
    document = json.loads(text)
    assert document["Id"] == policy_id
    conditions = [s.get("Condition", {}) for s in document["Statement"]]
    # Every condition that names an account names the key's (acm's deny has only a Bool).
    equals = [c["StringEquals"] for c in conditions if "StringEquals" in c]
    assert {e["kms:CallerAccount"] for e in equals} == {ACCOUNT}
    hosts = {e.get("kms:ViaService") for e in equals}
    assert via is None or f"{via}.{REGION}.amazonaws.com" in hosts
    # The account's root may read the key's metadata directly (acm allows it by condition).
    sids = {s["Sid"]: s for s in document["Statement"]}
    if service != "acm":
        metadata = sids["Allow direct access to key metadata to the account"]
        assert metadata["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}


def test_encrypt_with_the_managed_alias(kms: KmsMock, client: BaseClient) -> None:
    # The managed key's policy lets the account use it only through its service.
    s3 = boto3.client(
        "kms",
        region_name=REGION,
        **kms.credentials(f"arn:aws:iam::{ACCOUNT}:root", via_service="s3.us-east-1.amazonaws.com"),
    )
    response = s3.encrypt(KeyId="alias/aws/s3", Plaintext=b"object")
    key = describe(client, "alias/aws/s3")
    assert response["KeyId"] == key["Arn"]
    assert s3.decrypt(CiphertextBlob=response["CiphertextBlob"])["Plaintext"] == b"object"
    data_key = s3.generate_data_key(KeyId="alias/aws/s3", KeySpec="AES_256")
    assert data_key["KeyId"] == key["Arn"]
    assert [k["KeyId"] for k in client.list_keys()["Keys"]] == [key["KeyId"]]
    with pytest.raises(ClientError) as direct:
        client.encrypt(KeyId="alias/aws/s3", Plaintext=b"object")
    assert error_of(direct) == (
        "AccessDeniedException",
        f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: kms:Encrypt on "
        f"resource: {key['Arn']} because no resource-based policy allows the kms:Encrypt action",
    )


def test_managed_keys_are_per_region(kms: KmsMock) -> None:
    east = boto3.client("kms", region_name=REGION)
    west = boto3.client("kms", region_name="us-west-2")
    east_key = describe(east, "alias/aws/s3")
    west_key = describe(west, "alias/aws/s3")
    assert east_key["KeyId"] != west_key["KeyId"]
    assert west_key["Arn"].startswith(f"arn:aws:kms:us-west-2:{ACCOUNT}:key/")
    assert [k["KeyId"] for k in east.list_keys()["Keys"]] == [east_key["KeyId"]]


def test_unknown_managed_alias_is_not_found(client: BaseClient) -> None:
    with pytest.raises(ClientError) as excinfo:
        client.describe_key(KeyId="alias/aws/not-a-service")
    assert error_of(excinfo) == (
        "NotFoundException",
        f"Alias arn:aws:kms:{REGION}:{ACCOUNT}:alias/aws/not-a-service is not found.",
    )
    assert client.list_keys()["Keys"] == []


MUTATIONS: list[tuple[str, dict[str, Any]]] = [
    ("disable_key", {}),
    ("enable_key", {}),
    ("schedule_key_deletion", {"PendingWindowInDays": 7}),
    ("cancel_key_deletion", {}),
    ("update_key_description", {"Description": "mine now"}),
    ("put_key_policy", {"PolicyName": "default", "Policy": "{}"}),
    ("tag_resource", {"Tags": [{"TagKey": "k", "TagValue": "v"}]}),
    ("untag_resource", {"TagKeys": ["k"]}),
]


@pytest.mark.parametrize(("method", "extra"), MUTATIONS)
def test_managed_keys_cannot_be_changed(
    client: BaseClient, method: str, extra: dict[str, Any]
) -> None:
    key = describe(client, "alias/aws/s3")
    policy = client.get_key_policy(KeyId=key["KeyId"])["Policy"]
    with pytest.raises(ClientError) as excinfo:
        getattr(client, method)(KeyId=key["KeyId"], **extra)
    # AWS refuses these through the managed key's policy, which lets the account only read it.
    action = "kms:" + "".join(part.title() for part in method.split("_"))
    assert error_of(excinfo) == (
        "AccessDeniedException",
        f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: {action} on resource: "
        f"{key['Arn']} because no resource-based policy allows the {action} action",
    )
    assert describe(client, key["KeyId"]) == key
    assert client.get_key_policy(KeyId=key["KeyId"])["Policy"] == policy
    assert client.list_resource_tags(KeyId=key["KeyId"])["Tags"] == []


def test_managed_key_cannot_take_a_customer_alias(client: BaseClient) -> None:
    key = describe(client, "alias/aws/s3")
    with pytest.raises(ClientError) as excinfo:
        client.create_alias(AliasName="alias/my-s3", TargetKeyId=key["KeyId"])
    assert error_of(excinfo) == (
        "AccessDeniedException",
        f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: kms:CreateAlias on "
        f"resource: {key['Arn']} because no resource-based policy allows the kms:CreateAlias "
        "action",
    )
    with pytest.raises(ClientError) as described:
        client.describe_key(KeyId="alias/my-s3")
    assert error_of(described)[0] == "NotFoundException"


def test_managed_key_can_be_read(client: BaseClient) -> None:
    key_id = describe(client, "alias/aws/sqs")["KeyId"]
    assert client.list_key_policies(KeyId=key_id)["PolicyNames"] == ["default"]
    assert client.list_resource_tags(KeyId=key_id)["Tags"] == []


def test_customer_key_description_does_not_make_a_key_managed(client: BaseClient) -> None:
    meta = client.create_key(Description=DESCRIPTIONS["s3"])["KeyMetadata"]
    assert meta["KeyManager"] == "CUSTOMER"
    assert describe(client, "alias/aws/s3")["KeyId"] != meta["KeyId"]

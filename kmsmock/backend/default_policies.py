"""Key policy documents as AWS writes them (storage only; evaluation is the policy engine's).

GetKeyPolicy returns the policies AWS writes itself (the default policy, AWS managed keys'
policies) in the layout of Jackson's default pretty printer, which ``jackson_pretty`` reproduces:
``" : "`` between name and value, arrays on one line (``[ "a", "b" ]``, ``[ {``), two spaces of
indent per nested object.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

Statement = dict[str, Any]


def jackson_pretty(value: Any, level: int = 0) -> str:
    """``value`` as Jackson's ``DefaultPrettyPrinter`` writes it. Only objects indent: arrays
    stay on one line, so objects inside an array are indented as if the array were not there."""
    if isinstance(value, dict):
        if not value:
            return "{ }"
        inner = "  " * (level + 1)
        fields = [
            f"{inner}{json.dumps(k)} : {jackson_pretty(v, level + 1)}" for k, v in value.items()
        ]
        return "{\n" + ",\n".join(fields) + "\n" + "  " * level + "}"
    if isinstance(value, list):
        if not value:
            return "[ ]"
        return "[ " + ", ".join(jackson_pretty(item, level) for item in value) + " ]"
    # Jackson escapes only what JSON requires: non-ASCII text is written as is.
    return json.dumps(value, ensure_ascii=False)


@cache
def default_policy(partition: str, account: str) -> str:
    """The policy CreateKey gives a key when none is supplied, byte for byte as GetKeyPolicy
    returns it. Made once per account: every key of the account shares the one string."""
    return jackson_pretty(
        {
            "Version": "2012-10-17",
            "Id": "key-default-1",
            "Statement": [
                {
                    "Sid": "Enable IAM User Permissions",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ],
        }
    )


# -- AWS managed keys ----------------------------------------------------------------------------
#
# The policies below follow those AWS gave the managed keys of a real account in us-east-1
# (published by FogSecurity/aws-managed-kms-keys, reference_key_policies/*.json): each service has
# its own policy Id, statement names, action list and even condition order, and AWS revises them
# (the -1/-2/-3 suffix of the Id). Services without a known policy get the common two-statement
# shape.

_USE = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"]
_USE_GRANT = [*_USE, "kms:CreateGrant"]
_METADATA = ["kms:Describe*", "kms:Get*", "kms:List*"]


class _Policy:
    """Builds one managed key policy for an account and region."""

    def __init__(self, partition: str, account: str, region: str) -> None:
        self.partition = partition
        self.account = account
        self.region = region

    def host(self, service: str) -> str:
        return f"{service}.{self.region}.amazonaws.com"

    def through(
        self,
        sid: str,
        actions: list[str] | str,
        via: str,
        *,
        via_first: bool = False,
        like: bool = False,
    ) -> Statement:
        """Let every principal of the account use the key through one service."""
        caller = {"kms:CallerAccount": self.account}
        if like:  # any region of the service
            condition: dict[str, Any] = {
                "StringEquals": caller,
                "StringLike": {"kms:ViaService": f"{via}.*.amazonaws.com"},
            }
        else:
            service = {"kms:ViaService": self.host(via)}
            condition = {
                "StringEquals": {**service, **caller} if via_first else {**caller, **service}
            }
        return {
            "Sid": sid,
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": actions,
            "Resource": "*",
            "Condition": condition,
        }

    def metadata(self, *, revoke: bool = True) -> Statement:
        return {
            "Sid": "Allow direct access to key metadata to the account",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{self.partition}:iam::{self.account}:root"},
            "Action": [*_METADATA, "kms:RevokeGrant"] if revoke else list(_METADATA),
            "Resource": "*",
        }

    @staticmethod
    def service_describe(sid: str, principal: str) -> Statement:
        return {
            "Sid": sid,
            "Effect": "Allow",
            "Principal": {"Service": principal},
            "Action": list(_METADATA),
            "Resource": "*",
        }


def _sid(name: str, short: str | None = None) -> str:
    return (
        f"Allow access through {name} for all principals in the account that are authorized "
        f"to use {short or name}"
    )


def _acm(p: _Policy) -> list[Statement]:
    def grant(sid: str, operations: str | list[str]) -> Statement:
        return {
            "Sid": sid,
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "kms:CreateGrant",
            "Resource": "*",
            "Condition": {
                "StringEquals": {"kms:CallerAccount": p.account, "kms:ViaService": p.host("acm")},
                "ForAllValues:StringEquals": {"kms:GrantOperations": operations},
                "Bool": {"kms:GrantIsForAWSResource": "true"},
            },
        }

    decrypt = p.through("Allow decrypt", "kms:Decrypt", "acm")
    return [
        grant("Allow creation of decryption grants", "Decrypt"),
        grant("Allow creation of encryption grant", ["Encrypt", "ReEncryptFrom", "ReEncryptTo"]),
        {
            "Sid": "Allowed operations for the key owner",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": ["kms:DescribeKey", "kms:ListGrants", "kms:RevokeGrant", "kms:GetKeyPolicy"],
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:CallerAccount": p.account}},
        },
        {
            "Sid": "Deny re-encryption to any other key",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "kms:ReEncrypt*",
            "Resource": "*",
            "Condition": {"Bool": {"kms:ReEncryptOnSameKey": "false"}},
        },
        decrypt,
    ]


def _statements(service: str, p: _Policy) -> tuple[str, list[Statement]]:
    """The policy Id and statements of ``service``'s managed key."""
    describe = [*_USE_GRANT, "kms:DescribeKey"]
    if service == "acm":
        return "auto-acm-4", _acm(p)
    if service == "dynamodb":
        return "auto-dynamodb-3", [
            p.through(_sid("Amazon DynamoDB"), describe, "dynamodb", like=True),
            p.metadata(),
            p.service_describe(
                "Allow DynamoDB to directly describe the key", "dynamodb.amazonaws.com"
            ),
        ]
    if service == "ebs":
        return "auto-ebs-2", [p.through(_sid("EBS"), describe, "ec2", via_first=True), p.metadata()]
    if service == "elasticfilesystem":
        sid = "Allow access to EFS for all principals in the account that are authorized to use EFS"
        return "auto-elasticfilesystem-1", [
            p.through(sid, describe, "elasticfilesystem"),
            p.metadata(),
        ]
    if service == "es":
        return "auto-es-2", [
            p.through(_sid("OpenSearch Service"), describe, "es"),
            p.metadata(),
            p.service_describe(
                "Allow OpenSearch service principals to describe the key directly",
                "es.amazonaws.com",
            ),
        ]
    if service == "kafka":
        actions = [*_USE_GRANT, "kms:ListGrants", "kms:DescribeKey"]
        return "auto-kafka-1", [p.through(_sid("Kafka"), actions, "kafka"), p.metadata()]
    if service == "kinesis":
        actions = [*_USE, "kms:DescribeKey"]
        statement = p.through(_sid("Amazon Kinesis"), actions, "kinesis", via_first=True)
        return "auto-kinesis-1", [statement, p.metadata(revoke=False)]
    if service == "kinesisvideo":
        return "auto-kinesisvideo-1", [
            p.through(_sid("Kinesis Video Streams"), describe, "kinesisvideo"),
            p.metadata(),
        ]
    if service == "lambda":
        return "auto-awslambda", [p.through(_sid("AWS Lambda"), describe, "lambda"), p.metadata()]
    if service == "rds":
        actions = [*_USE_GRANT, "kms:ListGrants", "kms:DescribeKey"]
        return "auto-rds-2", [p.through(_sid("RDS"), actions, "rds", via_first=True), p.metadata()]
    if service == "redshift":
        return "auto-redshift-3", [
            p.through(_sid("RedShift"), describe, "redshift", via_first=True),
            p.through(_sid("RedShift-Serverless"), describe, "redshift-serverless", via_first=True),
            p.metadata(),
        ]
    if service == "s3":
        actions = [*_USE, "kms:DescribeKey"]
        return "auto-s3-2", [p.through(_sid("S3"), actions, "s3"), p.metadata(revoke=False)]
    if service == "secretsmanager":
        sid = _sid("AWS Secrets Manager")
        actions = [
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:ReEncrypt*",
            "kms:CreateGrant",
            "kms:DescribeKey",
        ]
        return "auto-secretsmanager-2", [
            p.through(sid, actions, "secretsmanager", via_first=True),
            p.through(sid, "kms:GenerateDataKey*", "secretsmanager", like=True),
            p.metadata(),
        ]
    if service == "sns":
        actions = ["kms:Decrypt", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:ListGrants"]
        return "auto-sns-1", [
            p.through(_sid("SNS"), [*actions, "kms:DescribeKey"], "sns"),
            p.metadata(),
        ]
    if service == "sqs":
        sid = _sid("Simple Queue Service (SQS)", "SQS")
        return "auto-sqs-1", [p.through(sid, describe, "sqs", via_first=True), p.metadata()]
    if service == "ssm":
        actions = [*_USE, "kms:DescribeKey"]
        statement = p.through(_sid("SSM"), actions, "ssm", via_first=True)
        return "auto-ssm-1", [statement, p.metadata(revoke=False)]
    # No policy of this service's key is known: the common shape.
    return f"auto-{service}-1", [p.through(_sid(service), describe, service), p.metadata()]


def managed_key_policy(partition: str, account: str, region: str, service: str) -> str:
    """The policy of the AWS managed key of ``service`` (``alias/aws/<service>``), as
    GetKeyPolicy returns it."""
    policy_id, statements = _statements(service, _Policy(partition, account, region))
    return jackson_pretty({"Version": "2012-10-17", "Id": policy_id, "Statement": statements})

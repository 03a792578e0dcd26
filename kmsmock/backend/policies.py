"""Key policy documents as AWS writes them (storage only; evaluation is the policy engine's)."""

from __future__ import annotations


def default_policy(partition: str, account: str) -> str:
    """The policy CreateKey gives a key when none is supplied, byte for byte as GetKeyPolicy
    returns it (Jackson's pretty printer: ``" : "`` and ``[ {``)."""
    return (
        "{\n"
        '  "Version" : "2012-10-17",\n'
        '  "Id" : "key-default-1",\n'
        '  "Statement" : [ {\n'
        '    "Sid" : "Enable IAM User Permissions",\n'
        '    "Effect" : "Allow",\n'
        '    "Principal" : {\n'
        f'      "AWS" : "arn:{partition}:iam::{account}:root"\n'
        "    },\n"
        '    "Action" : "kms:*",\n'
        '    "Resource" : "*"\n'
        "  } ]\n"
        "}"
    )


def managed_key_policy(partition: str, account: str, region: str, service: str) -> str:
    """The policy of the AWS managed key of ``service`` (shape of ``aws/lambda``'s)."""
    return (
        "{\n"
        '  "Version" : "2012-10-17",\n'
        f'  "Id" : "auto-{service.replace("-", "")}",\n'
        '  "Statement" : [ {\n'
        f'    "Sid" : "Allow access through {service} for all principals in the account '
        f'that are authorized to use {service}",\n'
        '    "Effect" : "Allow",\n'
        '    "Principal" : {\n'
        '      "AWS" : "*"\n'
        "    },\n"
        '    "Action" : [ "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", '
        '"kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey" ],\n'
        '    "Resource" : "*",\n'
        '    "Condition" : {\n'
        '      "StringEquals" : {\n'
        f'        "kms:CallerAccount" : "{account}",\n'
        f'        "kms:ViaService" : "{service}.{region}.amazonaws.com"\n'
        "      }\n"
        "    }\n"
        "  }, {\n"
        '    "Sid" : "Allow direct access to key metadata to the account",\n'
        '    "Effect" : "Allow",\n'
        '    "Principal" : {\n'
        f'      "AWS" : "arn:{partition}:iam::{account}:root"\n'
        "    },\n"
        '    "Action" : [ "kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant" ],\n'
        '    "Resource" : "*"\n'
        "  } ]\n"
        "}"
    )

"""Statement matching: principals, actions, resources and the applicable() walk."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmsmock.policy.document import Statement, parse_policy
from kmsmock.policy.evaluate import (
    action_matches,
    applicable,
    principal_matches,
    resource_matches,
)
from kmsmock.policy.model import AuthRequest, Caller, ContextValue

ACCT = "111122223333"
OTHER = "444455556666"
KEY = f"arn:aws:kms:us-east-1:{ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)

ROOT = Caller(f"arn:aws:iam::{ACCT}:root", ACCT, f"arn:aws:iam::{ACCT}:root", "Account")
ALICE = Caller(f"arn:aws:iam::{ACCT}:user/alice", ACCT, f"arn:aws:iam::{ACCT}:user/alice", "User")
SESSION = Caller(
    f"arn:aws:sts::{ACCT}:assumed-role/billing-exec/billing",
    ACCT,
    f"arn:aws:iam::{ACCT}:role/billing-exec",
    "AssumedRole",
    via_service="lambda.us-east-1.amazonaws.com",
)
STRANGER = Caller(
    f"arn:aws:iam::{OTHER}:user/alice", OTHER, f"arn:aws:iam::{OTHER}:user/alice", "User"
)


def statement(**fields: Any) -> Statement:
    raw = {"Effect": "Allow", "Action": "kms:*", "Resource": "*"} | fields
    kind = "key" if "Principal" in raw or "NotPrincipal" in raw else "identity"
    policy = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": [raw]}), kind)
    return policy.statements[0]


def principal(value: Any, caller: Caller) -> str | None:
    return principal_matches(statement(Principal=value), caller)


# --- principals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "caller", "expected"),
    [
        ("*", ALICE, "anyone"),
        ({"AWS": "*"}, STRANGER, "anyone"),
        # "AWS": "<account>" and the root ARN both mean the account principal (IAM UG
        # "Principal": AWS account principals).
        ({"AWS": ACCT}, ALICE, "account"),
        ({"AWS": f"arn:aws:iam::{ACCT}:root"}, ALICE, "account"),
        ({"AWS": f"arn:aws:iam::{ACCT}:root"}, ROOT, "account"),
        ({"AWS": ACCT}, STRANGER, None),
        ({"AWS": f"arn:aws-cn:iam::{ACCT}:root"}, ALICE, None),
        ({"AWS": f"arn:aws:iam::{ACCT}:user/alice"}, ALICE, "principal"),
        ({"AWS": f"arn:aws:iam::{ACCT}:user/bob"}, ALICE, None),
        ({"AWS": f"arn:aws:iam::{ACCT}:user/alice"}, STRANGER, None),
        # A role ARN covers the role's sessions; the exact session ARN matches too.
        ({"AWS": f"arn:aws:iam::{ACCT}:role/billing-exec"}, SESSION, "principal"),
        ({"AWS": f"arn:aws:sts::{ACCT}:assumed-role/billing-exec/billing"}, SESSION, "principal"),
        ({"AWS": f"arn:aws:sts::{ACCT}:assumed-role/billing-exec/other"}, SESSION, None),
        ({"AWS": f"arn:aws:iam::{ACCT}:role/other"}, SESSION, None),
        # The most specific match wins when several entries cover the caller.
        ({"AWS": [ACCT, f"arn:aws:iam::{ACCT}:user/alice"]}, ALICE, "principal"),
        ({"AWS": [ACCT, "*"]}, ALICE, "anyone"),
        # Service principals: only for calls made through that service.
        ({"Service": "lambda.amazonaws.com"}, SESSION, "service"),
        ({"Service": "s3.amazonaws.com"}, SESSION, None),
        ({"Service": "lambda.amazonaws.com"}, ALICE, None),
        ({"Service": "lambda.amazonaws.com", "AWS": ACCT}, SESSION, "account"),
        # Federated and CanonicalUser principals never describe a KMS caller.
        ({"Federated": "cognito-identity.amazonaws.com"}, ALICE, None),
        ({"CanonicalUser": "79a59df900b949e55d96a1e698fbace"}, ROOT, None),
    ],
)
def test_principal(value: Any, caller: Caller, expected: str | None) -> None:
    assert principal(value, caller) == expected


@pytest.mark.parametrize(
    ("excluded", "caller", "applies"),
    [
        ({"AWS": f"arn:aws:iam::{ACCT}:user/alice"}, ALICE, True),  # account not listed
        ({"AWS": [f"arn:aws:iam::{ACCT}:user/alice", ACCT]}, ALICE, False),
        ({"AWS": [f"arn:aws:iam::{ACCT}:user/bob", ACCT]}, ALICE, True),
        ({"AWS": ACCT}, ROOT, False),
        ({"AWS": ACCT}, STRANGER, True),
        # IAM UG "NotPrincipal" example: session, role and account must all be listed.
        (
            {
                "AWS": [
                    f"arn:aws:sts::{ACCT}:assumed-role/billing-exec/billing",
                    f"arn:aws:iam::{ACCT}:role/billing-exec",
                    f"arn:aws:iam::{ACCT}:root",
                ]
            },
            SESSION,
            False,
        ),
        (
            {"AWS": [f"arn:aws:iam::{ACCT}:role/billing-exec", f"arn:aws:iam::{ACCT}:root"]},
            SESSION,
            True,
        ),
        ({"AWS": "*"}, ALICE, False),
        ("*", ALICE, False),
        ({"Service": "lambda.amazonaws.com"}, ALICE, True),
    ],
)
def test_not_principal(excluded: Any, caller: Caller, applies: bool) -> None:
    result = principal_matches(statement(NotPrincipal=excluded), caller)
    assert result == ("anyone" if applies else None)


def test_statement_without_principal_matches_no_principal() -> None:
    bare = Statement(sid=None, effect="Allow", action=("kms:*",), resource=("*",))
    assert principal_matches(bare, ALICE) is None


# --- actions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actions", "action", "expected"),
    [
        ("kms:*", "kms:Decrypt", True),
        ("*", "kms:Decrypt", True),
        ("kms:Decrypt", "kms:Decrypt", True),
        ("KMS:decrypt", "kms:Decrypt", True),
        ("kms:Decrypt", "kms:Encrypt", False),
        ("kms:Get*", "kms:GetKeyPolicy", True),
        ("kms:Get*", "kms:GenerateDataKey", False),
        ("kms:GenerateDataKey*", "kms:GenerateDataKeyWithoutPlaintext", True),
        ("kms:GenerateDataKey*", "kms:GenerateDataKey", True),
        ("kms:ReEncrypt*", "kms:ReEncryptFrom", True),
        ("kms:ReEncrypt?", "kms:ReEncryptTo", False),
        ("kms:*Key", "kms:CreateKey", True),
        ("s3:*", "kms:Decrypt", False),
        (["s3:GetObject", "kms:Describe*"], "kms:DescribeKey", True),
    ],
)
def test_action(actions: Any, action: str, expected: bool) -> None:
    assert action_matches(statement(Action=actions), action) is expected
    negated = {"Effect": "Allow", "NotAction": actions, "Resource": "*"}
    parsed = parse_policy(json.dumps({"Statement": [negated]}), "identity").statements[0]
    assert action_matches(parsed, action) is (not expected)


def test_missing_action_matches_nothing() -> None:
    raw = {"Statement": [{"Effect": "Allow", "Principal": "*", "Resource": "*"}]}
    parsed = parse_policy(json.dumps(raw)).statements[0]
    assert action_matches(parsed, "kms:Decrypt") is False


# --- resources ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resources", "resource", "expected"),
    [
        ("*", KEY, True),
        ("*", "*", True),
        (KEY, KEY, True),
        (KEY.upper(), KEY, False),  # resource ARNs are case-sensitive
        (f"arn:aws:kms:*:{ACCT}:key/*", KEY, True),
        (f"arn:aws:kms:*:{OTHER}:key/*", KEY, False),
        (f"arn:aws:kms:us-east-1:{ACCT}:key/1234abcd-??ab-*", KEY, True),
        (f"arn:aws:kms:us-east-1:{ACCT}:alias/*", KEY, False),
        (f"arn:aws:kms:*:{ACCT}:key/*", "*", False),
        ([f"arn:aws:kms:*:{OTHER}:key/*", KEY], KEY, True),
    ],
)
def test_resource(resources: Any, resource: str, expected: bool) -> None:
    assert resource_matches(statement(Resource=resources), resource) is expected
    raw = {"Effect": "Allow", "Action": "kms:*", "NotResource": resources}
    parsed = parse_policy(json.dumps({"Statement": [raw]}), "identity").statements[0]
    assert resource_matches(parsed, resource) is (not expected)


def test_missing_resource_matches_nothing() -> None:
    raw = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*"}]}
    assert resource_matches(parse_policy(json.dumps(raw)).statements[0], KEY) is False


def auth(
    caller: Caller = ALICE,
    action: str = "kms:Decrypt",
    resource: str = KEY,
    context: dict[str, ContextValue] | None = None,
) -> AuthRequest:
    return AuthRequest(caller, action, resource, context or {}, NOW)


def test_resource_policy_variables_only_in_2012_10_17() -> None:
    pattern = "arn:aws:kms:*:${aws:PrincipalAccount}:key/*"
    stmt = statement(Resource=pattern)
    assert resource_matches(stmt, KEY, auth(), variables=True) is True
    assert resource_matches(stmt, KEY, auth(STRANGER), variables=True) is False
    assert resource_matches(stmt, KEY, auth(), variables=False) is False
    # A variable without a value makes that entry match nothing.
    missing = statement(Resource=["arn:aws:kms:*:*:key/${aws:PrincipalTag/none}", KEY])
    assert resource_matches(missing, KEY, auth(), variables=True) is True
    only_missing = Statement(
        sid=None,
        effect="Allow",
        action=("kms:*",),
        not_resource=("arn:aws:kms:*:*:key/${aws:PrincipalTag/none}",),
    )
    assert resource_matches(only_missing, KEY, auth(), variables=True) is True


# --- applicable ----------------------------------------------------------------------------------

LAMBDA_MANAGED_POLICY = {
    # AWS managed key policy of aws/lambda (facts B.2; FogSecurity reference policies).
    "Version": "2012-10-17",
    "Id": "auto-awslambda",
    "Statement": [
        {
            "Sid": "Allow access through AWS Lambda for all principals in the account that are "
            "authorized to use AWS Lambda",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": [
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:CreateGrant",
                "kms:DescribeKey",
            ],
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "kms:CallerAccount": ACCT,
                    "kms:ViaService": "lambda.us-east-1.amazonaws.com",
                }
            },
        },
        {
            "Sid": "Allow direct access to key metadata to the account",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"},
            "Action": ["kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"],
            "Resource": "*",
        },
    ],
}


def sids(result: list[tuple[Statement, str | None]]) -> list[tuple[str | None, str | None]]:
    return [(s.sid, m) for s, m in result]


def test_managed_lambda_key_policy() -> None:
    policy = parse_policy(json.dumps(LAMBDA_MANAGED_POLICY))
    via_lambda, metadata = (s.sid for s in policy.statements)
    assert sids(applicable(policy, auth(SESSION), check_principal=True)) == [(via_lambda, "anyone")]
    # Without the service the first statement's condition fails; Decrypt is not in the second.
    assert applicable(policy, auth(ALICE), check_principal=True) == []
    assert sids(applicable(policy, auth(ALICE, "kms:DescribeKey"), check_principal=True)) == [
        (metadata, "account")
    ]
    assert sids(applicable(policy, auth(SESSION, "kms:DescribeKey"), check_principal=True)) == [
        (via_lambda, "anyone"),
        (metadata, "account"),
    ]
    # A caller from another account fails kms:CallerAccount and is not the account principal.
    stranger = Caller(
        STRANGER.arn, OTHER, STRANGER.principal_arn, "User", via_service=SESSION.via_service
    )
    assert applicable(policy, auth(stranger, "kms:DescribeKey"), check_principal=True) == []


def test_applicable_identity_policy_with_deny_and_variables() -> None:
    policy = parse_policy(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Sid": "Use", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY},
                    {
                        "Sid": "OwnContext",
                        "Effect": "Deny",
                        "Action": "kms:*",
                        "Resource": "*",
                        "Condition": {
                            "StringNotEquals": {"kms:EncryptionContext:user": "${aws:username}"}
                        },
                    },
                ],
            }
        ),
        "identity",
    )
    own: dict[str, ContextValue] = {"kms:EncryptionContext:User": "alice"}
    other: dict[str, ContextValue] = {"kms:EncryptionContext:User": "bob"}
    assert sids(applicable(policy, auth(context=own), check_principal=False)) == [("Use", None)]
    assert sids(applicable(policy, auth(context=other), check_principal=False)) == [
        ("Use", None),
        ("OwnContext", None),
    ]
    # No encryption context: the negated operator holds, so the deny applies.
    assert sids(applicable(policy, auth(), check_principal=False))[-1] == ("OwnContext", None)
    assert (
        sids(applicable(policy, auth(action="kms:Encrypt", context=own), check_principal=False))
        == []
    )


def test_check_principal_skips_statements_without_a_principal() -> None:
    policy = parse_policy(
        json.dumps({"Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}),
        "identity",
    )
    assert applicable(policy, auth(), check_principal=True) == []
    assert len(applicable(policy, auth(), check_principal=False)) == 1


def test_version_2008_keeps_variables_literal() -> None:
    raw = {
        "Version": "2008-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "kms:*",
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:EncryptionContext:u": "${aws:username}"}},
            }
        ],
    }
    policy = parse_policy(json.dumps(raw), "identity")
    literal: dict[str, ContextValue] = {"kms:EncryptionContext:u": "${aws:username}"}
    assert len(applicable(policy, auth(context=literal), check_principal=False)) == 1
    substituted: dict[str, ContextValue] = {"kms:EncryptionContext:u": "alice"}
    assert applicable(policy, auth(context=substituted), check_principal=False) == []


@settings(max_examples=50)
@given(name=st.from_regex(r"[A-Z][a-zA-Z]{2,12}", fullmatch=True))
def test_action_case_insensitive_property(name: str) -> None:
    stmt = statement(Action=f"kms:{name}")
    assert action_matches(stmt, f"kms:{name.lower()}")
    assert action_matches(stmt, f"KMS:{name.upper()}")
    assert not action_matches(stmt, f"kms:{name}X")

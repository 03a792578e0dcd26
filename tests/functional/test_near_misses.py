"""A denial names its near misses (issue 19): each statement or grant that would have allowed
the request but for one element, and that element (principal, action, resource, or the
condition with its expected values and the request's actual value)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import ACCOUNT, REGION

from kmsmock import KmsMock, mock_kms

ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
OTHER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/other"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
ADMIN = {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*",
         "Resource": "*"}  # fmt: skip


def _key(client: Any, *statements: dict[str, Any]) -> tuple[str, bytes]:
    policy = {"Version": "2012-10-17", "Statement": [ADMIN, *statements]}
    key_id = client.create_key(Policy=json.dumps(policy))["KeyMetadata"]["KeyId"]
    blob = client.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionContext={"app": "billing"})
    return key_id, blob["CiphertextBlob"]


def _denied_decrypt(kms: KmsMock, client: Any, blob: bytes, **context: str) -> tuple[str, ...]:
    with kms.acting_as(ROLE), pytest.raises(ClientError) as excinfo:
        client.decrypt(CiphertextBlob=blob, EncryptionContext=context or {"app": "billing"})
    assert excinfo.value.response["Error"]["Code"] == "AccessDeniedException"
    decision = kms.authorizations[-1]
    assert not decision.allowed
    assert decision.request_id == excinfo.value.response["ResponseMetadata"]["RequestId"]
    return decision.near_misses


def _allow(sid: str, **elements: Any) -> dict[str, Any]:
    statement = {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": ROLE},
                 "Action": "kms:Decrypt", "Resource": "*"}  # fmt: skip
    statement.update(elements)
    return statement


@pytest.fixture
def kms_and_client() -> Any:
    with mock_kms() as kms:
        yield kms, boto3.client("kms", region_name=REGION)


def test_the_condition_names_its_key_expected_values_and_the_actual_value(
    kms_and_client: Any,
) -> None:
    kms, client = kms_and_client
    condition = {"StringEquals": {"kms:EncryptionContext:app": ["payroll", "hr"]}}
    _, blob = _key(client, _allow("ByContext", Condition=condition))
    assert _denied_decrypt(kms, client, blob) == (
        'key policy statement "ByContext" (#2) would allow it, but its condition StringEquals '
        'kms:EncryptionContext:app = ["payroll", "hr"] failed: the request\'s '
        'kms:EncryptionContext:app is "billing"',
    )


def test_a_missing_condition_key_is_named(kms_and_client: Any) -> None:
    kms, client = kms_and_client
    condition = {"StringEquals": {"kms:ViaService": "lambda.us-east-1.amazonaws.com"}}
    _, blob = _key(client, _allow("ViaLambda", Condition=condition))
    assert _denied_decrypt(kms, client, blob) == (
        'key policy statement "ViaLambda" (#2) would allow it, but its condition StringEquals '
        'kms:ViaService = "lambda.us-east-1.amazonaws.com" failed: the request has no '
        "kms:ViaService",
    )


def test_the_principal_action_and_resource_are_named(kms_and_client: Any) -> None:
    kms, client = kms_and_client
    _, blob = _key(
        client,
        _allow("OtherRole", Principal={"AWS": OTHER_ROLE}),
        {**_allow("EncryptOnly"), "Action": ["kms:Encrypt", "kms:GenerateDataKey*"]},
        _allow("AnotherKey", Resource=f"arn:aws:kms:{REGION}:{ACCOUNT}:key/other"),
        {k: v for k, v in _allow("x", Action="kms:Sign").items() if k != "Sid"},
    )
    misses = _denied_decrypt(kms, client, blob)
    assert misses[0] == (
        'key policy statement "OtherRole" (#2) would allow it, but its Principal '
        f'{{"AWS": ["{OTHER_ROLE}"]}} does not name the caller '
        f"arn:aws:sts::{ACCOUNT}:assumed-role/app/kmsmock"
    )
    assert misses[1] == (
        'key policy statement "EncryptOnly" (#3) would allow it, but its Action '
        '["kms:Encrypt", "kms:GenerateDataKey*"] does not cover kms:Decrypt'
    )
    assert misses[2].startswith(
        'key policy statement "AnotherKey" (#4) would allow it, but its Resource '
        f'"arn:aws:kms:{REGION}:{ACCOUNT}:key/other" does not cover arn:aws:kms:'
    )
    assert misses[3] == (
        'key policy statement #5 would allow it, but its Action "kms:Sign" does not cover '
        "kms:Decrypt"
    )
    assert len(misses) == 4


def test_a_statement_failing_on_two_elements_is_not_a_near_miss(kms_and_client: Any) -> None:
    kms, client = kms_and_client
    condition = {"StringEquals": {"kms:ViaService": "lambda.us-east-1.amazonaws.com"}}
    _, blob = _key(
        client,
        _allow("TwoWrong", Principal={"AWS": OTHER_ROLE}, Condition=condition),
        {"Effect": "Deny", "Principal": {"AWS": OTHER_ROLE}, "Action": "kms:*", "Resource": "*"},
    )
    assert _denied_decrypt(kms, client, blob) == ()


def test_identity_policy_near_misses(kms_and_client: Any) -> None:
    kms, client = kms_and_client
    _, blob = _key(client)  # the key policy delegates to the account: IAM decides
    kms.set_identity_policy(
        ROLE,
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "kms:Decrypt",
                    "Resource": "*",
                    "Condition": {"Bool": {"aws:SecureTransport": "true"}},
                },
            ],
        },  # fmt: skip
    )
    assert _denied_decrypt(kms, client, blob) == (
        f"identity policy of {ROLE}: statement #1 would allow it, but its condition Bool "
        'aws:SecureTransport = "true" failed: the request has no aws:SecureTransport',
    )


def test_grants_for_the_caller_say_why_they_did_not_apply(kms_and_client: Any) -> None:
    kms, client = kms_and_client
    key_id, blob = _key(client)
    wrong_operation = client.create_grant(
        KeyId=key_id, GranteePrincipal=ROLE, Operations=["Encrypt"]
    )["GrantId"]
    wrong_context = client.create_grant(
        KeyId=key_id,
        GranteePrincipal=ROLE,
        Operations=["Decrypt"],
        Constraints={"EncryptionContextSubset": {"app": "payroll"}},
    )["GrantId"]
    client.create_grant(KeyId=key_id, GranteePrincipal=OTHER_ROLE, Operations=["Decrypt"])
    assert _denied_decrypt(kms, client, blob) == (
        f'grant {wrong_operation} for {ROLE} does not list Decrypt in its operations ["Encrypt"]',
        f"grant {wrong_context} for {ROLE} requires the encryption context to include "
        '{"app": "payroll"}; the request\'s is {"app": "billing"}',
    )


def test_allowed_requests_carry_no_near_misses(kms_and_client: Any) -> None:
    kms, client = kms_and_client
    key_id, blob = _key(client, _allow("Decrypt"))
    with kms.acting_as(ROLE):
        client.decrypt(CiphertextBlob=blob, EncryptionContext={"app": "billing"})
    decision = kms.authorizations[-1]
    assert decision.allowed
    assert decision.near_misses == ()
    assert str(decision).endswith('allowed: key policy statement "Decrypt" allows the caller')


def test_the_string_of_a_denial_lists_its_near_misses(kms_and_client: Any) -> None:
    kms, client = kms_and_client
    condition = {"StringEquals": {"kms:ViaService": "lambda.us-east-1.amazonaws.com"}}
    _, blob = _key(client, _allow("ViaLambda", Condition=condition))
    _denied_decrypt(kms, client, blob)
    text = str(kms.authorizations[-1])
    assert text.endswith(
        "denied: the key policy lets the caller's account decide, and no identity policy "
        'allows it; near miss: key policy statement "ViaLambda" (#2) would allow it, but its '
        'condition StringEquals kms:ViaService = "lambda.us-east-1.amazonaws.com" failed: the '
        "request has no kms:ViaService"
    )


def test_reprs_are_short_and_say_what_matters(kms_and_client: Any) -> None:
    kms, client = kms_and_client
    condition = {"StringEquals": {"kms:ViaService": "lambda.us-east-1.amazonaws.com"}}
    key_id, blob = _key(client, _allow("ViaLambda", Condition=condition))
    _denied_decrypt(kms, client, blob)
    assert repr(kms) == f"<KmsMock active account={ACCOUNT} keys=1 events=3>"
    assert repr(kms.authorizations[-1]) == (
        f"<Authorization kms:Decrypt by arn:aws:sts::{ACCOUNT}:assumed-role/app/kmsmock on "
        f"key/{key_id}: denied, 1 near miss>"
    )
    denied = (
        f"<AuditEvent Decrypt key/{key_id} by arn:aws:sts::{ACCOUNT}:assumed-role/app/kmsmock "
        "-> AccessDeniedException>"
    )
    assert repr(kms.events[-1]) == denied
    assert repr(kms.events) == f"<Events 3 (2 allowed, 1 denied, 0 failed); last {denied}>"
    assert repr(mock_kms(account_id="111122223333")) == "<KmsMock inactive account=111122223333>"


def test_an_explicit_deny_names_its_statement_and_the_values_that_met_its_condition(
    kms_and_client: Any,
) -> None:
    kms, client = kms_and_client
    deny = {"Sid": "OnlyViaLambda", "Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"kms:ViaService": "lambda.us-east-1.amazonaws.com"},
                          "StringEquals": {"kms:EncryptionContext:app": "billing"}}}  # fmt: skip
    _, blob = _key(client, _allow("Decrypt"), deny)
    assert _denied_decrypt(kms, client, blob) == ()
    assert kms.authorizations[-1].reason == (
        'key policy statement "OnlyViaLambda" (#3) denies: its condition StringNotEquals '
        'kms:ViaService = "lambda.us-east-1.amazonaws.com" held (the request has no '
        'kms:ViaService); and StringEquals kms:EncryptionContext:app = "billing" held (the '
        'request\'s kms:EncryptionContext:app is "billing")'
    )


def test_an_identity_policy_deny_is_named_too(kms_and_client: Any) -> None:
    kms, client = kms_and_client
    _, blob = _key(client, _allow("Decrypt"))
    kms.set_identity_policy(
        ROLE,
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "kms:*", "Resource": "*"}],
        },  # fmt: skip
    )
    _denied_decrypt(kms, client, blob)
    assert kms.authorizations[-1].reason == f"identity policy of {ROLE}: statement #1 denies"

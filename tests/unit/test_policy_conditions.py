"""condition_holds: every IAM operator family, IfExists, set prefixes, missing keys, variables.

Cases marked "IAM UG" come from the IAM User Guide, "IAM JSON policy elements: Condition
operators" and "Multivalued context keys"; "KMS DG" from "AWS KMS condition keys".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmsmock.policy.conditions import ConditionContext, condition_holds, conditions_hold
from kmsmock.policy.document import Condition
from kmsmock.policy.model import AuthRequest, Caller, ContextValue

NOW = datetime(2024, 6, 1, 12, 0, 0, tzinfo=timezone.utc)
USER = Caller(
    arn="arn:aws:iam::111122223333:user/alice",
    account="111122223333",
    principal_arn="arn:aws:iam::111122223333:user/alice",
    principal_type="User",
    tags={"Department": "Finance"},
)
SESSION = Caller(
    arn="arn:aws:sts::111122223333:assumed-role/billing-exec/billing",
    account="111122223333",
    principal_arn="arn:aws:iam::111122223333:role/billing-exec",
    principal_type="AssumedRole",
    via_service="lambda.us-east-1.amazonaws.com",
)


def request(
    context: Mapping[str, ContextValue] | None = None, caller: Caller = USER
) -> AuthRequest:
    return AuthRequest(
        caller=caller,
        action="kms:Decrypt",
        resource="arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        context=dict(context or {}),
        now=NOW,
    )


def holds(operator: str, key: str, values: Any, context: Mapping[str, ContextValue]) -> bool:
    values = (values,) if isinstance(values, str) else tuple(values)
    return condition_holds(operator, key, values, request(context))


# (operator, key, policy values, request context, expected)
CASES: list[tuple[str, str, Any, dict[str, ContextValue], bool]] = [
    # --- String ---------------------------------------------------------------------------
    # IAM UG StringEquals example: aws:PrincipalTag/job-category = iamuser-admin.
    (
        "StringEquals",
        "aws:PrincipalTag/job-category",
        "iamuser-admin",
        {"aws:PrincipalTag/job-category": "iamuser-admin"},
        True,
    ),
    (
        "StringEquals",
        "aws:PrincipalTag/job-category",
        "iamuser-admin",
        {"aws:PrincipalTag/job-category": "IAMUSER-ADMIN"},
        False,
    ),
    ("StringEquals", "kms:CallerAccount", ["999988887777", "111122223333"], {}, True),
    ("StringEquals", "kms:CallerAccount", ["999988887777"], {}, False),
    ("StringNotEquals", "kms:CallerAccount", ["999988887777"], {}, True),
    ("StringNotEquals", "kms:CallerAccount", ["999988887777", "111122223333"], {}, False),
    (
        "StringEqualsIgnoreCase",
        "kms:EncryptionContext:Project",
        "ALPHA",
        {"kms:EncryptionContext:Project": "alpha"},
        True,
    ),
    (
        "StringEqualsIgnoreCase",
        "kms:EncryptionContext:Project",
        "beta",
        {"kms:EncryptionContext:Project": "alpha"},
        False,
    ),
    (
        "StringNotEqualsIgnoreCase",
        "kms:EncryptionContext:Project",
        "ALPHA",
        {"kms:EncryptionContext:Project": "alpha"},
        False,
    ),
    (
        "StringNotEqualsIgnoreCase",
        "kms:EncryptionContext:Project",
        "beta",
        {"kms:EncryptionContext:Project": "alpha"},
        True,
    ),
    # StringLike: "*" any run (also empty), "?" exactly one character.
    (
        "StringLike",
        "kms:RequestAlias",
        "alias/Finance*",
        {"kms:RequestAlias": "alias/Finance"},
        True,
    ),
    (
        "StringLike",
        "kms:RequestAlias",
        "alias/Finance*",
        {"kms:RequestAlias": "alias/FinanceKey"},
        True,
    ),
    (
        "StringLike",
        "kms:RequestAlias",
        "alias/Finance*",
        {"kms:RequestAlias": "alias/finance"},
        False,
    ),
    ("StringLike", "kms:RequestAlias", "alias/key?", {"kms:RequestAlias": "alias/key1"}, True),
    ("StringLike", "kms:RequestAlias", "alias/key?", {"kms:RequestAlias": "alias/key"}, False),
    ("StringLike", "kms:RequestAlias", "alias/key?", {"kms:RequestAlias": "alias/key12"}, False),
    ("StringLike", "kms:RequestAlias", "alias/a.b", {"kms:RequestAlias": "alias/aXb"}, False),
    (
        "StringNotLike",
        "kms:RequestAlias",
        "alias/Finance*",
        {"kms:RequestAlias": "alias/Ops"},
        True,
    ),
    (
        "StringNotLike",
        "kms:RequestAlias",
        "alias/Finance*",
        {"kms:RequestAlias": "alias/Finance1"},
        False,
    ),
    ("StringEquals", "kms:RequestAlias", "alias/*", {"kms:RequestAlias": "alias/x"}, False),
    ("StringEquals", "kms:RequestAlias", "alias/*", {"kms:RequestAlias": "alias/*"}, True),
    # --- Numeric (IAM UG: NumericLessThanEquals s3:max-keys 10) ----------------------------
    ("NumericLessThanEquals", "s3:max-keys", "10", {"s3:max-keys": "10"}, True),
    ("NumericLessThanEquals", "s3:max-keys", "10", {"s3:max-keys": 11}, False),
    ("NumericEquals", "kms:RotationPeriodInDays", "90", {"kms:RotationPeriodInDays": 90}, True),
    ("NumericEquals", "kms:RotationPeriodInDays", "90.0", {"kms:RotationPeriodInDays": "90"}, True),
    ("NumericEquals", "kms:RotationPeriodInDays", "90", {"kms:RotationPeriodInDays": 91}, False),
    ("NumericNotEquals", "kms:RotationPeriodInDays", "90", {"kms:RotationPeriodInDays": 91}, True),
    ("NumericNotEquals", "kms:RotationPeriodInDays", "90", {"kms:RotationPeriodInDays": 90}, False),
    (
        "NumericLessThan",
        "kms:ScheduleKeyDeletionPendingWindowInDays",
        "30",
        {"kms:ScheduleKeyDeletionPendingWindowInDays": 7},
        True,
    ),
    (
        "NumericLessThan",
        "kms:ScheduleKeyDeletionPendingWindowInDays",
        "30",
        {"kms:ScheduleKeyDeletionPendingWindowInDays": 30},
        False,
    ),
    ("NumericGreaterThan", "n", "1.5", {"n": 2}, True),
    ("NumericGreaterThan", "n", "1.5", {"n": 1.5}, False),
    ("NumericGreaterThanEquals", "n", "1.5", {"n": 1.5}, True),
    ("NumericGreaterThanEquals", "n", "1.5", {"n": 1}, False),
    ("NumericEquals", "n", "abc", {"n": 1}, False),
    ("NumericEquals", "n", "1", {"n": "one"}, False),
    ("NumericEquals", "n", "1", {"n": True}, False),
    # --- Date (IAM UG: DateGreaterThan/DateLessThan on aws:CurrentTime) ---------------------
    ("DateGreaterThan", "aws:CurrentTime", "2020-04-01T00:00:00Z", {}, True),
    ("DateLessThan", "aws:CurrentTime", "2020-06-30T23:59:59Z", {}, False),
    ("DateLessThan", "aws:CurrentTime", "2024-06-01T12:00:01Z", {}, True),
    ("DateLessThanEquals", "aws:CurrentTime", "2024-06-01T12:00:00Z", {}, True),
    ("DateLessThanEquals", "aws:CurrentTime", "2024-06-01T11:59:59Z", {}, False),
    ("DateGreaterThanEquals", "aws:CurrentTime", "2024-06-01T12:00:00+00:00", {}, True),
    ("DateGreaterThanEquals", "aws:CurrentTime", "2024-06-01T14:00:01+02:00", {}, False),
    ("DateEquals", "aws:CurrentTime", "2024-06-01T14:00:00+02:00", {}, True),
    ("DateEquals", "aws:CurrentTime", str(int(NOW.timestamp())), {}, True),
    ("DateEquals", "aws:CurrentTime", "2024-06-01", {}, False),
    ("DateNotEquals", "aws:CurrentTime", "2024-06-01", {}, True),
    ("DateNotEquals", "aws:CurrentTime", "2024-06-01T12:00:00Z", {}, False),
    (
        "DateLessThan",
        "kms:ValidTo",
        "2024-12-31T00:00:00Z",
        {"kms:ValidTo": "2024-07-01T00:00:00Z"},
        True,
    ),
    ("DateLessThan", "kms:ValidTo", "2024-12-31", {"kms:ValidTo": 1893456000}, False),
    ("DateEquals", "aws:CurrentTime", "not a date", {}, False),
    # --- Bool (IAM UG: aws:SecureTransport) -------------------------------------------------
    ("Bool", "aws:SecureTransport", "true", {"aws:SecureTransport": True}, True),
    ("Bool", "aws:SecureTransport", "true", {"aws:SecureTransport": False}, False),
    ("Bool", "kms:MultiRegion", "false", {"kms:MultiRegion": "false"}, True),
    ("Bool", "kms:MultiRegion", "TRUE", {"kms:MultiRegion": True}, True),
    ("Bool", "kms:MultiRegion", "yes", {"kms:MultiRegion": True}, False),
    ("Bool", "kms:MultiRegion", "true", {"kms:MultiRegion": 1}, False),
    # --- BinaryEquals (IAM UG example value) ------------------------------------------------
    (
        "BinaryEquals",
        "key",
        "QmluYXJ5VmFsdWVJbkJhc2U2NA==",
        {"key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="},
        True,
    ),
    ("BinaryEquals", "key", "QmluYXJ5VmFsdWVJbkJhc2U2NA==", {"key": "QmluYXJ5"}, False),
    ("BinaryEquals", "key", "QmluYXJ5VmFsdWVJbkJhc2U2NA==", {"key": "not base64!"}, False),
    # --- IpAddress (IAM UG: 203.0.113.0/24, 2001:DB8:1234:5678::/64) ------------------------
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", {"aws:SourceIp": "203.0.113.7"}, True),
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", {"aws:SourceIp": "203.0.114.7"}, False),
    ("IpAddress", "aws:SourceIp", "203.0.113.7", {"aws:SourceIp": "203.0.113.7"}, True),
    (
        "IpAddress",
        "aws:SourceIp",
        "2001:DB8:1234:5678::/64",
        {"aws:SourceIp": "2001:db8:1234:5678::1"},
        True,
    ),
    (
        "IpAddress",
        "aws:SourceIp",
        "2001:DB8:1234:5678::/64",
        {"aws:SourceIp": "203.0.113.7"},
        False,
    ),
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", {"aws:SourceIp": "garbage"}, False),
    ("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", {"aws:SourceIp": "198.51.100.1"}, True),
    (
        "NotIpAddress",
        "aws:SourceIp",
        ["198.51.100.0/24", "203.0.113.0/24"],
        {"aws:SourceIp": "198.51.100.1"},
        False,
    ),
    # --- Arn (IAM UG: ArnLike aws:SourceArn on an SNS topic) --------------------------------
    (
        "ArnLike",
        "aws:SourceArn",
        "arn:aws:sns:*:123456789012:TOPIC-ID",
        {"aws:SourceArn": "arn:aws:sns:us-west-2:123456789012:TOPIC-ID"},
        True,
    ),
    (
        "ArnLike",
        "aws:SourceArn",
        "arn:aws:sns:*:123456789012:TOPIC-ID",
        {"aws:SourceArn": "arn:aws:sns:us-west-2:123456789013:TOPIC-ID"},
        False,
    ),
    ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::111122223333:user/*", {}, True),
    ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::111122223333:role/*", {}, False),
    # A wildcard does not cross a colon between the six parts.
    ("ArnLike", "aws:PrincipalArn", "arn:aws:*:user/alice", {}, False),
    ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::111122223333:user/alic?", {}, True),
    ("ArnEquals", "aws:PrincipalArn", "arn:aws:iam::111122223333:user/alice", {}, True),
    ("ArnEquals", "aws:PrincipalArn", "arn:aws:iam::111122223333:user/ALICE", {}, False),
    ("ArnEquals", "aws:SourceArn", "arn:aws:s3:::bucket", {"aws:SourceArn": "not-an-arn"}, False),
    ("ArnEquals", "aws:SourceArn", "not-an-arn", {"aws:SourceArn": "not-an-arn"}, False),
    # The resource part keeps its own colons.
    (
        "ArnEquals",
        "aws:SourceArn",
        "arn:aws:logs:us-east-1:1:log-group:g:*",
        {"aws:SourceArn": "arn:aws:logs:us-east-1:1:log-group:g:*"},
        True,
    ),
    ("ArnNotEquals", "aws:PrincipalArn", "arn:aws:iam::111122223333:user/bob", {}, True),
    ("ArnNotEquals", "aws:PrincipalArn", "arn:aws:iam::111122223333:user/alice", {}, False),
    ("ArnNotLike", "aws:PrincipalArn", "arn:aws:iam::*:user/*", {}, False),
    ("ArnNotLike", "aws:PrincipalArn", "arn:aws:iam::*:role/*", {}, True),
    # --- Null (IAM UG: Null aws:TokenIssueTime) --------------------------------------------
    ("Null", "aws:TokenIssueTime", "true", {}, True),
    ("Null", "aws:TokenIssueTime", "true", {"aws:TokenIssueTime": "2024-01-01T00:00:00Z"}, False),
    ("Null", "aws:TokenIssueTime", "false", {"aws:TokenIssueTime": "2024-01-01T00:00:00Z"}, True),
    ("Null", "aws:TokenIssueTime", "false", {}, False),
    ("Null", "kms:EncryptionContextKeys", "true", {"kms:EncryptionContextKeys": []}, True),
    ("Null", "aws:TokenIssueTime", "maybe", {}, False),
]


@pytest.mark.parametrize(("operator", "key", "values", "context", "expected"), CASES)
def test_operator_table(
    operator: str, key: str, values: Any, context: dict[str, ContextValue], expected: bool
) -> None:
    assert holds(operator, key, values, context) is expected


BASES = [
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
    "StringLike", "StringNotLike", "NumericEquals", "NumericNotEquals", "NumericLessThan",
    "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals", "DateEquals",
    "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
    "DateGreaterThanEquals", "Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals",
    "ArnLike", "ArnNotEquals", "ArnNotLike",
]  # fmt: skip
NEGATED = {
    "StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "NumericNotEquals",
    "DateNotEquals", "NotIpAddress", "ArnNotEquals", "ArnNotLike",
}  # fmt: skip


@pytest.mark.parametrize("base", BASES)
def test_missing_key(base: str) -> None:
    """IAM UG: a missing key makes a condition false, except negated operators (true);
    IfExists makes it true; ForAllValues is true and ForAnyValue false on a missing key."""
    assert holds(base, "kms:Missing", "x", {}) is (base in NEGATED)
    assert holds(base + "IfExists", "kms:Missing", "x", {}) is True
    assert holds("ForAllValues:" + base, "kms:Missing", "x", {}) is True
    assert holds("ForAnyValue:" + base, "kms:Missing", "x", {}) is False
    assert holds("ForAnyValue:" + base + "IfExists", "kms:Missing", "x", {}) is True


def test_if_exists_still_tests_a_present_key() -> None:
    context: dict[str, ContextValue] = {"kms:EncryptionAlgorithm": "RSAES_OAEP_SHA_1"}
    key = "kms:EncryptionAlgorithm"
    assert holds("StringEqualsIfExists", key, "RSAES_OAEP_SHA_256", context) is False
    assert holds("StringEqualsIfExists", key, "RSAES_OAEP_SHA_1", context) is True
    assert holds("StringNotEqualsIfExists", key, "RSAES_OAEP_SHA_1", context) is False


def test_empty_multivalued_key_counts_as_missing() -> None:
    empty: dict[str, ContextValue] = {"aws:TagKeys": []}
    assert holds("ForAllValues:StringEquals", "aws:TagKeys", "a", empty) is True
    assert holds("ForAnyValue:StringEquals", "aws:TagKeys", "a", empty) is False


# IAM UG "Multivalued context keys": ForAllValues:StringEquals aws:TagKeys [environment,
# cost-center] - every requested tag key must be one of the listed ones.
TAG_KEYS = ["environment", "cost-center"]


@pytest.mark.parametrize(
    ("request_keys", "all_values", "any_value"),
    [
        (["environment"], True, True),
        (["environment", "cost-center"], True, True),
        (["environment", "owner"], False, True),
        (["owner"], False, False),
        (["Environment"], False, False),
    ],
)
def test_set_operators(request_keys: list[str], all_values: bool, any_value: bool) -> None:
    context: dict[str, ContextValue] = {"aws:TagKeys": request_keys}
    assert holds("ForAllValues:StringEquals", "aws:TagKeys", TAG_KEYS, context) is all_values
    assert holds("ForAnyValue:StringEquals", "aws:TagKeys", TAG_KEYS, context) is any_value
    # Negated set operators: every / some request value equals none of the policy values.
    forbid_all = all(k not in TAG_KEYS for k in request_keys)
    forbid_any = any(k not in TAG_KEYS for k in request_keys)
    assert holds("ForAllValues:StringNotEquals", "aws:TagKeys", TAG_KEYS, context) is forbid_all
    assert holds("ForAnyValue:StringNotEquals", "aws:TagKeys", TAG_KEYS, context) is forbid_any


def test_set_operator_with_like_kms_dg_encryption_context_keys() -> None:
    # KMS DG kms:EncryptionContextKeys: ForAnyValue:StringEquals requires a key to be present.
    ec: dict[str, ContextValue] = {"kms:EncryptionContextKeys": ["AppName", "FilePath"]}
    assert holds("ForAnyValue:StringEquals", "kms:EncryptionContextKeys", "AppName", ec)
    assert holds("ForAllValues:StringLike", "kms:EncryptionContextKeys", ["App*", "File*"], ec)
    assert not holds("ForAllValues:StringLike", "kms:EncryptionContextKeys", "App*", ec)


def test_plain_operator_on_a_multivalued_key() -> None:
    ec: dict[str, ContextValue] = {"kms:GrantOperations": ["Decrypt", "Encrypt"]}
    assert holds("StringEquals", "kms:GrantOperations", "Decrypt", ec) is True
    assert holds("StringEquals", "kms:GrantOperations", "Sign", ec) is False
    assert holds("StringNotEquals", "kms:GrantOperations", "Decrypt", ec) is False
    assert holds("StringNotEquals", "kms:GrantOperations", "Sign", ec) is True


def test_condition_key_names_are_case_insensitive_values_are_not() -> None:
    # KMS DG: the key name in kms:EncryptionContext:<key> is case-insensitive, the value not.
    context: dict[str, ContextValue] = {"kms:EncryptionContext:Department": "IT"}
    for key in ("kms:EncryptionContext:Department", "KMS:encryptioncontext:DEPARTMENT"):
        assert holds("StringEquals", key, "IT", context) is True
        assert holds("StringEquals", key, "it", context) is False
    assert holds("StringEquals", "aws:principaltag/DEPARTMENT", "Finance", {}) is True


def test_derived_global_keys() -> None:
    ctx = ConditionContext(request({}, SESSION))
    assert ctx.get("aws:PrincipalArn") == "arn:aws:iam::111122223333:role/billing-exec"
    assert ctx.get("aws:PrincipalAccount") == "111122223333"
    assert ctx.get("kms:CallerAccount") == "111122223333"
    assert ctx.get("aws:PrincipalType") == "AssumedRole"
    assert ctx.get("kms:ViaService") == "lambda.us-east-1.amazonaws.com"
    assert ctx.get("aws:CurrentTime") == NOW
    assert ctx.get("aws:EpochTime") == int(NOW.timestamp())
    assert ctx.get("aws:username") is None
    assert ConditionContext(request()).get("AWS:UserName") == "alice"
    assert ConditionContext(request()).get("kms:ViaService") is None
    # The backend's own values win over derived ones.
    assert (
        ConditionContext(request({"kms:CallerAccount": "444455556666"})).get("kms:calleraccount")
        == "444455556666"
    )


def test_conditions_are_anded() -> None:
    conditions = (
        Condition("StringEquals", "kms:CallerAccount", ("111122223333",)),
        Condition("StringEquals", "kms:ViaService", ("lambda.us-east-1.amazonaws.com",)),
    )
    assert conditions_hold(conditions, request({}, SESSION)) is True
    assert conditions_hold(conditions, request({}, USER)) is False
    assert conditions_hold((), request()) is True


def test_unknown_operator_raises() -> None:
    with pytest.raises(ValueError, match="unknown condition operator 'StringEqual'"):
        condition_holds("StringEqual", "k", ("v",), request())


# --- policy variables (IAM UG "IAM policy elements: Variables and tags") -------------------------


@pytest.mark.parametrize(
    ("operator", "value", "context", "expected"),
    [
        ("StringEquals", "${aws:username}", {"k": "alice"}, True),
        ("StringEquals", "${AWS:UserName}", {"k": "alice"}, True),
        ("StringEquals", "${aws:username}", {"k": "bob"}, False),
        ("StringLike", "home/${aws:username}/*", {"k": "home/alice/x"}, True),
        ("StringLike", "home/${aws:username}/*", {"k": "home/bob/x"}, False),
        ("StringEquals", "${aws:PrincipalTag/Department}-key", {"k": "Finance-key"}, True),
        # ${*} ${?} ${$} are literal characters, even in Like.
        ("StringLike", "a${*}", {"k": "a*"}, True),
        ("StringLike", "a${*}", {"k": "ab"}, False),
        ("StringLike", "a${?}", {"k": "a?"}, True),
        ("StringLike", "a${?}", {"k": "ab"}, False),
        ("StringEquals", "${$}x", {"k": "$x"}, True),
        # A substituted value is literal: a "*" in the value is not a wildcard.
        ("StringLike", "${aws:PrincipalTag/Star}", {"k": "anything"}, False),
        ("StringLike", "${aws:PrincipalTag/Star}", {"k": "*"}, True),
        # No value and no default: the policy value matches nothing.
        (
            "StringEquals",
            "${aws:PrincipalTag/Missing}",
            {"k": "${aws:PrincipalTag/Missing}"},
            False,
        ),
        ("StringNotEquals", "${aws:PrincipalTag/Missing}", {"k": "x"}, True),
        # Default values: ${key, 'default'}, '' for a quote.
        ("StringEquals", "${aws:PrincipalTag/Missing, 'none'}", {"k": "none"}, True),
        ("StringEquals", "${aws:PrincipalTag/Missing, 'it''s'}", {"k": "it's"}, True),
        ("StringEquals", "${aws:username, 'none'}", {"k": "alice"}, True),
        # Multi-valued keys are not variables.
        (
            "StringEquals",
            "${kms:EncryptionContextKeys}",
            {"k": "a", "kms:EncryptionContextKeys": ["a"]},
            False,
        ),
        ("ArnEquals", "${aws:PrincipalArn}", {"k": "arn:aws:iam::111122223333:user/alice"}, True),
        (
            "ArnLike",
            "arn:aws:iam::${aws:PrincipalAccount}:user/*",
            {"k": "arn:aws:iam::111122223333:user/bob"},
            True,
        ),
        (
            "ArnLike",
            "arn:aws:iam::${aws:PrincipalAccount}:user/*",
            {"k": "arn:aws:iam::999988887777:user/bob"},
            False,
        ),
        ("StringEquals", "${kms:Flag}", {"k": "true", "kms:Flag": True}, True),
        ("StringEquals", "${aws:EpochTime}", {"k": str(int(NOW.timestamp()))}, True),
        ("StringEquals", "${aws:CurrentTime}", {"k": "2024-06-01T12:00:00Z"}, True),
    ],
)
def test_policy_variables(
    operator: str, value: str, context: dict[str, ContextValue], expected: bool
) -> None:
    caller = Caller(
        arn=USER.arn,
        account=USER.account,
        principal_arn=USER.principal_arn,
        principal_type="User",
        tags={"Department": "Finance", "Star": "*"},
    )
    assert condition_holds(operator, "k", (value,), request(context, caller)) is expected


def test_variables_off_means_literal_text() -> None:
    ctx = request({"k": "${aws:username}"})
    assert condition_holds("StringEquals", "k", ("${aws:username}",), ctx, variables=False)
    assert not condition_holds("StringEquals", "k", ("${aws:username}",), ctx)


def test_variables_not_substituted_in_numeric_operators() -> None:
    ctx = request({"n": 5, "m": "5"})
    assert not condition_holds("NumericEquals", "n", ("${m}",), ctx)


# --- properties ---------------------------------------------------------------------------------

TEXT = st.text(alphabet="ab*?/:.$", max_size=8)
PLAIN = st.text(alphabet="abAB/:.-_ 1", max_size=10)


@settings(max_examples=50)
@given(policy=PLAIN, value=PLAIN)
def test_like_without_wildcards_is_equals(policy: str, value: str) -> None:
    context: dict[str, ContextValue] = {"k": value}
    assert holds("StringLike", "k", policy, context) is holds("StringEquals", "k", policy, context)
    assert holds("StringNotLike", "k", policy, context) is holds(
        "StringNotEquals", "k", policy, context
    )


@settings(max_examples=50)
@given(
    pair=st.sampled_from(
        [
            ("StringEquals", "StringNotEquals"),
            ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"),
            ("StringLike", "StringNotLike"),
            ("NumericEquals", "NumericNotEquals"),
            ("ArnLike", "ArnNotLike"),
        ]
    ),
    policy=st.lists(TEXT, min_size=1, max_size=3),
    value=TEXT,
)
def test_negation_duality_when_key_exists(
    pair: tuple[str, str], policy: list[str], value: str
) -> None:
    positive, negated = pair
    context: dict[str, ContextValue] = {"k": value}
    assert holds(negated, "k", policy, context) is not holds(positive, "k", policy, context)


@settings(max_examples=50)
@given(
    values=st.lists(st.integers(-5, 5), max_size=4),
    policy=st.lists(st.integers(-5, 5).map(str), min_size=1, max_size=3),
)
def test_set_operators_match_their_definition(values: list[int], policy: list[str]) -> None:
    context: dict[str, ContextValue] = {"k": [str(v) for v in values]}
    member = [str(v) in policy for v in values]
    assert holds("ForAllValues:StringEquals", "k", policy, context) is all(member)
    assert holds("ForAnyValue:StringEquals", "k", policy, context) is any(member)


@settings(max_examples=50)
@given(offset=st.integers(-10_000, 10_000))
def test_date_operators_order(offset: int) -> None:
    moment = NOW + timedelta(seconds=offset)
    value = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert holds("DateLessThan", "aws:CurrentTime", value, {}) is (offset > 0)
    assert holds("DateGreaterThanEquals", "aws:CurrentTime", value, {}) is (offset <= 0)
    assert holds("DateEquals", "aws:CurrentTime", value, {}) is (offset == 0)

"""parse_policy: the IAM policy grammar as KMS accepts and refuses it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kmsmock.policy.document import (
    Condition,
    Policy,
    PolicyError,
    Statement,
    parse_policy,
    split_operator,
)

ROOT = "arn:aws:iam::111122223333:root"

# KMS's default key policy (KMS DG "Default key policy"; facts B.2), as GetKeyPolicy returns it.
DEFAULT_POLICY = """{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::111122223333:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}"""


def doc(*statements: dict[str, Any], **top: Any) -> str:
    body: dict[str, Any] = {"Version": "2012-10-17", **top}
    body["Statement"] = list(statements)
    return json.dumps(body)


def allow(**fields: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"} | (
        fields
    )


def error(text: str, kind: str = "key") -> str:
    with pytest.raises(PolicyError) as excinfo:
        parse_policy(text, kind)  # type: ignore[arg-type]
    assert str(excinfo.value) == excinfo.value.message
    return excinfo.value.message


def test_default_key_policy_parses_exactly() -> None:
    assert parse_policy(DEFAULT_POLICY) == Policy(
        version="2012-10-17",
        id="key-default-1",
        statements=(
            Statement(
                sid="Enable IAM User Permissions",
                effect="Allow",
                principal={"AWS": (ROOT,)},
                action=("kms:*",),
                resource=("*",),
            ),
        ),
    )


def test_lists_single_strings_and_statement_object_all_accepted() -> None:
    text = json.dumps(
        {
            "Statement": {
                "Effect": "Deny",
                "NotPrincipal": {"AWS": ["111122223333", ROOT]},
                "NotAction": ["kms:Decrypt", "kms:Encrypt"],
                "NotResource": "arn:aws:kms:*:111122223333:key/*",
                "Condition": {
                    "ForAnyValue:StringLike": {"kms:EncryptionContextKeys": ["a*", "b"]},
                    "NumericLessThanIfExists": {"kms:RotationPeriodInDays": 90},
                    "Bool": {"kms:MultiRegion": True},
                },
            }
        }
    )
    policy = parse_policy(text)
    assert policy.version is None and policy.id is None and not policy.variables_enabled
    (statement,) = policy.statements
    assert statement == Statement(
        sid=None,
        effect="Deny",
        not_principal={"AWS": ("111122223333", ROOT)},
        not_action=("kms:Decrypt", "kms:Encrypt"),
        not_resource=("arn:aws:kms:*:111122223333:key/*",),
        conditions=(
            Condition("ForAnyValue:StringLike", "kms:EncryptionContextKeys", ("a*", "b")),
            Condition("NumericLessThanIfExists", "kms:RotationPeriodInDays", ("90",)),
            Condition("Bool", "kms:MultiRegion", ("true",)),
        ),
    )


@pytest.mark.parametrize("version", ["2008-10-17", "2012-10-17"])
def test_both_versions_accepted(version: str) -> None:
    policy = parse_policy(doc(allow(), Version=version))
    assert policy.version == version
    assert policy.variables_enabled is (version == "2012-10-17")


def test_principal_star_kept_as_string_and_aws_star_as_mapping() -> None:
    policy = parse_policy(doc(allow(Principal="*"), allow(Principal={"AWS": "*"})))
    assert policy.statements[0].principal == "*"
    assert policy.statements[1].principal == {"AWS": ("*",)}


def test_missing_action_or_resource_is_accepted_in_key_policy() -> None:
    # KMS API reference, PutKeyPolicy: a statement missing Resource or Action is accepted but
    # has no effect.
    statement = {"Effect": "Allow", "Principal": {"AWS": ROOT}}
    (parsed,) = parse_policy(doc(statement)).statements
    assert parsed.action is None and parsed.resource is None
    assert parsed.not_action is None and parsed.not_resource is None


def test_valid_principal_forms() -> None:
    principals = {
        "AWS": [
            "*",
            "111122223333",
            ROOT,
            "arn:aws:iam::111122223333:user/alice",
            "arn:aws:iam::111122223333:role/path/to/admin",
            "arn:aws:sts::111122223333:assumed-role/admin/session",
            "arn:aws-cn:iam::111122223333:role/x",
        ],
        "Service": ["lambda.amazonaws.com", "logs.us-east-1.amazonaws.com"],
        "Federated": "cognito-identity.amazonaws.com",
        "CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
    }
    (statement,) = parse_policy(doc(allow(Principal=principals))).statements
    assert isinstance(statement.principal, dict)
    assert statement.principal["AWS"][3] == "arn:aws:iam::111122223333:user/alice"
    assert statement.principal["Federated"] == ("cognito-identity.amazonaws.com",)


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "not json", "[]", '"x"', "{", "null", "1"])
def test_not_a_json_object_gives_an_empty_message(text: str) -> None:
    assert error(text) == ""


def test_key_policy_statement_without_principal() -> None:
    statement = {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}
    assert error(doc(statement)) == "Policy contains a statement with no principal."


@pytest.mark.parametrize(
    "principal",
    [
        {},
        {"AWS": []},
        {"AWS": ""},
        {"AWS": "arn:aws:iam::111122223333:user/*"},
        {"AWS": "arn:aws:iam::*:root"},
        {"AWS": "arn:aws:iam::111122223333:role/ad?min"},
        {"AWS": "11112222333"},
        {"AWS": "alice"},
        {"AWS": "arn:aws:iam::111122223333:group/admins"},
        {"AWS": "arn:aws:kms:us-east-1:111122223333:key/abc"},
        {"AWS": 111122223333},
        {"Service": "lambda"},
        {"Service": "*.amazonaws.com"},
        {"Federated": ""},
        {"User": ROOT},
        "arn:aws:iam::111122223333:root",
        ["*"],
    ],
)
def test_invalid_principals(principal: Any) -> None:
    assert error(doc(allow(Principal=principal))) == (
        "Policy contains a statement with one or more invalid principals."
    )


def test_identity_policy_must_not_name_a_principal() -> None:
    text = doc(allow())
    assert error(text, "identity") == "Policy document should not specify a principal."
    no_principal = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}
    assert parse_policy(doc(no_principal), "identity").statements[0].principal is None


def test_invalid_version() -> None:
    assert error(doc(allow(), Version="2012-10-18")) == (
        "The policy must contain a valid version string"
    )


def test_duplicate_sids() -> None:
    # Refused in identity policies (IAM); accepted in key policies, as AWS's own
    # aws/secretsmanager key policy has two statements with one Sid.
    no_principal = {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}
    text = doc(no_principal | {"Sid": "a"}, no_principal | {"Sid": "a"})
    assert error(text, "identity") == "Statement IDs (SID) in a single policy must be unique."
    assert len(parse_policy(doc(allow(Sid="a"), allow(Sid="a"))).statements) == 2
    assert len(parse_policy(doc(allow(Sid="a"), allow(Sid="b"), allow())).statements) == 3


@pytest.mark.parametrize(
    "mutation",
    [
        {"Effect": "allow"},
        {"Effect": None},
        {"Action": []},
        {"Action": 5},
        {"Resource": ["*", 1]},
        {"NotAction": "kms:*"},  # Action and NotAction together
        {"NotResource": "*"},  # Resource and NotResource together
        {"NotPrincipal": {"AWS": ROOT}},  # Principal and NotPrincipal together
        {"Sid": 1},
        {"Unknown": 1},
        {"Condition": []},
        {"Condition": {"StringEquals": {}}},
        {"Condition": {"StringEqual": {"kms:CallerAccount": "1"}}},
        {"Condition": {"NullIfExists": {"kms:CallerAccount": "true"}}},
        {"Condition": {"ForAnyValue:Null": {"kms:CallerAccount": "true"}}},
        {"Condition": {"ForOneValue:StringEquals": {"k": "v"}}},
        {"Condition": {"StringEquals": {"kms:CallerAccount": []}}},
        {"Condition": {"StringEquals": {"kms:CallerAccount": {"a": 1}}}},
        {"Condition": {"StringEquals": {"kms:CallerAccount": None}}},
        {"Condition": {"StringEquals": {"": "x"}}},
    ],
)
def test_statement_syntax_errors(mutation: dict[str, Any]) -> None:
    statement = allow()
    statement.update(mutation)
    if mutation.get("Effect", "x") is None:
        del statement["Effect"]
    assert error(doc(statement)) == "Syntax errors in policy."


@pytest.mark.parametrize(
    "top",
    [
        {"Version": "2012-10-17"},
        {"Version": "2012-10-17", "Statement": []},
        {"Version": "2012-10-17", "Statement": "x"},
        {"Version": "2012-10-17", "Statement": [allow(), "x"]},
        {"Version": "2012-10-17", "Id": 3, "Statement": [allow()]},
        {"Version": "2012-10-17", "Extra": 1, "Statement": [allow()]},
    ],
)
def test_document_syntax_errors(top: dict[str, Any]) -> None:
    assert error(json.dumps(top)) == "Syntax errors in policy."


@pytest.mark.parametrize(
    ("operator", "parts"),
    [
        ("StringEquals", (None, "StringEquals", False)),
        ("StringEqualsIfExists", (None, "StringEquals", True)),
        ("ForAnyValue:StringLike", ("ForAnyValue", "StringLike", False)),
        ("ForAllValues:ArnNotLikeIfExists", ("ForAllValues", "ArnNotLike", True)),
        ("Null", (None, "Null", False)),
        ("IfExists", None),
        ("stringequals", None),
        ("ForAnyValue:", None),
        ("NullIfExists", None),
    ],
)
def test_split_operator(operator: str, parts: tuple[str | None, str, bool] | None) -> None:
    assert split_operator(operator) == parts

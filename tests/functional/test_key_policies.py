"""Key policies through boto3: GetKeyPolicy, PutKeyPolicy, ListKeyPolicies; validation and the
lockout safety check (evaluation is tested in test_access_control.py)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from conftest import ACCOUNT, REGION, error_of, key_arn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmsmock import mock_kms

UNKNOWN_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
POLICY_PATTERN = "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"


def default_policy(account: str = ACCOUNT, partition: str = "aws") -> str:
    # Byte for byte as AWS's GetKeyPolicy returns it (Jackson pretty printer).
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


def delegation(account: str = ACCOUNT) -> dict[str, Any]:
    """The default policy's one statement: a policy with it keeps the account in control."""
    return {
        "Sid": "Enable IAM User Permissions",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }


def valid_policy(policy_id: str = "mine", **dumps: Any) -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Id": policy_id, "Statement": [delegation()]}, **dumps
    )


def new_key(client: BaseClient, **kwargs: Any) -> str:
    key_id: str = client.create_key(**kwargs)["KeyMetadata"]["KeyId"]
    return key_id


def policy_of(client: BaseClient, key_id: str) -> str:
    policy: str = client.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    return policy


def test_new_key_has_the_default_policy(client: BaseClient) -> None:
    key_id = new_key(client)
    response = client.get_key_policy(KeyId=key_id, PolicyName="default")
    assert response["Policy"] == default_policy()
    assert response["PolicyName"] == "default"


def test_policy_name_may_be_omitted(client: BaseClient) -> None:
    key_id = new_key(client)
    assert client.get_key_policy(KeyId=key_arn(key_id))["Policy"] == default_policy()


def test_default_policy_names_the_key_owner() -> None:
    with mock_kms(account_id="111122223333"):
        client = boto3.client("kms", region_name="eu-west-1")
        assert policy_of(client, new_key(client)) == default_policy("111122223333")


def test_default_policy_names_the_partition_of_the_region() -> None:
    with mock_kms(account_id="111122223333"):
        client = boto3.client("kms", region_name="cn-north-1")
        key_id = new_key(client)
        assert policy_of(client, key_id) == default_policy("111122223333", "aws-cn")
        arn = client.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
        assert arn == f"arn:aws-cn:kms:cn-north-1:111122223333:key/{key_id}"


def test_in_a_china_region_the_caller_is_the_aws_cn_root() -> None:
    # The default policy, written anew (not the text CreateKey made), still lets the root in:
    # the caller is arn:aws-cn:iam::...:root, the principal the policy names.
    with mock_kms(account_id="111122223333") as kms:
        client = boto3.client("kms", region_name="cn-north-1")
        key_id = new_key(client)
        client.put_key_policy(
            KeyId=key_id, PolicyName="default", Policy=default_policy("111122223333", "aws-cn")
        )
        assert client.encrypt(KeyId=key_id, Plaintext=b"x")["KeyId"].startswith("arn:aws-cn:")
        (event,) = kms.events.filter(operation="Encrypt")
        assert event.principal == "arn:aws-cn:iam::111122223333:root"


def test_create_key_stores_the_policy_byte_for_byte(client: BaseClient) -> None:
    statement = json.dumps(delegation())
    policy = (
        '{ "Version":"2012-10-17",\r\n\t"Statement" : [' + statement + '],\n  "Id": "caf\u00e9" }\n'
    )
    assert policy_of(client, new_key(client, Policy=policy)) == policy


def test_put_key_policy_replaces_the_policy_byte_for_byte(client: BaseClient) -> None:
    key_id = new_key(client)
    first = valid_policy("one", indent=7)
    client.put_key_policy(KeyId=key_id, PolicyName="default", Policy=first)
    assert policy_of(client, key_id) == first
    second = valid_policy("two", separators=(",", ":"))
    client.put_key_policy(KeyId=key_arn(key_id), Policy=second, BypassPolicyLockoutSafetyCheck=True)
    assert policy_of(client, key_id) == second


# The model allows a policy only characters up to U+00FF (json.dumps escapes control characters).
_text = st.text(st.characters(max_codepoint=0xFF), max_size=8)


@settings(
    max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(policy_id=_text, indent=st.none() | st.integers(0, 4), ensure_ascii=st.booleans())
def test_a_valid_policy_is_stored_as_sent(
    client: BaseClient, policy_id: str, indent: int | None, ensure_ascii: bool
) -> None:
    policy = valid_policy(policy_id, indent=indent, ensure_ascii=ensure_ascii)
    key_id = new_key(client)
    client.put_key_policy(KeyId=key_id, Policy=policy)
    assert policy_of(client, key_id) == policy


@pytest.mark.parametrize("policy", ["not json", "{", "[]", "[{}]", '"text"', "1", "true"])
def test_put_key_policy_refuses_what_is_not_a_json_object(client: BaseClient, policy: str) -> None:
    key_id = new_key(client)
    with pytest.raises(ClientError) as excinfo:
        client.put_key_policy(KeyId=key_id, PolicyName="default", Policy=policy)
    assert error_of(excinfo) == ("MalformedPolicyDocumentException", "")
    assert policy_of(client, key_id) == default_policy()


def nested_condition(depth: int) -> str:
    """A policy whose Condition nests ``depth`` objects deep."""
    statement = '{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:*","Resource":"*"'
    condition = '{"a":' * depth + '"x"' + "}" * depth
    return f'{{"Version":"2012-10-17","Statement":[{statement},"Condition":{condition}}}]}}'


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ("[" * 16_000 + "]" * 16_000, ""),
        (nested_condition(3_000), ""),
        (nested_condition(400), "Syntax errors in policy."),
    ],
    ids=["arrays 16,000 deep", "a condition 3,000 deep", "a condition 400 deep"],
)
def test_deeply_nested_policies_are_malformed(
    client: BaseClient, policy: str, message: str
) -> None:
    # Too deep to read (past 500 levels) is answered as text that is not JSON; a document
    # that can be read but nests where the grammar has none breaks the grammar.
    assert len(policy) <= 32768
    key_id = new_key(client)
    with pytest.raises(ClientError) as put:
        client.put_key_policy(KeyId=key_id, Policy=policy)
    assert error_of(put) == ("MalformedPolicyDocumentException", message)
    with pytest.raises(ClientError) as create:
        client.create_key(Policy=policy)
    assert error_of(create) == ("MalformedPolicyDocumentException", message)
    assert policy_of(client, key_id) == default_policy()


def test_policy_over_32_kb_is_refused(client: BaseClient) -> None:
    key_id = new_key(client)
    room = 32768 - len(valid_policy(""))
    at_limit = valid_policy("x" * room)
    assert len(at_limit) == 32768
    client.put_key_policy(KeyId=key_id, Policy=at_limit)
    with pytest.raises(ClientError) as excinfo:
        client.put_key_policy(KeyId=key_id, Policy=valid_policy("x" * (room + 1)))
    # AWS's message for the quota was never recorded.
    assert error_of(excinfo) == (
        "LimitExceededException",
        "The key policy size exceeds the maximum of 32768 bytes.",
    )
    assert policy_of(client, key_id) == at_limit
    with pytest.raises(ClientError) as at_create:
        # Fewer than 32,768 characters, more than 32,768 UTF-8 bytes.
        client.create_key(Policy=valid_policy("\u00e9" * 16380, ensure_ascii=False))
    assert error_of(at_create)[0] == "LimitExceededException"


def test_policy_with_characters_outside_the_model_pattern(raw_client: BaseClient) -> None:
    key_id = new_key(raw_client)
    policy = '{"Id": "\u0100"}'
    with pytest.raises(ClientError) as excinfo:
        raw_client.put_key_policy(KeyId=key_id, PolicyName="default", Policy=policy)
    assert error_of(excinfo) == (
        "ValidationException",
        f"1 validation error detected: Value '{policy}' at 'policy' failed to satisfy "
        f"constraint: Member must satisfy regular expression pattern: {POLICY_PATTERN}",
    )
    assert policy_of(raw_client, key_id) == default_policy()


@pytest.mark.parametrize("name", ["Default", "custom", "default2"])
def test_policy_names_other_than_default_do_not_exist(client: BaseClient, name: str) -> None:
    key_id = new_key(client)
    with pytest.raises(ClientError) as get:
        client.get_key_policy(KeyId=key_id, PolicyName=name)
    # The code is what AWS answers; its wording here was never recorded.
    assert error_of(get) == ("NotFoundException", f"Policy '{name}' does not exist")
    with pytest.raises(ClientError) as put:
        client.put_key_policy(KeyId=key_id, PolicyName=name, Policy=valid_policy())
    assert error_of(put) == ("NotFoundException", f"Policy '{name}' does not exist")
    assert policy_of(client, key_id) == default_policy()


def test_policy_name_outside_the_model_pattern(raw_client: BaseClient) -> None:
    key_id = new_key(raw_client)
    with pytest.raises(ClientError) as excinfo:
        raw_client.get_key_policy(KeyId=key_id, PolicyName="not-default")
    assert error_of(excinfo) == (
        "ValidationException",
        "1 validation error detected: Value 'not-default' at 'policyName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\w]+",
    )


def test_list_key_policies(client: BaseClient) -> None:
    key_id = new_key(client)
    for params in ({}, {"Limit": 1}, {"Limit": 1000}):
        response = client.list_key_policies(KeyId=key_id, **params)
        assert (response["PolicyNames"], response["Truncated"]) == (["default"], False)
        assert "NextMarker" not in response


POLICY_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("get_key_policy", {"PolicyName": "default"}),
    ("put_key_policy", {"PolicyName": "default", "Policy": valid_policy()}),
    ("list_key_policies", {}),
]


@pytest.mark.parametrize(("method", "extra"), POLICY_CALLS)
@pytest.mark.parametrize("alias", ["alias/pol", f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/pol"])
def test_policy_operations_refuse_aliases(
    client: BaseClient, method: str, extra: dict[str, Any], alias: str
) -> None:
    client.create_alias(AliasName="alias/pol", TargetKeyId=new_key(client))
    with pytest.raises(ClientError) as excinfo:
        getattr(client, method)(KeyId=alias, **extra)
    assert error_of(excinfo) == (
        "InvalidArnException",
        "Key Aliases are not supported for this operation.",
    )


@pytest.mark.parametrize(("method", "extra"), POLICY_CALLS)
def test_policy_operations_on_unknown_keys(
    client: BaseClient, method: str, extra: dict[str, Any]
) -> None:
    with pytest.raises(ClientError) as unknown:
        getattr(client, method)(KeyId=UNKNOWN_ID, **extra)
    assert error_of(unknown) == ("NotFoundException", f"Key '{key_arn(UNKNOWN_ID)}' does not exist")
    with pytest.raises(ClientError) as malformed:
        getattr(client, method)(KeyId="nope", **extra)
    assert error_of(malformed) == ("NotFoundException", "Invalid keyId 'nope'")


@pytest.mark.parametrize("how", ["disable", "schedule deletion"])
def test_policies_work_in_every_key_state(client: BaseClient, how: str) -> None:
    key_id = new_key(client)
    if how == "disable":
        client.disable_key(KeyId=key_id)
    else:
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    client.put_key_policy(KeyId=key_id, PolicyName="default", Policy=valid_policy("x"))
    assert policy_of(client, key_id) == valid_policy("x")
    assert client.list_key_policies(KeyId=key_id)["PolicyNames"] == ["default"]


def test_policies_of_keys_are_independent(client: BaseClient) -> None:
    first, second = new_key(client), new_key(client)
    client.put_key_policy(KeyId=first, Policy=valid_policy("first"))
    assert policy_of(client, first) == valid_policy("first")
    assert policy_of(client, second) == default_policy()


def test_policy_of_a_key_in_another_region_is_not_found(client: BaseClient) -> None:
    west = boto3.client("kms", region_name="us-west-2")
    key_id = new_key(west)
    with pytest.raises(ClientError) as excinfo:
        client.get_key_policy(KeyId=key_id, PolicyName="default")
    assert error_of(excinfo) == ("NotFoundException", f"Key '{key_arn(key_id)}' does not exist")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({}, "Syntax errors in policy."),
        (
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*"}]},
            "Policy contains a statement with no principal.",
        ),
        (
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": "bob"}, "Action": "kms:*"}],
            },
            "Policy contains a statement with one or more invalid principals.",
        ),
    ],
)
def test_malformed_policies_are_refused(
    client: BaseClient, document: dict[str, Any], message: str
) -> None:
    key_id = new_key(client)
    with pytest.raises(ClientError) as put:
        client.put_key_policy(KeyId=key_id, Policy=json.dumps(document))
    assert error_of(put) == ("MalformedPolicyDocumentException", message)
    with pytest.raises(ClientError) as create:
        client.create_key(Policy=json.dumps(document))
    assert error_of(create) == ("MalformedPolicyDocumentException", message)
    assert policy_of(client, key_id) == default_policy()


LOCKOUT = "The new key policy will not allow you to update the key policy in the future."


def test_the_lockout_safety_check(client: BaseClient) -> None:
    only_admin = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/admin"},
        "Action": "kms:*",
        "Resource": "*",
    }
    someone_else = json.dumps({"Version": "2012-10-17", "Statement": [only_admin]})
    key_id = new_key(client)
    with pytest.raises(ClientError) as put:
        client.put_key_policy(KeyId=key_id, Policy=someone_else)
    assert error_of(put) == ("MalformedPolicyDocumentException", LOCKOUT)
    with pytest.raises(ClientError) as create:
        client.create_key(Policy=someone_else)
    assert error_of(create) == ("MalformedPolicyDocumentException", LOCKOUT)
    # Bypassing it is the caller's choice: then the root is locked out, as on AWS.
    client.put_key_policy(KeyId=key_id, Policy=someone_else, BypassPolicyLockoutSafetyCheck=True)
    with pytest.raises(ClientError) as locked:
        client.put_key_policy(KeyId=key_id, Policy=valid_policy())
    assert error_of(locked)[0] == "AccessDeniedException"

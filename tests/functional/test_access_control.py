"""Access control as AWS evaluates it: principals, key policies, identity policies, grants.

The scenarios of the facts file's B.8 (a Lambda that cannot decrypt) each have a test here.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from conftest import ACCOUNT, REGION, fails
from freezegun import freeze_time

from kmsmock import KmsMock, KmsMockUsageError, mock_kms

ROLE = f"arn:aws:iam::{ACCOUNT}:role/billing-exec"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/billing-exec/billing"
OTHER = "210987654321"
CONTEXT = {"LambdaFunctionName": "billing"}


def as_principal(kms: KmsMock, arn: str, **kwargs: Any) -> BaseClient:
    return boto3.client("kms", region_name=REGION, **kms.credentials(arn, **kwargs))


def allow(*actions: str, resource: str = "*", **extra: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": list(actions), "Resource": resource}
    statement.update(extra)
    return {"Version": "2012-10-17", "Statement": [statement]}


def denied(arn: str, action: str, key_arn: str, policy: str) -> tuple[str, str]:
    return (
        "AccessDeniedException",
        f"User: {arn} is not authorized to perform: {action} on resource: {key_arn} "
        f"because no {policy} policy allows the {action} action",
    )


def explicitly_denied(arn: str, action: str, key_arn: str, policy: str) -> tuple[str, str]:
    article = "an" if policy[0] in "aeiou" else "a"
    return (
        "AccessDeniedException",
        f"User: {arn} is not authorized to perform: {action} on resource: {key_arn} "
        f"with an explicit deny in {article} {policy} policy",
    )


def key_policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ROOT_DELEGATION = {
    "Sid": "Enable IAM User Permissions",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": "kms:*",
    "Resource": "*",
}


@pytest.fixture
def key(client: BaseClient) -> tuple[str, bytes]:
    arn: str = client.create_key()["KeyMetadata"]["Arn"]
    blob: bytes = client.encrypt(KeyId=arn, Plaintext=b"db-password", EncryptionContext=CONTEXT)[
        "CiphertextBlob"
    ]
    return arn, blob


# -- the example: a Lambda role that may encrypt but not decrypt ----------------------


def test_lambda_role_cannot_decrypt(kms: KmsMock, key: tuple[str, bytes]) -> None:
    key_arn, blob = key
    kms.set_identity_policy(ROLE, allow("kms:Encrypt", resource=key_arn))
    fn = as_principal(kms, ROLE, session_name="billing")
    assert fails(fn.decrypt, CiphertextBlob=blob, EncryptionContext=CONTEXT) == denied(
        SESSION, "kms:Decrypt", key_arn, "identity-based"
    )
    # What it may do, it does.
    fn.encrypt(KeyId=key_arn, Plaintext=b"x", EncryptionContext=CONTEXT)
    assert kms.authorizations[-1].allowed
    assert "identity policy statement" in kms.authorizations[-1].reason


def test_the_decision_that_denied_is_explained(kms: KmsMock, key: tuple[str, bytes]) -> None:
    key_arn, blob = key
    fn = as_principal(kms, ROLE, session_name="billing")
    fails(fn.decrypt, CiphertextBlob=blob, EncryptionContext=CONTEXT)
    last = kms.authorizations[-1]
    assert (last.operation, last.action, last.caller, last.resource, last.allowed) == (
        "Decrypt",
        "kms:Decrypt",
        SESSION,
        key_arn,
        False,
    )
    assert str(last).startswith(f"kms:Decrypt by {SESSION} on {key_arn}: denied: ")


# -- B.8 scenario 1: the key policy does not delegate to IAM ----------------------------------


def test_without_delegation_identity_policies_do_not_help(kms: KmsMock, client: BaseClient) -> None:
    only_admin = {
        "Sid": "Admin",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/admin"},
        "Action": "kms:*",
        "Resource": "*",
    }
    key_arn = client.create_key(Policy=key_policy(only_admin), BypassPolicyLockoutSafetyCheck=True)[
        "KeyMetadata"
    ]["Arn"]
    kms.set_identity_policy(ROLE, allow("kms:*"))
    fn = as_principal(kms, ROLE, session_name="billing")
    assert fails(fn.encrypt, KeyId=key_arn, Plaintext=b"x") == denied(
        SESSION, "kms:Encrypt", key_arn, "resource-based"
    )
    # Not even the account root gets in: the key policy is the primary control.
    assert fails(client.encrypt, KeyId=key_arn, Plaintext=b"x") == denied(
        f"arn:aws:iam::{ACCOUNT}:root", "kms:Encrypt", key_arn, "resource-based"
    )
    admin = as_principal(kms, f"arn:aws:iam::{ACCOUNT}:user/admin")
    admin.encrypt(KeyId=key_arn, Plaintext=b"x")  # named in the key policy: no IAM needed


# -- B.8 scenario 2: delegation, but no identity statement -------------------------------------


def test_delegation_without_identity_policy(kms: KmsMock, key: tuple[str, bytes]) -> None:
    key_arn, _ = key
    fn = as_principal(kms, ROLE, session_name="billing")
    assert fails(fn.describe_key, KeyId=key_arn) == denied(
        SESSION, "kms:DescribeKey", key_arn, "identity-based"
    )


# -- B.8 scenario 3: an explicit deny in the key policy ---------------------------------------


def test_explicit_deny_in_the_key_policy_wins(kms: KmsMock, client: BaseClient) -> None:
    deny_outside_lambda = {
        "Sid": "OnlyThroughLambda",
        "Effect": "Deny",
        "Principal": {"AWS": ROLE},
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"kms:ViaService": "lambda.us-east-1.amazonaws.com"}},
    }
    key_arn = client.create_key(Policy=key_policy(ROOT_DELEGATION, deny_outside_lambda))[
        "KeyMetadata"
    ]["Arn"]
    blob = client.encrypt(KeyId=key_arn, Plaintext=b"s")["CiphertextBlob"]
    kms.set_identity_policy(ROLE, allow("kms:Decrypt"))
    direct = as_principal(kms, ROLE, session_name="billing")
    assert fails(direct.decrypt, CiphertextBlob=blob) == explicitly_denied(
        SESSION, "kms:Decrypt", key_arn, "resource-based"
    )
    via_lambda = as_principal(
        kms, ROLE, session_name="billing", via_service="lambda.us-east-1.amazonaws.com"
    )
    assert via_lambda.decrypt(CiphertextBlob=blob)["Plaintext"] == b"s"


def test_a_condition_with_many_wildcards_is_decided_on_a_long_value(client: BaseClient) -> None:
    # Eight "*" against 60 characters: a backtracking matcher took seconds to say no.
    pattern = "a*" * 8 + "b"
    deny = {
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": ["kms:Encrypt", "kms:Decrypt"],
        "Resource": "*",
        "Condition": {"StringLike": {"kms:EncryptionContext:tag": pattern}},
    }
    key_arn = client.create_key(Policy=key_policy(ROOT_DELEGATION, deny))["KeyMetadata"]["Arn"]
    near_miss = {"tag": "a" * 60}
    blob = client.encrypt(KeyId=key_arn, Plaintext=b"s", EncryptionContext=near_miss)
    decrypted = client.decrypt(CiphertextBlob=blob["CiphertextBlob"], EncryptionContext=near_miss)
    assert decrypted["Plaintext"] == b"s"
    assert fails(
        client.encrypt, KeyId=key_arn, Plaintext=b"s", EncryptionContext={"tag": "a" * 59 + "b"}
    ) == explicitly_denied(f"arn:aws:iam::{ACCOUNT}:root", "kms:Encrypt", key_arn, "resource-based")


def test_explicit_deny_in_an_identity_policy_wins(kms: KmsMock, key: tuple[str, bytes]) -> None:
    key_arn, blob = key
    kms.set_identity_policy(
        ROLE,
        [
            allow("kms:*"),
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Deny", "Action": "kms:Decrypt", "Resource": key_arn}],
            },
        ],
    )
    fn = as_principal(kms, ROLE, session_name="billing")
    assert fails(fn.decrypt, CiphertextBlob=blob, EncryptionContext=CONTEXT) == (
        explicitly_denied(SESSION, "kms:Decrypt", key_arn, "identity-based")
    )
    fn.describe_key(KeyId=key_arn)


# -- B.8 scenario 4 and 5: grants --------------------------------------------------------------


def test_a_grant_alone_lets_a_role_decrypt(
    kms: KmsMock, client: BaseClient, key: tuple[str, bytes]
) -> None:
    key_arn, blob = key
    fn = as_principal(kms, ROLE, session_name="billing")
    fails(fn.decrypt, CiphertextBlob=blob, EncryptionContext=CONTEXT)
    client.create_grant(
        KeyId=key_arn,
        GranteePrincipal=ROLE,
        Operations=["Decrypt"],
        Constraints={"EncryptionContextSubset": CONTEXT},
    )
    assert fn.decrypt(CiphertextBlob=blob, EncryptionContext=CONTEXT)["Plaintext"] == (
        b"db-password"
    )
    assert kms.authorizations[-1].reason.startswith("grant ")
    # The grant's constraint and operations still bound it.
    other_blob = client.encrypt(KeyId=key_arn, Plaintext=b"x")["CiphertextBlob"]
    assert fails(fn.decrypt, CiphertextBlob=other_blob) == denied(
        SESSION, "kms:Decrypt", key_arn, "identity-based"
    )
    assert fails(fn.encrypt, KeyId=key_arn, Plaintext=b"x") == denied(
        SESSION, "kms:Encrypt", key_arn, "identity-based"
    )


def test_a_grant_to_a_recreated_role_name_still_names_the_role(
    kms: KmsMock, client: BaseClient, key: tuple[str, bytes]
) -> None:
    # AWS ties a grant to the role's unique ID, so a deleted and recreated role loses it; the
    # mock has no IAM, so a grant to another role's ARN is what a test uses to see the failure.
    key_arn, blob = key
    client.create_grant(KeyId=key_arn, GranteePrincipal=f"{ROLE}-old", Operations=["Decrypt"])
    fn = as_principal(kms, ROLE, session_name="billing")
    assert fails(fn.decrypt, CiphertextBlob=blob, EncryptionContext=CONTEXT) == denied(
        SESSION, "kms:Decrypt", key_arn, "identity-based"
    )


# -- B.8 scenario 6: cross-account -------------------------------------------------------------


def test_cross_account_needs_both_the_key_policy_and_the_callers_iam(
    kms: KmsMock, client: BaseClient
) -> None:
    external = {
        "Sid": "Allow other account",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
        "Action": ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"],
        "Resource": "*",
    }
    key_arn = client.create_key(Policy=key_policy(ROOT_DELEGATION, external))["KeyMetadata"]["Arn"]
    other_role = f"arn:aws:iam::{OTHER}:role/app"
    other_session = f"arn:aws:sts::{OTHER}:assumed-role/app/run"
    app = as_principal(kms, other_role, session_name="run")
    assert fails(app.encrypt, KeyId=key_arn, Plaintext=b"x") == denied(
        other_session, "kms:Encrypt", key_arn, "identity-based"
    )
    kms.set_identity_policy(other_role, allow("kms:Encrypt", resource=key_arn))
    app.encrypt(KeyId=key_arn, Plaintext=b"x")
    # The other account's root needs no identity policy.
    other_root = as_principal(kms, f"arn:aws:iam::{OTHER}:root")
    other_root.describe_key(KeyId=key_arn)
    # Only by ARN: a key ID resolves in the caller's own account.
    key_id = key_arn.rsplit("/", 1)[1]
    assert fails(other_root.describe_key, KeyId=key_id) == (
        "NotFoundException",
        f"Key 'arn:aws:kms:{REGION}:{OTHER}:key/{key_id}' does not exist",
    )
    # And management operations never work across accounts.
    assert fails(other_root.disable_key, KeyId=key_arn)[0] == "AccessDeniedException"


def test_another_account_is_refused_by_the_default_key_policy(
    kms: KmsMock, key: tuple[str, bytes]
) -> None:
    key_arn, _ = key
    other_root = as_principal(kms, f"arn:aws:iam::{OTHER}:root")
    assert fails(other_root.encrypt, KeyId=key_arn, Plaintext=b"x") == denied(
        f"arn:aws:iam::{OTHER}:root", "kms:Encrypt", key_arn, "resource-based"
    )


# -- principals and credentials ----------------------------------------------------------------


def test_unknown_credentials_act_as_the_account_root(kms: KmsMock, key: tuple[str, bytes]) -> None:
    key_arn, _ = key
    stranger = boto3.client(
        "kms",
        region_name=REGION,
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="x",
    )
    stranger.disable_key(KeyId=key_arn)
    assert kms.authorizations[-1].caller == f"arn:aws:iam::{ACCOUNT}:root"


def test_a_user_acts_as_itself(kms: KmsMock, key: tuple[str, bytes]) -> None:
    key_arn, _ = key
    user = f"arn:aws:iam::{ACCOUNT}:user/alice"
    alice = as_principal(kms, user)
    assert fails(alice.describe_key, KeyId=key_arn) == denied(
        user, "kms:DescribeKey", key_arn, "identity-based"
    )
    kms.set_identity_policy(user, allow("kms:Describe*"))
    alice.describe_key(KeyId=key_arn)


def test_credentials_are_a_boto3_keyword_set(kms: KmsMock) -> None:
    creds = kms.credentials(ROLE, session_name="billing")
    assert set(creds) == {"aws_access_key_id", "aws_secret_access_key", "aws_session_token"}
    assert creds["aws_access_key_id"].startswith("ASIA") and len(creds["aws_access_key_id"]) == 20
    # A boto3 Session takes them too, and its requests act as the role's session.
    session = boto3.Session(**creds)
    assert fails(session.client("kms", region_name=REGION).list_keys) == denied(
        SESSION, "kms:ListKeys", "*", "identity-based"
    )


@pytest.mark.parametrize(
    ("arn", "kwargs", "message"),
    [
        ("arn:aws:iam::123:root", {}, "principal_arn must be an account root"),
        ("billing-exec", {}, "principal_arn must be an account root"),
        (f"arn:aws:iam::{ACCOUNT}:user/alice", {"session_name": "s"}, "session_name applies"),
        (ROLE, {"session_name": "x"}, "session_name must be 2 to 64"),
        (ROLE, {"via_service": "lambda"}, "via_service must be a service endpoint host"),
    ],
)
def test_bad_principals_are_usage_errors(
    kms: KmsMock, arn: str, kwargs: dict[str, str], message: str
) -> None:
    with pytest.raises(KmsMockUsageError, match=message):
        kms.credentials(arn, **kwargs)


def test_identity_policies_belong_to_users_and_roles(kms: KmsMock) -> None:
    with pytest.raises(KmsMockUsageError, match="an account root has every IAM permission"):
        kms.set_identity_policy(f"arn:aws:iam::{ACCOUNT}:root", allow("kms:*"))
    with pytest.raises(KmsMockUsageError, match="set it on " + ROLE):
        kms.set_identity_policy(SESSION, allow("kms:*"))
    not_json = "^not a valid identity-based policy: it is not a JSON policy document$"
    with pytest.raises(KmsMockUsageError, match=not_json):
        kms.set_identity_policy(ROLE, "{not json")
    # Nesting too deep to read or to write is refused like any other bad document.
    with pytest.raises(KmsMockUsageError, match=not_json):
        kms.set_identity_policy(ROLE, "[" * 100_000 + "]" * 100_000)
    deep: dict[str, Any] = {}
    inner = deep
    for _ in range(100_000):
        inner["Condition"] = inner = {}
    with pytest.raises(KmsMockUsageError, match="^not a valid identity-based policy: not writable"):
        kms.set_identity_policy(ROLE, deep)


def test_enforcement_can_be_turned_off() -> None:
    with mock_kms(enforce_policies=False) as kms:
        admin = boto3.client("kms", region_name=REGION)
        key_arn = admin.create_key()["KeyMetadata"]["Arn"]
        anyone = as_principal(kms, f"arn:aws:iam::{OTHER}:user/mallory")
        anyone.encrypt(KeyId=key_arn, Plaintext=b"x")


def test_keyless_operations_need_an_identity_policy(kms: KmsMock) -> None:
    fn = as_principal(kms, ROLE, session_name="billing")
    assert fails(fn.create_key) == denied(SESSION, "kms:CreateKey", "*", "identity-based")
    kms.set_identity_policy(ROLE, allow("kms:CreateKey", "kms:ListKeys"))
    fn.create_key()
    fn.list_keys()


# -- who may retire a grant: the grant says, not a policy ----------------------------------------


def test_retiring_is_for_the_principals_the_grant_names(
    kms: KmsMock, client: BaseClient, key: tuple[str, bytes]
) -> None:
    key_arn, _ = key
    retirer = f"arn:aws:iam::{ACCOUNT}:role/retirer"
    made = client.create_grant(
        KeyId=key_arn, GranteePrincipal=ROLE, Operations=["Decrypt"], RetiringPrincipal=retirer
    )
    stranger = as_principal(kms, f"arn:aws:iam::{ACCOUNT}:role/stranger")
    assert fails(stranger.retire_grant, GrantToken=made["GrantToken"]) == denied(
        f"arn:aws:sts::{ACCOUNT}:assumed-role/stranger/kmsmock",
        "kms:RetireGrant",
        key_arn,
        "resource-based",
    )
    # The grantee may not, unless the grant lets it retire.
    grantee = as_principal(kms, ROLE, session_name="billing")
    assert fails(grantee.retire_grant, KeyId=key_arn, GrantId=made["GrantId"])[0] == (
        "AccessDeniedException"
    )
    # The retiring principal needs no policy at all.
    as_principal(kms, retirer).retire_grant(GrantToken=made["GrantToken"])
    assert client.list_grants(KeyId=key_arn)["Grants"] == []

    again = client.create_grant(
        KeyId=key_arn, GranteePrincipal=ROLE, Operations=["Decrypt", "RetireGrant"]
    )
    grantee.retire_grant(KeyId=key_arn, GrantId=again["GrantId"])
    assert client.list_grants(KeyId=key_arn)["Grants"] == []


def test_deleting_an_alias_needs_permission_on_its_key(
    kms: KmsMock, client: BaseClient, key: tuple[str, bytes]
) -> None:
    key_arn, _ = key
    client.create_alias(AliasName="alias/billing", TargetKeyId=key_arn)
    fn = as_principal(kms, ROLE, session_name="billing")
    assert fails(fn.delete_alias, AliasName="alias/billing") == denied(
        SESSION, "kms:DeleteAlias", key_arn, "identity-based"
    )
    kms.set_identity_policy(ROLE, allow("kms:DeleteAlias"))
    fn.delete_alias(AliasName="alias/billing")
    assert client.list_aliases(KeyId=key_arn)["Aliases"] == []


# -- B.8 scenario 7: key states and deletion, as the role sees them ------------------------------


def test_a_permitted_role_meets_the_key_state_errors(
    kms: KmsMock, client: BaseClient, key: tuple[str, bytes]
) -> None:
    key_arn, blob = key
    kms.set_identity_policy(ROLE, allow("kms:Decrypt"))
    fn = as_principal(kms, ROLE, session_name="billing")
    client.disable_key(KeyId=key_arn)
    assert fails(fn.decrypt, CiphertextBlob=blob, EncryptionContext=CONTEXT) == (
        "DisabledException",
        f"{key_arn} is disabled.",
    )
    client.enable_key(KeyId=key_arn)
    with freeze_time() as clock:
        client.schedule_key_deletion(KeyId=key_arn, PendingWindowInDays=7)
        assert fails(fn.decrypt, CiphertextBlob=blob, EncryptionContext=CONTEXT) == (
            "KMSInvalidStateException",
            f"{key_arn} is pending deletion.",
        )
        clock.tick(timedelta(days=8))
        code, _ = fails(fn.decrypt, CiphertextBlob=blob, EncryptionContext=CONTEXT)
        assert code == "AccessDeniedException"  # the blob's key no longer exists
        assert fails(client.describe_key, KeyId=key_arn) == (
            "NotFoundException",
            f"Key '{key_arn}' does not exist",
        )


# -- condition keys from the caller: principal tags, grants for AWS resources -----------------


def test_principal_tags_reach_conditions(kms: KmsMock, key: tuple[str, bytes]) -> None:
    key_arn, _ = key
    kms.set_identity_policy(
        ROLE,
        allow(
            "kms:DescribeKey",
            Condition={"StringEquals": {"aws:PrincipalTag/team": "billing"}},
        ),
    )
    tagged = as_principal(kms, ROLE, session_name="billing", tags={"team": "billing"})
    tagged.describe_key(KeyId=key_arn)
    other = as_principal(kms, ROLE, session_name="billing", tags={"team": "crm"})
    assert fails(other.describe_key, KeyId=key_arn) == denied(
        SESSION, "kms:DescribeKey", key_arn, "identity-based"
    )
    with pytest.raises(KmsMockUsageError, match="tags must map strings to strings"):
        kms.credentials(ROLE, tags={"team": 1})  # type: ignore[dict-item]


def test_grants_made_through_a_service_are_for_an_aws_resource(
    kms: KmsMock, key: tuple[str, bytes]
) -> None:
    key_arn, _ = key
    kms.set_identity_policy(
        ROLE,
        allow("kms:CreateGrant", Condition={"Bool": {"kms:GrantIsForAWSResource": "true"}}),
    )
    direct = as_principal(kms, ROLE, session_name="billing")
    assert fails(
        direct.create_grant, KeyId=key_arn, GranteePrincipal=ROLE, Operations=["Decrypt"]
    ) == denied(SESSION, "kms:CreateGrant", key_arn, "identity-based")
    via_ebs = as_principal(
        kms, ROLE, session_name="billing", via_service="ec2.us-east-1.amazonaws.com"
    )
    via_ebs.create_grant(KeyId=key_arn, GranteePrincipal=ROLE, Operations=["Decrypt"])

"""``kms.set_identity_policy`` replaces a principal's identity policies;
``kms.attach_identity_policy`` adds one more, as IAM attaches a policy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from conftest import ACCOUNT, REGION, fails, key_arn, new_key

from kmsmock import KmsMock, KmsMockUsageError

ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/app/kmsmock"


def allow(action: str, effect: str = "Allow") -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": effect, "Action": action, "Resource": "*"}],
    }


def denied(action: str, key_id: str) -> tuple[str, str]:
    return (
        "AccessDeniedException",
        f"User: {SESSION} is not authorized to perform: {action} on resource: "
        f"{key_arn(key_id)} because no identity-based policy allows the {action} action",
    )


@pytest.fixture
def role(kms: KmsMock) -> BaseClient:
    return boto3.client("kms", region_name=REGION, **kms.credentials(ROLE))


def test_set_replaces_every_policy(kms: KmsMock, client: BaseClient, role: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    kms.set_identity_policy(ROLE, [allow("kms:Encrypt"), allow("kms:DescribeKey")])
    role.encrypt(KeyId=key_id, Plaintext=b"x")
    kms.set_identity_policy(ROLE, allow("kms:DescribeKey"))
    assert fails(role.encrypt, KeyId=key_id, Plaintext=b"x") == denied("kms:Encrypt", key_id)
    role.describe_key(KeyId=key_id)


def test_attach_adds_to_the_policies(kms: KmsMock, client: BaseClient, role: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    kms.attach_identity_policy(ROLE, allow("kms:Encrypt"))  # the first: as set
    blob = role.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    assert fails(role.decrypt, CiphertextBlob=blob) == denied("kms:Decrypt", key_id)
    kms.attach_identity_policy(ROLE, json.dumps(allow("kms:Decrypt")))
    assert role.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"
    role.encrypt(KeyId=key_id, Plaintext=b"x")  # the earlier policy still applies
    # An explicit deny attached later wins over both.
    kms.attach_identity_policy(ROLE, allow("kms:Decrypt", effect="Deny"))
    assert fails(role.decrypt, CiphertextBlob=blob) == (
        "AccessDeniedException",
        f"User: {SESSION} is not authorized to perform: kms:Decrypt on resource: "
        f"{key_arn(key_id)} with an explicit deny in an identity-based policy",
    )


def test_attaching_a_policy_again_adds_nothing(kms: KmsMock, tmp_path: Path) -> None:
    kms.attach_identity_policy(ROLE, allow("kms:Encrypt"))
    kms.attach_identity_policy(ROLE, [allow("kms:Encrypt"), allow("kms:Decrypt")])
    kms.save(tmp_path / "state.json")
    saved = json.loads((tmp_path / "state.json").read_text())["identity_policies"][ROLE]
    assert [json.loads(text)["Statement"][0]["Action"] for text in saved] == [
        "kms:Encrypt",
        "kms:Decrypt",
    ]


@pytest.mark.parametrize("method", ["set_identity_policy", "attach_identity_policy"])
def test_both_check_the_principal_and_the_policy(kms: KmsMock, method: str) -> None:
    call = getattr(kms, method)
    with pytest.raises(KmsMockUsageError) as excinfo:
        call(f"arn:aws:iam::{ACCOUNT}:root", allow("kms:*"))
    assert str(excinfo.value) == (
        "an account root has every IAM permission in its own account and no identity policy; "
        f"set one on a user or role instead of arn:aws:iam::{ACCOUNT}:root"
    )
    with pytest.raises(KmsMockUsageError) as excinfo:
        call(SESSION, allow("kms:*"))
    assert str(excinfo.value) == (
        f"identity policies belong to the role, not to one session: set it on {ROLE}"
    )
    kms.set_identity_policy(ROLE, allow("kms:Encrypt"))
    with pytest.raises(KmsMockUsageError, match="not a valid identity-based policy"):
        call(ROLE, "{not json")
    # A refused policy leaves the principal's policies as they were.
    client = boto3.client("kms", region_name=REGION, **kms.credentials(ROLE))
    key_id = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["KeyId"]
    client.encrypt(KeyId=key_id, Plaintext=b"x")

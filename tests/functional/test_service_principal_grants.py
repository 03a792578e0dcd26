"""Grants to AWS service principals (GranteeServicePrincipal, RetiringServicePrincipal and the
SourceArn constraint): validated, stored and listed as the CreateGrant reference states.

No request kmsmock serves comes from a service principal or on behalf of a resource, so such a
grant (and any grant with a SourceArn constraint) allows nothing here: that is tested too.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from conftest import ACCOUNT, fails, key_arn, new_key, requires_model

from kmsmock import KmsMock

pytestmark = requires_model(
    "CreateGrant.GranteeServicePrincipal",
    "CreateGrant.RetiringServicePrincipal",
    "GrantConstraints.SourceArn",
)

SERVICE = "logs.us-east-1.amazonaws.com"
SOURCE = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:app"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
RETIRER = f"arn:aws:iam::{ACCOUNT}:role/retirer"
NEITHER_OR_BOTH = (
    "You must specify either GranteePrincipal or GranteeServicePrincipal, but not both."
)


def _service_grant(client: BaseClient, key_id: str, **extra: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "KeyId": key_id,
        "GranteeServicePrincipal": SERVICE,
        "RetiringPrincipal": RETIRER,
        "Operations": ["Decrypt", "GenerateDataKey"],
        "Constraints": {"SourceArn": SOURCE},
    }
    request.update(extra)
    response: dict[str, Any] = client.create_grant(**request)
    return response


def test_a_service_principal_grant_is_listed_with_its_source_arn(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    made = _service_grant(client, key_id)
    (entry,) = client.list_grants(KeyId=key_id)["Grants"]
    entry.pop("CreationDate")
    assert entry == {
        "KeyId": key_arn(key_id),
        "GrantId": made["GrantId"],
        "GranteeServicePrincipal": SERVICE,
        "RetiringPrincipal": RETIRER,
        "IssuingAccount": f"arn:aws:iam::{ACCOUNT}:root",
        "Operations": ["Decrypt", "GenerateDataKey"],
        "Constraints": {"SourceArn": SOURCE},
    }
    assert client.list_grants(KeyId=key_id, GranteeServicePrincipal=SERVICE)["Grants"]
    assert (
        client.list_grants(KeyId=key_id, GranteeServicePrincipal="s3.amazonaws.com")["Grants"] == []
    )
    assert client.list_grants(KeyId=key_id, GranteePrincipal=ROLE)["Grants"] == []


def test_a_retiring_service_principal_is_listed_by_list_retirable_grants(
    client: BaseClient,
) -> None:
    key_id = new_key(client)["KeyId"]
    made = client.create_grant(
        KeyId=key_id,
        GranteeServicePrincipal=SERVICE,
        RetiringServicePrincipal=SERVICE,
        Operations=["Decrypt"],
        Constraints={"SourceArn": SOURCE},
    )
    (entry,) = client.list_retirable_grants(RetiringServicePrincipal=SERVICE)["Grants"]
    assert entry["GrantId"] == made["GrantId"]
    assert entry["RetiringServicePrincipal"] == SERVICE
    assert "RetiringPrincipal" not in entry
    assert client.list_retirable_grants(RetiringPrincipal=RETIRER)["Grants"] == []


def test_the_same_name_and_request_returns_the_same_service_grant(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    first = _service_grant(client, key_id, Name="logs")
    again = _service_grant(client, key_id, Name="logs")
    other = _service_grant(client, key_id, Name="logs", Constraints={"SourceArn": SOURCE + "2"})
    assert again["GrantId"] == first["GrantId"]
    assert other["GrantId"] != first["GrantId"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"GranteeServicePrincipal": None}, NEITHER_OR_BOTH),
        ({"GranteePrincipal": ROLE}, NEITHER_OR_BOTH),
        (
            {"Constraints": None},
            "When you specify a GranteeServicePrincipal, you must also specify a SourceArn "
            "grant constraint.",
        ),
        (
            {"Constraints": {"EncryptionContextSubset": {"a": "b"}}},
            "When you specify a GranteeServicePrincipal, you must also specify a SourceArn "
            "grant constraint.",
        ),
        (
            {"RetiringPrincipal": None},
            "When you specify a GranteeServicePrincipal, you must also specify either a "
            "RetiringPrincipal or a RetiringServicePrincipal.",
        ),
        (
            {"RetiringServicePrincipal": SERVICE},
            "You can specify either RetiringPrincipal or RetiringServicePrincipal, but not both.",
        ),
    ],
)
def test_create_grant_principal_rules(
    client: BaseClient, change: dict[str, Any], message: str
) -> None:
    key_id = new_key(client)["KeyId"]
    request: dict[str, Any] = {
        "KeyId": key_id,
        "GranteeServicePrincipal": SERVICE,
        "RetiringPrincipal": RETIRER,
        "Operations": ["Decrypt"],
        "Constraints": {"SourceArn": SOURCE},
    }
    request.update(change)
    request = {name: value for name, value in request.items() if value is not None}
    assert fails(client.create_grant, **request) == ("ValidationException", message)
    assert client.list_grants(KeyId=key_id)["Grants"] == []


def test_a_grant_needs_some_grantee_even_before_its_key_is_found(client: BaseClient) -> None:
    assert fails(
        client.create_grant, KeyId="0" * 8 + "-0000-0000-0000-" + "0" * 12, Operations=["Decrypt"]
    ) == ("ValidationException", NEITHER_OR_BOTH)


def test_list_filters_take_one_kind_of_principal(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    assert fails(
        client.list_grants, KeyId=key_id, GranteePrincipal=ROLE, GranteeServicePrincipal=SERVICE
    ) == (
        "ValidationException",
        "You can specify either GranteePrincipal or GranteeServicePrincipal, but not both.",
    )
    either = "You must specify either RetiringPrincipal or RetiringServicePrincipal, but not both."
    assert fails(client.list_retirable_grants) == ("ValidationException", either)
    assert fails(
        client.list_retirable_grants, RetiringPrincipal=RETIRER, RetiringServicePrincipal=SERVICE
    ) == ("ValidationException", either)


def test_a_source_arn_grant_allows_no_caller_kmsmock_serves(kms: KmsMock) -> None:
    admin = boto3.client("kms", region_name="us-east-1")
    key_id = new_key(admin)["KeyId"]
    blob = admin.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    admin.create_grant(
        KeyId=key_id,
        GranteePrincipal=ROLE,
        Operations=["Decrypt"],
        Constraints={"SourceArn": SOURCE},
    )
    role = boto3.client("kms", region_name="us-east-1", **kms.credentials(ROLE))
    code, message = fails(role.decrypt, CiphertextBlob=blob)
    assert code == "AccessDeniedException"
    assert message == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/app/kmsmock is not authorized to perform: "
        f"kms:Decrypt on resource: {key_arn(key_id)} because no identity-based policy allows "
        "the kms:Decrypt action"
    )
    # The same grant without the constraint lets the role in.
    admin.create_grant(KeyId=key_id, GranteePrincipal=ROLE, Operations=["Decrypt"])
    assert role.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"


def test_a_policy_can_condition_create_grant_on_the_grantee_service_principal(
    kms: KmsMock,
) -> None:
    admin = boto3.client("kms", region_name="us-east-1")
    key_id = new_key(admin)["KeyId"]
    kms.set_identity_policy(
        ROLE,
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "kms:CreateGrant",
                    "Resource": "*",
                    "Condition": {
                        "StringEquals": {
                            "kms:GranteeServicePrincipal": SERVICE,
                            "kms:GrantConstraintSourceArn": SOURCE,
                        }
                    },
                }
            ],
        },
    )
    role = boto3.client("kms", region_name="us-east-1", **kms.credentials(ROLE))
    assert _service_grant(role, key_id)["GrantId"]
    code, _ = fails(
        role.create_grant,
        KeyId=key_id,
        GranteeServicePrincipal="s3.amazonaws.com",
        RetiringPrincipal=RETIRER,
        Operations=["Decrypt"],
        Constraints={"SourceArn": SOURCE},
    )
    assert code == "AccessDeniedException"

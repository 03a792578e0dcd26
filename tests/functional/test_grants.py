"""Grants: CreateGrant, ListGrants and ListRetirableGrants (stored and validated; access
control reads them in test_access_control.py)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from conftest import fails, key_arn, new_key
from helpers_grants import (
    AGREEMENT,
    HMAC,
    OTHER_ROLE,
    RETIRER,
    ROLE,
    ROOT,
    RSA,
    SIGNER,
    UNKNOWN_GRANT,
    grants_of,
    make_grant,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmsmock import KmsMock, mock_kms

# -- CreateGrant ---------------------------------------------------------------------------


def test_create_grant_returns_a_64_hex_id_and_a_token_listed_as_aws_shows_it(
    client: BaseClient,
) -> None:
    key_id = new_key(client)["KeyId"]
    made = make_grant(client, key_id, RetiringPrincipal=RETIRER, Operations=["Decrypt", "Encrypt"])
    assert re.fullmatch(r"[0-9a-f]{64}", made["GrantId"])
    assert made["GrantToken"]
    listed = client.list_grants(KeyId=key_id)
    assert listed["Truncated"] is False
    assert "NextMarker" not in listed
    (entry,) = listed["Grants"]
    created = entry.pop("CreationDate")
    assert isinstance(created, datetime)
    assert entry == {
        "KeyId": key_arn(key_id),
        "GrantId": made["GrantId"],
        "GranteePrincipal": ROLE,
        "RetiringPrincipal": RETIRER,
        "IssuingAccount": ROOT,
        "Operations": ["Decrypt", "Encrypt"],
    }  # no Name, no Constraints: they were not set


def test_name_and_constraints_are_listed_when_set(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    constraints = {"EncryptionContextEquals": {"app": "billing"}}
    make_grant(client, key_id, Name="billing-grant", Constraints=constraints)
    (entry,) = grants_of(client, key_id)
    assert entry["Name"] == "billing-grant"
    assert entry["Constraints"] == constraints
    assert "RetiringPrincipal" not in entry


def test_same_name_and_parameters_return_the_same_grant_with_a_new_token(
    client: BaseClient,
) -> None:
    key_id = new_key(client)["KeyId"]
    first = make_grant(client, key_id, Name="n", Operations=["Decrypt", "Encrypt"])
    again = make_grant(client, key_id, Name="n", Operations=["Encrypt", "Decrypt"])
    assert again["GrantId"] == first["GrantId"]
    assert again["GrantToken"] != first["GrantToken"]
    assert len(grants_of(client, key_id)) == 1
    # Both tokens name the grant: either retires it.
    client.retire_grant(GrantToken=again["GrantToken"])
    assert grants_of(client, key_id) == []


def test_same_name_with_other_parameters_makes_a_new_grant(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    first = make_grant(client, key_id, Name="n")
    other = make_grant(client, key_id, Name="n", GranteePrincipal=OTHER_ROLE)
    assert other["GrantId"] != first["GrantId"]
    assert len(grants_of(client, key_id)) == 2


def test_without_a_name_every_request_makes_a_new_grant(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    assert make_grant(client, key_id)["GrantId"] != make_grant(client, key_id)["GrantId"]


def test_same_name_on_two_keys_makes_one_grant_per_key(client: BaseClient) -> None:
    # Recorded from AWS (LocalStack's validated test_create_grant_with_same_name_two_keys).
    first, second = new_key(client)["KeyId"], new_key(client)["KeyId"]
    assert (
        make_grant(client, first, Name="n")["GrantId"]
        != make_grant(client, second, Name="n")["GrantId"]
    )
    assert len(grants_of(client, first)) == len(grants_of(client, second)) == 1


def test_create_grant_accepts_the_key_arn_but_not_an_alias(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    client.create_alias(AliasName="alias/granted", TargetKeyId=key_id)
    make_grant(client, key_arn(key_id))
    assert fails(
        client.create_grant, KeyId="alias/granted", GranteePrincipal=ROLE, Operations=["Decrypt"]
    ) == ("InvalidArnException", "Key Aliases are not supported for this operation.")


@pytest.mark.parametrize(
    ("key_id", "message"),
    [
        ("invalid", "Invalid keyId 'invalid'"),
        (UNKNOWN_GRANT[:36], f"Invalid keyId '{UNKNOWN_GRANT[:36]}'"),
        (
            "11111111-2222-3333-4444-555555555555",
            f"Key '{key_arn('11111111-2222-3333-4444-555555555555')}' does not exist",
        ),
    ],
)
def test_create_grant_on_a_missing_key(client: BaseClient, key_id: str, message: str) -> None:
    assert fails(
        client.create_grant, KeyId=key_id, GranteePrincipal=ROLE, Operations=["Decrypt"]
    ) == ("NotFoundException", message)


def test_only_create_grant_is_refused(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    assert fails(
        client.create_grant, KeyId=key_id, GranteePrincipal=ROLE, Operations=["CreateGrant"]
    ) == ("ValidationException", "Grants must not contain only the CreateGrant operation.")
    make_grant(client, key_id, Operations=["CreateGrant", "Decrypt"])


def test_no_operation_is_refused(raw_client: BaseClient) -> None:
    key_id = new_key(raw_client)["KeyId"]
    assert fails(raw_client.create_grant, KeyId=key_id, GranteePrincipal=ROLE, Operations=[]) == (
        "ValidationException",
        "Grants must contain at least one operation.",
    )


@pytest.mark.parametrize(
    ("spec", "allowed", "refused"),
    [
        ({}, ["GenerateDataKeyPair", "ReEncryptFrom", "DescribeKey"], "Sign"),
        ({}, ["Encrypt"], "GenerateMac"),
        (RSA, ["Encrypt", "Decrypt", "GetPublicKey", "RetireGrant"], "GenerateDataKey"),
        (SIGNER, ["Sign", "Verify", "GetPublicKey", "CreateGrant"], "Encrypt"),
        (HMAC, ["GenerateMac", "VerifyMac", "DescribeKey"], "Encrypt"),
        (AGREEMENT, ["DeriveSharedSecret", "GetPublicKey"], "Sign"),
    ],
)
def test_operations_must_fit_the_key(
    client: BaseClient, spec: dict[str, str], allowed: list[str], refused: str
) -> None:
    key = new_key(client, **spec)
    make_grant(client, key["KeyId"], Operations=allowed)
    assert fails(
        client.create_grant,
        KeyId=key["KeyId"],
        GranteePrincipal=ROLE,
        Operations=[allowed[0], refused],
    ) == (
        "ValidationException",
        f"Grant operations {refused} are not supported for a KMS key with KeySpec "
        f"{key['KeySpec']} and KeyUsage {key['KeyUsage']}.",
    )


def test_an_unknown_operation_fails_the_model_check(raw_client: BaseClient) -> None:
    key_id = new_key(raw_client)["KeyId"]
    code, message = fails(
        raw_client.create_grant, KeyId=key_id, GranteePrincipal=ROLE, Operations=["ListGrants"]
    )
    assert code == "ValidationException"
    assert message.startswith(
        "1 validation error detected: Value 'ListGrants' at 'operations.1.member' failed to "
        "satisfy constraint: Member must satisfy enum value set: ["
    )


def test_both_constraints_are_refused(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    both = {"EncryptionContextEquals": {"a": "1"}, "EncryptionContextSubset": {"b": "2"}}
    assert fails(
        client.create_grant,
        KeyId=key_id,
        GranteePrincipal=ROLE,
        Operations=["Decrypt"],
        Constraints=both,
    ) == ("ValidationException", "More than one constraint supplied")


def test_an_empty_constraint_is_no_constraint(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    make_grant(client, key_id, Constraints={"EncryptionContextSubset": {}})
    assert "Constraints" not in grants_of(client, key_id)[0]


def test_constraint_size_limits(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    nine = {f"k{i}": "v" for i in range(9)}
    assert fails(
        client.create_grant,
        KeyId=key_id,
        GranteePrincipal=ROLE,
        Operations=["Decrypt"],
        Constraints={"EncryptionContextSubset": nine},
    ) == (
        "ValidationException",
        "A grant constraint cannot have more than 8 encryption context pairs.",
    )
    assert fails(
        client.create_grant,
        KeyId=key_id,
        GranteePrincipal=ROLE,
        Operations=["Decrypt"],
        Constraints={"EncryptionContextEquals": {"k": "v" * 385}},
    ) == ("ValidationException", "A grant constraint value cannot exceed 384 characters.")
    eight = {f"k{i}": "v" * 384 for i in range(8)}
    make_grant(client, key_id, Constraints={"EncryptionContextSubset": eight})


@pytest.mark.parametrize("spec", [SIGNER, HMAC, RSA])
def test_constraints_need_operations_that_take_a_context(
    client: BaseClient, spec: dict[str, str]
) -> None:
    key = new_key(client, **spec)
    operation = {"SIGN_VERIFY": "Sign", "GENERATE_VERIFY_MAC": "GenerateMac"}.get(
        key["KeyUsage"], "Decrypt"
    )
    constraints = {"EncryptionContextSubset": {"a": "b"}}
    assert fails(
        client.create_grant,
        KeyId=key["KeyId"],
        GranteePrincipal=ROLE,
        Operations=["DescribeKey", operation],
        Constraints=constraints,
    ) == (
        "ValidationException",
        "Encryption context grant constraints are not supported for grant operations "
        f"{operation} on a KMS key with KeySpec {key['KeySpec']}.",
    )
    # A constraint does not apply to DescribeKey and RetireGrant: such grants are fine.
    make_grant(
        client, key["KeyId"], Operations=["DescribeKey", "RetireGrant"], Constraints=constraints
    )


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        ("disable_key", "DisabledException", "{arn} is disabled."),
        ("schedule_key_deletion", "KMSInvalidStateException", "{arn} is pending deletion."),
    ],
)
def test_create_grant_needs_a_usable_key(
    client: BaseClient, change: str, code: str, message: str
) -> None:
    key_id = new_key(client)["KeyId"]
    getattr(client, change)(KeyId=key_id)
    assert fails(
        client.create_grant, KeyId=key_id, GranteePrincipal=ROLE, Operations=["Decrypt"]
    ) == (code, message.format(arn=key_arn(key_id)))


def test_create_grant_on_a_key_pending_import(client: BaseClient) -> None:
    key_id = new_key(client, Origin="EXTERNAL")["KeyId"]
    assert fails(
        client.create_grant, KeyId=key_id, GranteePrincipal=ROLE, Operations=["Decrypt"]
    ) == ("KMSInvalidStateException", f"{key_arn(key_id)} is pending import.")


def test_aws_managed_keys_refuse_grants_but_list_them(client: BaseClient) -> None:
    key = client.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
    assert fails(
        client.create_grant, KeyId=key["KeyId"], GranteePrincipal=ROLE, Operations=["Decrypt"]
    ) == (
        "AccessDeniedException",
        f"User: {ROOT} is not authorized to perform: kms:CreateGrant on resource: "
        f"{key['Arn']} because no resource-based policy allows the kms:CreateGrant action",
    )
    assert grants_of(client, key["KeyId"]) == []


def test_a_key_of_another_account_is_refused(client: BaseClient) -> None:
    with mock_kms(account_id="111122223333"):
        other = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["Arn"]
    # Nested activations share state: the key exists, in another account, whose (default)
    # key policy does not let this account in.
    assert fails(
        client.create_grant, KeyId=other, GranteePrincipal=ROLE, Operations=["Decrypt"]
    ) == (
        "AccessDeniedException",
        f"User: {ROOT} is not authorized to perform: kms:CreateGrant on resource: {other} "
        "because no resource-based policy allows the kms:CreateGrant action",
    )


def test_grant_tokens_of_the_request_must_be_valid(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    token = make_grant(client, key_id)["GrantToken"]
    make_grant(client, key_id, GrantTokens=[token])
    assert fails(
        client.create_grant,
        KeyId=key_id,
        GranteePrincipal=ROLE,
        Operations=["Decrypt"],
        GrantTokens=[token, "not-a-token"],
    ) == ("InvalidGrantTokenException", "The grant token is not valid.")


def test_the_grant_limit_per_key(client: BaseClient, kms: KmsMock) -> None:
    kms.configure(limits={"grants_per_key": 2})
    key_id, spare = new_key(client)["KeyId"], new_key(client)["KeyId"]
    make_grant(client, key_id, Name="n")
    make_grant(client, key_id)
    assert fails(
        client.create_grant, KeyId=key_id, GranteePrincipal=ROLE, Operations=["Decrypt"]
    ) == (
        "LimitExceededException",
        f"The request was rejected because {key_arn(key_id)} has the maximum number of grants (2).",
    )
    make_grant(client, key_id, Name="n")  # the same grant again is no new grant
    make_grant(client, spare)  # the limit is per key
    client.revoke_grant(KeyId=key_id, GrantId=grants_of(client, key_id)[0]["GrantId"])
    make_grant(client, key_id)


def test_dry_run_of_create_grant_makes_nothing(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    for _ in range(2):  # a new grant, then one the Name would have found
        assert fails(
            client.create_grant,
            KeyId=key_id,
            GranteePrincipal=ROLE,
            Operations=["Decrypt"],
            Name="n",
            DryRun=True,
        ) == (
            "DryRunOperationException",
            "The request would have succeeded, but the DryRun option is set.",
        )
        assert grants_of(client, key_id) == []
    make_grant(client, key_id, Name="n")


# -- ListGrants ------------------------------------------------------------------------------


def test_list_grants_filters_by_grant_id_and_grantee(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    mine = make_grant(client, key_id)["GrantId"]
    theirs = make_grant(client, key_id, GranteePrincipal=OTHER_ROLE)["GrantId"]
    assert [g["GrantId"] for g in grants_of(client, key_id)] == [mine, theirs]
    assert [g["GrantId"] for g in grants_of(client, key_id, GrantId=theirs)] == [theirs]
    assert [g["GrantId"] for g in grants_of(client, key_id, GranteePrincipal=ROLE)] == [mine]
    assert grants_of(client, key_id, GrantId=mine, GranteePrincipal=OTHER_ROLE) == []
    assert grants_of(client, key_id, GrantId=UNKNOWN_GRANT) == []


def test_list_grants_refuses_a_malformed_grant_id(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    assert fails(client.list_grants, KeyId=key_id, GrantId="abc") == (
        "InvalidGrantIdException",
        "Invalid grantId 'abc'",
    )


def test_list_grants_shows_only_the_keys_own(client: BaseClient) -> None:
    first, second = new_key(client)["KeyId"], new_key(client)["KeyId"]
    make_grant(client, first)
    assert grants_of(client, second) == []


def test_list_grants_of_a_missing_key(client: BaseClient) -> None:
    assert fails(client.list_grants, KeyId="invalid") == (
        "NotFoundException",
        "Invalid keyId 'invalid'",
    )


def test_list_grants_works_in_every_key_state(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    make_grant(client, key_id)
    client.disable_key(KeyId=key_id)
    assert len(grants_of(client, key_id)) == 1
    client.schedule_key_deletion(KeyId=key_id)
    assert len(grants_of(client, key_id)) == 1


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(count=st.integers(0, 12), limit=st.integers(1, 5))
def test_list_grants_pages_through_every_grant_once(
    client: BaseClient, count: int, limit: int
) -> None:
    key_id = new_key(client)["KeyId"]
    made = [make_grant(client, key_id)["GrantId"] for _ in range(count)]
    seen: list[str] = []
    request: dict[str, Any] = {"KeyId": key_id, "Limit": limit}
    while True:
        response = client.list_grants(**request)
        assert len(response["Grants"]) <= limit
        seen += [g["GrantId"] for g in response["Grants"]]
        if not response["Truncated"]:
            assert "NextMarker" not in response
            break
        request["Marker"] = response["NextMarker"]
    assert seen == made


def test_list_grants_default_and_maximum_limit(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    for _ in range(51):
        make_grant(client, key_id)
    first = client.list_grants(KeyId=key_id)
    assert len(first["Grants"]) == 50
    assert first["Truncated"] is True
    assert len(client.list_grants(KeyId=key_id, Limit=100)["Grants"]) == 51
    assert fails(client.list_grants, KeyId=key_id, Limit=101) == (
        "ValidationException",
        "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: "
        "Member must have value less than or equal to 100",
    )


def test_a_revoked_grant_does_not_break_a_marker(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    ids = [make_grant(client, key_id)["GrantId"] for _ in range(3)]
    page = client.list_grants(KeyId=key_id, Limit=1)
    client.revoke_grant(KeyId=key_id, GrantId=ids[0])
    rest = client.list_grants(KeyId=key_id, Marker=page["NextMarker"])
    assert [g["GrantId"] for g in rest["Grants"]] == ids[1:]


def test_a_marker_of_another_listing_is_refused(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    new_key(client)
    marker = client.list_keys(Limit=1)["NextMarker"]
    assert fails(client.list_grants, KeyId=key_id, Marker=marker) == (
        "InvalidMarkerException",
        "Invalid marker",
    )


# -- ListRetirableGrants ---------------------------------------------------------------------


def test_list_retirable_grants_spans_the_accounts_keys(client: BaseClient) -> None:
    first, second = new_key(client)["KeyId"], new_key(client)["KeyId"]
    a = make_grant(client, first, RetiringPrincipal=RETIRER)["GrantId"]
    make_grant(client, first, RetiringPrincipal=OTHER_ROLE)
    make_grant(client, second)
    b = make_grant(client, second, RetiringPrincipal=RETIRER)["GrantId"]
    response = client.list_retirable_grants(RetiringPrincipal=RETIRER)
    assert [(g["GrantId"], g["KeyId"]) for g in response["Grants"]] == [
        (a, key_arn(first)),
        (b, key_arn(second)),
    ]
    assert response["Truncated"] is False
    paged = client.list_retirable_grants(RetiringPrincipal=RETIRER, Limit=1)
    assert [g["GrantId"] for g in paged["Grants"]] == [a]
    rest = client.list_retirable_grants(RetiringPrincipal=RETIRER, Marker=paged["NextMarker"])
    assert [g["GrantId"] for g in rest["Grants"]] == [b]
    assert client.list_retirable_grants(RetiringPrincipal=ROLE)["Grants"] == []


def test_list_retirable_grants_is_regional(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    make_grant(client, key_id, RetiringPrincipal=RETIRER)
    west = boto3.client("kms", region_name="eu-west-1")
    assert west.list_retirable_grants(RetiringPrincipal=RETIRER)["Grants"] == []

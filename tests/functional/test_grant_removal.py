"""Grants: RevokeGrant, RetireGrant, grant tokens, and the stored grant as access control
reads it."""

from __future__ import annotations

import boto3
import pytest
from botocore.client import BaseClient
from conftest import ACCOUNT, fails, key_arn, new_key
from helpers_grants import (
    RETIRER,
    UNKNOWN_GRANT,
    grants_of,
    make_grant,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmsmock import KmsMock
from kmsmock.backend import grant_tokens
from kmsmock.backend.keys import Grant

# -- RevokeGrant and RetireGrant -------------------------------------------------------------


def test_revoke_grant(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    grant_id = make_grant(client, key_id)["GrantId"]
    client.revoke_grant(KeyId=key_arn(key_id), GrantId=grant_id)
    assert grants_of(client, key_id) == []
    assert fails(client.revoke_grant, KeyId=key_id, GrantId=grant_id) == (
        "NotFoundException",
        f"Grant ID {grant_id} not found",
    )


def test_revoke_grant_errors(client: BaseClient) -> None:
    key_id, other = new_key(client)["KeyId"], new_key(client)["KeyId"]
    grant_id = make_grant(client, key_id)["GrantId"]
    assert fails(client.revoke_grant, KeyId=key_id, GrantId="nope") == (
        "InvalidGrantIdException",
        "Invalid grantId 'nope'",
    )
    # A grant is found only on its own key.
    assert fails(client.revoke_grant, KeyId=other, GrantId=grant_id) == (
        "NotFoundException",
        f"Grant ID {grant_id} not found",
    )
    assert fails(client.revoke_grant, KeyId="invalid", GrantId=grant_id) == (
        "NotFoundException",
        "Invalid keyId 'invalid'",
    )
    assert len(grants_of(client, key_id)) == 1


def test_revoke_and_retire_work_in_every_key_state(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    first, second = make_grant(client, key_id), make_grant(client, key_id)
    client.disable_key(KeyId=key_id)
    client.schedule_key_deletion(KeyId=key_id)
    client.revoke_grant(KeyId=key_id, GrantId=first["GrantId"])
    client.retire_grant(GrantToken=second["GrantToken"])
    assert grants_of(client, key_id) == []


def test_retire_grant_by_key_and_grant_id(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    grant_id = make_grant(client, key_id)["GrantId"]
    client.retire_grant(KeyId=key_id, GrantId=grant_id)
    assert grants_of(client, key_id) == []


def test_retire_grant_twice(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    made = make_grant(client, key_id)
    client.retire_grant(GrantToken=made["GrantToken"])
    assert fails(client.retire_grant, GrantToken=made["GrantToken"]) == (
        "NotFoundException",
        f"Grant ID {made['GrantId']} not found",
    )


@pytest.mark.parametrize(
    "request_", [{}, {"KeyId": "k"}, {"GrantId": UNKNOWN_GRANT}], ids=["none", "key", "grant"]
)
def test_retire_grant_needs_a_token_or_key_and_grant(
    client: BaseClient, request_: dict[str, str]
) -> None:
    assert fails(client.retire_grant, **request_) == (
        "ValidationException",
        "Grant token OR (grant ID, key ID) must be specified",
    )


@pytest.mark.parametrize("token", ["not-a-token", "!!!", "a" * 40])
def test_retire_grant_refuses_a_token_this_mock_did_not_issue(
    client: BaseClient, token: str
) -> None:
    assert fails(client.retire_grant, GrantToken=token) == (
        "InvalidGrantTokenException",
        "The grant token is not valid.",
    )


def test_a_tampered_token_is_not_valid(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    token = make_grant(client, key_id)["GrantToken"]
    # One character changed breaks the token's signature.
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    assert fails(client.retire_grant, GrantToken=tampered) == (
        "InvalidGrantTokenException",
        "The grant token is not valid.",
    )
    assert len(grants_of(client, key_id)) == 1


def test_a_token_is_valid_only_in_its_region(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    token = make_grant(client, key_id)["GrantToken"]
    west = boto3.client("kms", region_name="eu-west-1")
    assert fails(west.retire_grant, GrantToken=token) == (
        "InvalidGrantTokenException",
        "The grant token is not valid.",
    )


def test_a_token_of_a_deleted_key(client: BaseClient, kms: KmsMock) -> None:
    key_id = new_key(client)["KeyId"]
    made = make_grant(client, key_id)
    del kms.world.regions[(ACCOUNT, "us-east-1")].keys[key_id]  # as lifecycle deletes it
    assert fails(client.retire_grant, GrantToken=made["GrantToken"]) == (
        "NotFoundException",
        f"Grant ID {made['GrantId']} not found",
    )


@pytest.mark.parametrize("operation", ["revoke_grant", "retire_grant"])
def test_dry_run_of_removal_removes_nothing_and_hides_no_failure(
    client: BaseClient, operation: str
) -> None:
    key_id = new_key(client)["KeyId"]
    grant_id = make_grant(client, key_id)["GrantId"]
    call = getattr(client, operation)
    assert fails(call, KeyId=key_id, GrantId=grant_id, DryRun=True) == (
        "DryRunOperationException",
        "The request would have succeeded, but the DryRun option is set.",
    )
    assert len(grants_of(client, key_id)) == 1
    assert fails(call, KeyId=key_id, GrantId=UNKNOWN_GRANT, DryRun=True) == (
        "NotFoundException",
        f"Grant ID {UNKNOWN_GRANT} not found",
    )


def test_deleting_a_key_deletes_its_grants(client: BaseClient, kms: KmsMock) -> None:
    from datetime import timedelta

    from freezegun import freeze_time

    key_id = new_key(client)["KeyId"]
    made = make_grant(client, key_id, RetiringPrincipal=RETIRER)
    with freeze_time() as frozen:
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        frozen.tick(timedelta(days=8))
        assert client.list_retirable_grants(RetiringPrincipal=RETIRER)["Grants"] == []
        assert fails(client.retire_grant, GrantToken=made["GrantToken"]) == (
            "NotFoundException",
            f"Grant ID {made['GrantId']} not found",
        )


# -- the stored grant, as access control will read it ---------------------------------------


def _stored(kms: KmsMock, key_id: str) -> Grant:
    key = kms.world.regions[(ACCOUNT, "us-east-1")].keys[key_id]
    assert key.grants is not None
    (grant,) = key.grants.values()
    return grant


def test_a_token_finds_its_grant(client: BaseClient, kms: KmsMock) -> None:
    key_id = new_key(client)["KeyId"]
    made = make_grant(client, key_id)
    found = grant_tokens.find_by_token(kms.world, made["GrantToken"])
    assert found is not None
    assert (found[0].key_id, found[1].grant_id) == (key_id, made["GrantId"])
    assert grant_tokens.find_by_token(kms.world, "x") is None


_pairs = st.dictionaries(st.sampled_from(["a", "B", "c"]), st.sampled_from(["x", "Y"]), max_size=3)


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(wanted=_pairs.filter(bool), request_=_pairs, subset=st.booleans())
def test_permits_follows_the_constraint(
    client: BaseClient, kms: KmsMock, wanted: dict[str, str], request_: dict[str, str], subset: bool
) -> None:
    key_id = new_key(client)["KeyId"]
    kind = "EncryptionContextSubset" if subset else "EncryptionContextEquals"
    make_grant(client, key_id, Operations=["Decrypt", "DescribeKey"], Constraints={kind: wanted})
    grant = _stored(kms, key_id)
    # Keys compare case-insensitively, values exactly.
    given_ = {k.upper(): v for k, v in request_.items()}
    folded = {k.lower(): v for k, v in wanted.items()}
    have = {k.lower(): v for k, v in given_.items()}
    expected = have == folded if not subset else all(have.get(k) == v for k, v in folded.items())
    assert grant.permits("Decrypt", given_) is expected
    assert grant.permits("DescribeKey", given_) is True  # a constraint does not apply to it
    assert grant.permits("Encrypt", given_) is False  # not one of the grant's operations

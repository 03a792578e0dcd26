"""Metrics of access control and multi-Region keys (see scenarios.py for the harness)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
from contenders import ACCOUNT, REGION, Contender, setting_up
from scenarios import KIB, Settings, _timed

# -- policy evaluation --------------------------------------------------------------------

_ROLE = f"arn:aws:iam::{ACCOUNT}:role/bench"


def _twenty_statement_policy() -> str:
    statements: list[dict[str, Any]] = [
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    for n in range(19):  # other principals' statements, each with a condition
        statements.append(
            {
                "Sid": f"User{n}",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/user{n}"},
                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:EncryptionContext:team": f"team{n}"}},
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


_IDENTITY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*"},
        {"Effect": "Allow", "Action": "kms:Describe*", "Resource": "*"},
        {"Effect": "Deny", "Action": "kms:ScheduleKeyDeletion", "Resource": "*"},
    ],
}


def _policy_evaluated_encrypt(admin: Any, contender: Contender) -> Callable[[], object]:
    """Encrypt 1 KiB by a role's session, through a 20-statement key policy (delegating to
    the account) and the role's identity policy. The floor replays the same answers to the
    account's own client."""
    with setting_up(contender):
        key_id = admin.create_key(Policy=_twenty_statement_policy())["KeyMetadata"]["KeyId"]
    client = admin
    mock = getattr(contender, "mock", None)
    if mock is not None:
        mock.set_identity_policy(_ROLE, _IDENTITY_POLICY)
        creds = mock.credentials(_ROLE, session_name="bench")
        client = boto3.client("kms", region_name=REGION, **creds)
    return lambda: client.encrypt(KeyId=key_id, Plaintext=KIB)


def policy_evaluated_encrypt(contender: Contender, settings: Settings) -> float | None:
    if contender.name == "moto":
        return None  # moto evaluates no key policy
    with contender.active():
        return _timed(settings, _policy_evaluated_encrypt(contender.client(), contender))


# Issue 18: eight "*" against a 60-character value that does not match (a backtracking
# matcher took seconds; see bench/wildcards.py for the raw matchers and before/after).
EIGHT_STARS = "a*" * 8 + "b"
NEAR_MISS = {"tag": "a" * 60}


def wildcard_policy() -> str:
    """The account's delegation, and a deny the request's context must be matched against."""
    deny = {
        "Sid": "DenyTagged",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "kms:Encrypt",
        "Resource": "*",
        "Condition": {"StringLike": {"kms:EncryptionContext:tag": EIGHT_STARS}},
    }
    root = {
        "Sid": "Enable IAM User Permissions",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [root, deny]})


def _wildcard_condition_encrypt(client: Any, contender: Contender) -> Callable[[], object]:
    """Encrypt 1 KiB under a key policy whose StringLike condition has eight ``*`` and meets
    a 60-character context value it does not match."""
    with setting_up(contender):
        key_id = client.create_key(Policy=wildcard_policy())["KeyMetadata"]["KeyId"]
    return lambda: client.encrypt(KeyId=key_id, Plaintext=KIB, EncryptionContext=NEAR_MISS)


def wildcard_condition_encrypt(contender: Contender, settings: Settings) -> float | None:
    if contender.name == "moto":
        return None  # moto evaluates no key policy
    with contender.active():
        return _timed(settings, _wildcard_condition_encrypt(contender.client(), contender))


def grant_authorized_encrypt(contender: Contender, settings: Settings) -> float | None:
    """Encrypt 1 KiB by a role that only a grant lets in (no identity policy)."""
    if contender.name == "moto":
        return None  # moto evaluates no grant
    with contender.active():
        admin = contender.client()
        with setting_up(contender):
            key_id = admin.create_key()["KeyMetadata"]["KeyId"]
            admin.create_grant(KeyId=key_id, GranteePrincipal=_ROLE, Operations=["Encrypt"])
        client = admin
        mock = getattr(contender, "mock", None)
        if mock is not None:
            client = boto3.client(
                "kms", region_name=REGION, **mock.credentials(_ROLE, session_name="bench")
            )
        return _timed(settings, lambda: client.encrypt(KeyId=key_id, Plaintext=KIB))


def create_grant(contender: Contender, settings: Settings) -> float:
    with contender.active():
        client = contender.client()
        with setting_up(contender):
            key_id = client.create_key()["KeyMetadata"]["KeyId"]
        return _timed(
            settings,
            lambda: client.create_grant(
                KeyId=key_id, GranteePrincipal=_ROLE, Operations=["Decrypt"]
            ),
        )


def decrypt_with_a_replica(contender: Contender, settings: Settings) -> float:
    """Decrypt 1 KiB in us-west-2 a ciphertext made in us-east-1 under a multi-Region key."""
    with contender.active():
        east = contender.client()
        with setting_up(contender):
            key_id = east.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
            east.replicate_key(KeyId=key_id, ReplicaRegion="us-west-2")
            blob = east.encrypt(KeyId=key_id, Plaintext=KIB)["CiphertextBlob"]
        west = contender.client(region="us-west-2")
        with setting_up(contender):
            west.describe_key(KeyId=key_id)  # the replica has finished Creating
        return _timed(settings, lambda: west.decrypt(CiphertextBlob=blob))


def create_and_replicate(contender: Contender, settings: Settings) -> float:
    """CreateKey MultiRegion and ReplicateKey to us-west-2 (a primary replicates once)."""
    with contender.active():
        client = contender.client()

        def run() -> None:
            key_id = client.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
            client.replicate_key(KeyId=key_id, ReplicaRegion="us-west-2")

        return _timed(settings, run, scale=0.5)


def update_primary_region(contender: Contender, settings: Settings) -> float:
    """UpdatePrimaryRegion, back and forth between us-east-1 and us-west-2."""
    with contender.active():
        east, west = contender.client(), contender.client(region="us-west-2")
        with setting_up(contender):
            key_id = east.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
            east.replicate_key(KeyId=key_id, ReplicaRegion="us-west-2")
            west.describe_key(KeyId=key_id)  # the replica has finished Creating

        def flip() -> None:
            east.update_primary_region(KeyId=key_id, PrimaryRegion="us-west-2")
            west.update_primary_region(KeyId=key_id, PrimaryRegion="us-east-1")

        return _timed(settings, flip, scale=0.5) / 2

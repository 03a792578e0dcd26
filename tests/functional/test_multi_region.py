"""Multi-Region keys: CreateKey MultiRegion, ReplicateKey, UpdatePrimaryRegion, and what the
related keys share (key material, rotation) and keep their own (state, description, policy)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from conftest import ACCOUNT, describe, fails, key_arn, model_has, new_key
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmsmock import KmsMock

WEST = "us-west-2"
EU = "eu-west-1"


def client_in(region: str) -> BaseClient:
    return boto3.client("kms", region_name=region)


def mrk(client: BaseClient, **kwargs: Any) -> dict[str, Any]:
    return new_key(client, MultiRegion=True, **kwargs)


def replicate(client: BaseClient, key_id: str, region: str = WEST, **kw: Any) -> dict[str, Any]:
    response: dict[str, Any] = client.replicate_key(KeyId=key_id, ReplicaRegion=region, **kw)
    return response


def entry(key_id: str, region: str) -> dict[str, str]:
    return {"Arn": key_arn(key_id, region=region), "Region": region}


# -- CreateKey MultiRegion ---------------------------------------------------------------------


def test_multi_region_key_metadata(client: BaseClient) -> None:
    meta = mrk(client)
    assert re.fullmatch(r"mrk-[0-9a-f]{32}", meta["KeyId"])
    assert meta["MultiRegion"] is True
    assert meta["MultiRegionConfiguration"] == {
        "MultiRegionKeyType": "PRIMARY",
        "PrimaryKey": entry(meta["KeyId"], "us-east-1"),
        "ReplicaKeys": [],
    }
    assert describe(client, meta["KeyId"]) == meta


def test_single_region_key_has_no_configuration(client: BaseClient) -> None:
    meta = new_key(client, MultiRegion=False)
    assert meta["MultiRegion"] is False
    assert "MultiRegionConfiguration" not in meta
    assert not meta["KeyId"].startswith("mrk-")


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"},
        {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"},
        {"KeySpec": "RSA_2048", "KeyUsage": "ENCRYPT_DECRYPT"},
        {"Origin": "EXTERNAL"},
    ],
)
def test_every_kind_of_key_can_be_multi_region(client: BaseClient, params: dict[str, Any]) -> None:
    meta = mrk(client, **params)
    assert meta["MultiRegion"] is True
    assert meta["KeyId"].startswith("mrk-")


@pytest.mark.parametrize("origin", ["AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"])
def test_custom_key_stores_cannot_hold_multi_region_keys(client: BaseClient, origin: str) -> None:
    assert fails(client.create_key, MultiRegion=True, Origin=origin) == (
        "UnsupportedOperationException",
        f"Origin {origin} is not valid for multi-Region keys. Multi-Region keys cannot be "
        "created in a custom key store.",
    )
    assert client.list_keys()["Keys"] == []


# -- ReplicateKey --------------------------------------------------------------------------------


def test_replicate_key_response(client: BaseClient) -> None:
    primary = mrk(client, Description="primary")
    key_id = primary["KeyId"]
    response = replicate(client, key_id, Tags=[{"TagKey": "env", "TagValue": "dr"}])
    meta = response["ReplicaKeyMetadata"]
    assert meta["KeyId"] == key_id
    assert meta["Arn"] == key_arn(key_id, region=WEST)
    assert (meta["KeyState"], meta["Enabled"], meta["Description"]) == ("Creating", False, "")
    assert "CurrentKeyMaterialId" not in meta
    assert meta["MultiRegionConfiguration"] == {
        "MultiRegionKeyType": "REPLICA",
        "PrimaryKey": entry(key_id, "us-east-1"),
        "ReplicaKeys": [entry(key_id, WEST)],
    }
    policy = json.loads(response["ReplicaPolicy"])
    assert policy["Id"] == "key-default-1"
    assert policy["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert response["ReplicaTags"] == [{"TagKey": "env", "TagValue": "dr"}]
    # The next request finds the replica ready, with the primary's key material.
    west = client_in(WEST)
    ready = describe(west, key_id)
    assert (ready["KeyState"], ready["Enabled"]) == ("Enabled", True)
    if model_has("KeyMetadata.CurrentKeyMaterialId"):  # not in botocore 1.35's model
        assert ready["CurrentKeyMaterialId"] == primary["CurrentKeyMaterialId"]
    assert describe(client, key_id)["MultiRegionConfiguration"]["ReplicaKeys"] == [
        entry(key_id, WEST)
    ]
    assert west.list_resource_tags(KeyId=key_id)["Tags"] == [{"TagKey": "env", "TagValue": "dr"}]
    assert client.list_resource_tags(KeyId=key_id)["Tags"] == []


def test_replica_has_its_own_description_and_policy(client: BaseClient) -> None:
    key_id = mrk(client, Description="primary")["KeyId"]
    statement = {
        "Sid": "Own",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    replicate(client, key_id, Description="replica", Policy=policy)
    west = client_in(WEST)
    assert describe(west, key_id)["Description"] == "replica"
    assert west.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"] == policy
    assert describe(client, key_id)["Description"] == "primary"


def test_replicate_a_replica(client: BaseClient) -> None:
    key_id = mrk(client)["KeyId"]
    replicate(client, key_id)
    assert fails(client_in(WEST).replicate_key, KeyId=key_id, ReplicaRegion=EU) == (
        "UnsupportedOperationException",
        f"{key_arn(key_id, region=WEST)} is not a multi-region primary key.",
    )


def test_replicate_a_single_region_key(client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    assert fails(client.replicate_key, KeyId=key_id, ReplicaRegion=WEST) == (
        "UnsupportedOperationException",
        f"{key_arn(key_id)} is not a multi-region primary key.",
    )
    assert client_in(WEST).list_keys()["Keys"] == []


@pytest.mark.parametrize("region", ["us-east-1", WEST])
def test_replicate_where_the_key_exists(client: BaseClient, region: str) -> None:
    key_id = mrk(client)["KeyId"]
    replicate(client, key_id)
    assert fails(client.replicate_key, KeyId=key_id, ReplicaRegion=region) == (
        "AlreadyExistsException",
        f"{key_arn(key_id, region=region)} already exists.",
    )


@pytest.mark.parametrize("region", ["us-fake-9", "cn-north-1", "us-gov-west-1"])
def test_replicate_to_a_region_outside_the_partition(client: BaseClient, region: str) -> None:
    key_id = mrk(client)["KeyId"]
    assert fails(client.replicate_key, KeyId=key_id, ReplicaRegion=region) == (
        "UnsupportedOperationException",
        f"{region} is not a Region of the aws partition where KMS keys can be replicated.",
    )


def test_replica_region_must_look_like_a_region(raw_client: BaseClient) -> None:
    key_id = mrk(raw_client)["KeyId"]
    code, message = fails(raw_client.replicate_key, KeyId=key_id, ReplicaRegion="WEST")
    assert code == "ValidationException"
    assert message == (
        "1 validation error detected: Value 'WEST' at 'replicaRegion' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: ^([a-z]+-){2,3}\\d+$"
    )


def test_replicate_by_alias_is_refused(client: BaseClient) -> None:
    key_id = mrk(client)["KeyId"]
    client.create_alias(AliasName="alias/m", TargetKeyId=key_id)
    assert fails(client.replicate_key, KeyId="alias/m", ReplicaRegion=WEST) == (
        "InvalidArnException",
        "Key Aliases are not supported for this operation.",
    )


def test_replicate_a_disabled_primary(client: BaseClient) -> None:
    key_id = mrk(client)["KeyId"]
    client.disable_key(KeyId=key_id)
    assert fails(client.replicate_key, KeyId=key_id, ReplicaRegion=WEST) == (
        "DisabledException",
        f"{key_arn(key_id)} is disabled.",
    )


def test_replicate_with_reserved_tag(client: BaseClient) -> None:
    key_id = mrk(client)["KeyId"]
    tags = [{"TagKey": "aws:x", "TagValue": "y"}]
    assert fails(client.replicate_key, KeyId=key_id, ReplicaRegion=WEST, Tags=tags) == (
        "TagException",
        "Tags beginning with aws: are reserved",
    )
    assert describe(client, key_id)["MultiRegionConfiguration"]["ReplicaKeys"] == []


def test_replica_state_is_its_own(client: BaseClient) -> None:
    key_id = mrk(client)["KeyId"]
    replicate(client, key_id)
    west = client_in(WEST)
    west.disable_key(KeyId=key_id)
    assert describe(client, key_id)["KeyState"] == "Enabled"
    assert describe(west, key_id)["KeyState"] == "Disabled"


# -- Cross-Region use ----------------------------------------------------------------------------


@given(plaintext=st.binary(min_size=1, max_size=256))
@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_encrypt_in_one_region_decrypt_in_another(client: BaseClient, plaintext: bytes) -> None:
    key_id = mrk(client)["KeyId"]
    replicate(client, key_id)
    west = client_in(WEST)
    blob = client.encrypt(KeyId=key_id, Plaintext=plaintext)["CiphertextBlob"]
    out = west.decrypt(CiphertextBlob=blob)
    assert out["Plaintext"] == plaintext
    assert out["KeyId"] == key_arn(key_id, region=WEST)
    back = west.encrypt(KeyId=key_arn(key_id, region=WEST), Plaintext=plaintext)
    assert client.decrypt(CiphertextBlob=back["CiphertextBlob"], KeyId=key_id)["Plaintext"] == (
        plaintext
    )


def test_no_replica_no_cross_region_decrypt(client: BaseClient) -> None:
    for key_id in (mrk(client)["KeyId"], new_key(client)["KeyId"]):
        blob = client.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
        assert fails(client_in(WEST).decrypt, CiphertextBlob=blob) == (
            "AccessDeniedException",
            f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: kms:Decrypt on "
            "the resource associated with this ciphertext because the resource does not "
            "exist in this Region, no resource-based policies allow access, or a "
            "resource-based policy explicitly denies access",
        )


def test_replica_decrypts_only_when_enabled(client: BaseClient) -> None:
    key_id = mrk(client)["KeyId"]
    replicate(client, key_id)
    blob = client.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    west = client_in(WEST)
    west.disable_key(KeyId=key_id)
    assert fails(west.decrypt, CiphertextBlob=blob) == (
        "DisabledException",
        f"{key_arn(key_id, region=WEST)} is disabled.",
    )


def test_asymmetric_replica_shares_the_private_key(client: BaseClient) -> None:
    key_id = mrk(client, KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyId"]
    replicate(client, key_id)
    west = client_in(WEST)
    assert (
        west.get_public_key(KeyId=key_id)["PublicKey"]
        == client.get_public_key(KeyId=key_id)["PublicKey"]
    )
    signature = client.sign(KeyId=key_id, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")[
        "Signature"
    ]
    verified = west.verify(
        KeyId=key_id, Message=b"m", Signature=signature, SigningAlgorithm="ECDSA_SHA_256"
    )
    assert verified["SignatureValid"] is True


def test_hmac_replica_shares_the_key(client: BaseClient) -> None:
    key_id = mrk(client, KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyId"]
    replicate(client, key_id)
    mac = client.generate_mac(KeyId=key_id, Message=b"m", MacAlgorithm="HMAC_SHA_256")["Mac"]
    verified = client_in(WEST).verify_mac(
        KeyId=key_id, Message=b"m", Mac=mac, MacAlgorithm="HMAC_SHA_256"
    )
    assert verified["MacValid"] is True


def test_external_replica_waits_for_its_own_import(client: BaseClient) -> None:
    key_id = mrk(client, Origin="EXTERNAL")["KeyId"]
    # The primary has no material: it cannot be replicated yet.
    assert fails(client.replicate_key, KeyId=key_id, ReplicaRegion=WEST) == (
        "KMSInvalidStateException",
        f"{key_arn(key_id)} is pending import.",
    )


# -- Rotation ------------------------------------------------------------------------------------


def test_rotation_is_set_on_the_primary_and_shared(client: BaseClient) -> None:
    key_id = mrk(client)["KeyId"]
    replicate(client, key_id)
    west = client_in(WEST)
    assert fails(west.enable_key_rotation, KeyId=key_id) == (
        "UnsupportedOperationException",
        f"{key_arn(key_id, region=WEST)} is not a multi-region primary key.",
    )
    client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
    primary_status = client.get_key_rotation_status(KeyId=key_id)
    replica_status = west.get_key_rotation_status(KeyId=key_id)
    assert replica_status["KeyRotationEnabled"] is True
    assert replica_status["RotationPeriodInDays"] == 90
    assert replica_status["NextRotationDate"] == primary_status["NextRotationDate"]
    assert replica_status["KeyId"] == key_arn(key_id, region=WEST)
    client.disable_key_rotation(KeyId=key_id)
    status = west.get_key_rotation_status(KeyId=key_id)
    status.pop("ResponseMetadata")
    assert status == {"KeyId": key_arn(key_id, region=WEST), "KeyRotationEnabled": False}


@pytest.mark.parametrize("operation", ["disable_key_rotation", "rotate_key_on_demand"])
def test_rotation_changes_refused_on_a_replica(client: BaseClient, operation: str) -> None:
    key_id = mrk(client)["KeyId"]
    replicate(client, key_id)
    assert fails(getattr(client_in(WEST), operation), KeyId=key_id) == (
        "UnsupportedOperationException",
        f"{key_arn(key_id, region=WEST)} is not a multi-region primary key.",
    )


def test_on_demand_rotation_reaches_the_replicas(client: BaseClient) -> None:
    key_id = mrk(client)["KeyId"]
    replicate(client, key_id)
    west = client_in(WEST)
    old = client.encrypt(KeyId=key_id, Plaintext=b"old")["CiphertextBlob"]
    client.rotate_key_on_demand(KeyId=key_id)
    new = client.encrypt(KeyId=key_id, Plaintext=b"new")["CiphertextBlob"]
    if model_has("KeyMetadata.CurrentKeyMaterialId"):  # not in botocore 1.35's model
        assert (
            describe(west, key_id)["CurrentKeyMaterialId"]
            == (describe(client, key_id)["CurrentKeyMaterialId"])
        )
    assert west.decrypt(CiphertextBlob=old)["Plaintext"] == b"old"
    assert west.decrypt(CiphertextBlob=new)["Plaintext"] == b"new"
    rotations = west.list_key_rotations(KeyId=key_id)["Rotations"]
    assert [r["RotationType"] for r in rotations] == ["ON_DEMAND"]


def test_automatic_rotation_reaches_the_replicas(client: BaseClient) -> None:
    with freeze_time("2030-01-01") as frozen:
        key_id = mrk(client)["KeyId"]
        replicate(client, key_id)
        client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
        frozen.tick(timedelta(days=91))
        west = client_in(WEST)
        rotations = west.list_key_rotations(KeyId=key_id)["Rotations"]
        assert [r["RotationType"] for r in rotations] == ["AUTOMATIC"]
        if model_has("KeyMetadata.CurrentKeyMaterialId"):  # not in botocore 1.35's model
            assert (
                describe(west, key_id)["CurrentKeyMaterialId"]
                == (describe(client, key_id)["CurrentKeyMaterialId"])
            )


# -- UpdatePrimaryRegion -------------------------------------------------------------------------


def test_update_primary_region(client: BaseClient) -> None:
    key_id = mrk(client)["KeyId"]
    replicate(client, key_id)
    replicate(client, key_id, EU)
    client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=100)
    assert client.update_primary_region(KeyId=key_id, PrimaryRegion=WEST)["ResponseMetadata"]
    west = client_in(WEST)
    for c in (client, west, client_in(EU)):
        config = describe(c, key_id)["MultiRegionConfiguration"]
        assert config["PrimaryKey"] == entry(key_id, WEST)
        assert describe(c, key_id)["KeyState"] == "Enabled"
    assert describe(west, key_id)["MultiRegionConfiguration"]["MultiRegionKeyType"] == "PRIMARY"
    assert describe(client, key_id)["MultiRegionConfiguration"] == {
        "MultiRegionKeyType": "REPLICA",
        "PrimaryKey": entry(key_id, WEST),
        "ReplicaKeys": [entry(key_id, "us-east-1"), entry(key_id, EU)],
    }
    # The rotation setting moved with the primary.
    assert client.get_key_rotation_status(KeyId=key_id)["RotationPeriodInDays"] == 100
    assert fails(client.disable_key_rotation, KeyId=key_id)[0] == "UnsupportedOperationException"
    west.disable_key_rotation(KeyId=key_id)
    # Now only the new primary replicates.
    assert fails(client.replicate_key, KeyId=key_id, ReplicaRegion="ap-south-1") == (
        "UnsupportedOperationException",
        f"{key_arn(key_id)} is not a multi-region primary key.",
    )
    west.replicate_key(KeyId=key_id, ReplicaRegion="ap-south-1")


def test_update_primary_region_errors(client: BaseClient) -> None:
    key_id = mrk(client)["KeyId"]
    replicate(client, key_id)
    assert fails(client.update_primary_region, KeyId=key_id, PrimaryRegion=EU) == (
        "NotFoundException",
        f"Key '{key_arn(key_id, region=EU)}' does not exist",
    )
    assert fails(client.update_primary_region, KeyId=key_id, PrimaryRegion="us-east-1") == (
        "UnsupportedOperationException",
        f"{key_arn(key_id)} is already the primary key in us-east-1.",
    )
    west = client_in(WEST)
    assert fails(west.update_primary_region, KeyId=key_id, PrimaryRegion="us-east-1") == (
        "UnsupportedOperationException",
        f"{key_arn(key_id, region=WEST)} is not a multi-region primary key.",
    )
    west.disable_key(KeyId=key_id)
    assert fails(client.update_primary_region, KeyId=key_id, PrimaryRegion=WEST) == (
        "DisabledException",
        f"{key_arn(key_id, region=WEST)} is disabled.",
    )
    single = new_key(client)["KeyId"]
    assert fails(client.update_primary_region, KeyId=single, PrimaryRegion=WEST) == (
        "UnsupportedOperationException",
        f"{key_arn(single)} is not a multi-region primary key.",
    )


# -- Deletion ------------------------------------------------------------------------------------


def test_primary_waits_for_its_replicas(client: BaseClient) -> None:
    with freeze_time("2030-01-01") as frozen:
        key_id = mrk(client)["KeyId"]
        replicate(client, key_id)
        response = client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        assert "DeletionDate" not in response
        assert response["KeyState"] == "PendingReplicaDeletion"
        assert response["PendingWindowInDays"] == 7
        meta = describe(client, key_id)
        assert (meta["KeyState"], meta["Enabled"]) == ("PendingReplicaDeletion", False)
        assert meta["PendingDeletionWindowInDays"] == 7
        assert "DeletionDate" not in meta
        assert fails(client.encrypt, KeyId=key_id, Plaintext=b"x") == (
            "KMSInvalidStateException",
            f"{key_arn(key_id)} is pending replica deletion.",
        )
        west = client_in(WEST)
        west.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=10)
        frozen.tick(timedelta(days=10, seconds=1))
        assert fails(west.describe_key, KeyId=key_id)[0] == "NotFoundException"
        meta = describe(client, key_id)
        assert meta["KeyState"] == "PendingDeletion"
        assert "PendingDeletionWindowInDays" not in meta
        # The window starts when the last replica is deleted.
        assert meta["DeletionDate"] - meta["CreationDate"] == timedelta(days=17)
        assert meta["MultiRegionConfiguration"]["ReplicaKeys"] == []
        frozen.tick(timedelta(days=7))
        assert fails(client.describe_key, KeyId=key_id) == (
            "NotFoundException",
            f"Key '{key_arn(key_id)}' does not exist",
        )


def test_cancel_pending_replica_deletion(client: BaseClient) -> None:
    key_id = mrk(client)["KeyId"]
    replicate(client, key_id)
    client.schedule_key_deletion(KeyId=key_id)
    assert client.cancel_key_deletion(KeyId=key_id)["KeyId"] == key_arn(key_id)
    meta = describe(client, key_id)
    assert (meta["KeyState"], meta["Enabled"]) == ("Disabled", False)
    assert "PendingDeletionWindowInDays" not in meta


def test_primary_without_replicas_deletes_as_usual(client: BaseClient) -> None:
    key_id = mrk(client)["KeyId"]
    response = client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert response["KeyState"] == "PendingDeletion"
    assert "DeletionDate" in response


def test_replica_in_kms_world(kms: KmsMock, client: BaseClient) -> None:
    # The replica is a key of the target Region's state, with the primary's key ID.
    key_id = mrk(client)["KeyId"]
    replicate(client, key_id)
    west = kms.world.regions[(ACCOUNT, WEST)].keys[key_id]
    east = kms.world.regions[(ACCOUNT, "us-east-1")].keys[key_id]
    assert west is not east
    assert west.mrk is east.mrk

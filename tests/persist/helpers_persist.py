"""What the persistence tests compare: everything the API shows about a mock's keys."""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.client import BaseClient
from conftest import model_has

from kmsmock import KmsMock
from kmsmock.persist import world_to_document

SECRET_B64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="  # bytes 0..31


def strip(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def observe(client: BaseClient) -> dict[str, Any]:
    """Every read-only view of the client's Region that a state file must keep."""
    seen: dict[str, Any] = {"aliases": strip(client.list_aliases(Limit=100))}
    keys = [k["KeyId"] for k in client.list_keys(Limit=1000)["Keys"]]
    seen["keys"] = keys
    for key_id in keys:
        metadata = client.describe_key(KeyId=key_id)["KeyMetadata"]
        view: dict[str, Any] = {"metadata": metadata}
        view["policy"] = client.get_key_policy(KeyId=key_id)["Policy"]
        view["tags"] = client.list_resource_tags(KeyId=key_id)["Tags"]
        view["grants"] = client.list_grants(KeyId=key_id)["Grants"]
        view["aliases"] = client.list_aliases(KeyId=key_id)["Aliases"]
        if (
            metadata["KeySpec"] == "SYMMETRIC_DEFAULT"
            and metadata["Origin"] == "AWS_KMS"
            and metadata["KeyState"] in ("Enabled", "Disabled")
        ):
            view["rotation"] = strip(client.get_key_rotation_status(KeyId=key_id))
            # Every key material where the model can list it (not botocore 1.35's).
            listing = (
                {"IncludeKeyMaterial": "ALL_KEY_MATERIAL"}
                if model_has("ListKeyRotations.IncludeKeyMaterial")
                else {}
            )
            view["rotations"] = client.list_key_rotations(KeyId=key_id, **listing)["Rotations"]
        has_public = metadata["KeyUsage"] in ("SIGN_VERIFY", "KEY_AGREEMENT") or (
            metadata["KeySpec"].startswith(("RSA", "SM2"))
        )
        if has_public and metadata["KeyState"] == "Enabled":
            view["public"] = client.get_public_key(KeyId=key_id)["PublicKey"]
        seen[key_id] = view
    return seen


def saved(kms: KmsMock) -> dict[str, Any]:
    """``kms``'s state document, as it would be read back from a file."""
    document: dict[str, Any] = json.loads(json.dumps(world_to_document(kms.world)))
    return document


def client_in(region: str = "us-east-1", **credentials: str) -> BaseClient:
    return boto3.client("kms", region_name=region, **credentials)

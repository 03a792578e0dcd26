"""Seed files: keys with fixed IDs and material, aliases, policies, grants, principals and
identity policies, loaded into a mock with ``KmsMock.load``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import error_of, key_arn, model_has
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from helpers_persist import SECRET_B64, client_in

from kmsmock import KmsMockUsageError, mock_kms
from kmsmock.persist import StateFileError

KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
MRK_ID = "mrk-1234abcd12ab34cd56ef1234567890ab"
MATERIAL = bytes(range(100, 132))
ROLE = "arn:aws:iam::123456789012:role/app"


def _seed(**key: Any) -> dict[str, Any]:
    return {"secret": SECRET_B64, "keys": [{"id": KEY_ID, **key}]}


def test_fixed_material_decrypts_across_identically_seeded_mocks_and_offline() -> None:
    seed = _seed(material=base64.b64encode(MATERIAL).decode(), aliases=["alias/fixed"])
    with mock_kms() as first:
        first.load(seed)
        blob = client_in().encrypt(KeyId="alias/fixed", Plaintext=b"hello")["CiphertextBlob"]
    with mock_kms() as second:
        second.load(seed)
        client = client_in()
        assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"hello"
        metadata = client.describe_key(KeyId=KEY_ID)["KeyMetadata"]
        assert (metadata["Origin"], metadata["KeyState"]) == ("AWS_KMS", "Enabled")
        assert "ExpirationModel" not in metadata
        # Every answer names the fixed material by one KeyMaterialId (where the model has it).
        data_key = client.generate_data_key(KeyId=KEY_ID, KeySpec="AES_256")
        opened = client.decrypt(CiphertextBlob=blob)
        if model_has("KeyMetadata.CurrentKeyMaterialId"):
            assert metadata["CurrentKeyMaterialId"] == data_key["KeyMaterialId"]
            assert opened["KeyMaterialId"] == data_key["KeyMaterialId"]
        # Rotation works as for any AWS_KMS key: new material is derived.
        client.rotate_key_on_demand(KeyId=KEY_ID)
        assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"hello"
    # docs/ciphertext.md's layout: header (5), key reference (32), nonce (12), sealed.
    head, nonce, sealed = blob[:37], blob[37:49], blob[49:]
    assert AESGCM(MATERIAL).decrypt(nonce, sealed, head) == b"hello"


def test_without_a_secret_two_seeded_mocks_do_not_read_each_others_ciphertexts() -> None:
    seed = {"keys": [{"id": KEY_ID, "material": base64.b64encode(MATERIAL).decode()}]}
    with mock_kms() as first:
        first.load(seed)
        blob = client_in().encrypt(KeyId=KEY_ID, Plaintext=b"x")["CiphertextBlob"]
    with mock_kms() as second:
        second.load(seed)
        with pytest.raises(ClientError) as excinfo:
            client_in().decrypt(CiphertextBlob=blob)
        # As for any ciphertext of another mock: its key reference names no key here.
        assert error_of(excinfo) == (
            "AccessDeniedException",
            "User: arn:aws:iam::123456789012:root is not authorized to perform: kms:Decrypt "
            "on the resource associated with this ciphertext because the resource does not "
            "exist in this Region, no resource-based policies allow access, or a "
            "resource-based policy explicitly denies access",
        )


def test_derived_material_is_stable_given_the_same_secret() -> None:
    seed = _seed()
    with mock_kms() as first:
        first.load(seed)
        blob = client_in().encrypt(KeyId=KEY_ID, Plaintext=b"x")["CiphertextBlob"]
    with mock_kms() as second:
        second.load(seed)
        assert client_in().decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"


def test_an_external_hmac_key_macs_with_the_seeded_bytes() -> None:
    material = b"k" * 48
    seed = _seed(spec="HMAC_384", origin="EXTERNAL", material=base64.b64encode(material).decode())
    with mock_kms() as kms:
        kms.load(seed)
        client = client_in()
        mac = client.generate_mac(KeyId=KEY_ID, Message=b"m", MacAlgorithm="HMAC_SHA_384")["Mac"]
        assert mac == hmac.new(material, b"m", hashlib.sha384).digest()
        metadata = client.describe_key(KeyId=KEY_ID)["KeyMetadata"]
        assert (metadata["Origin"], metadata["ExpirationModel"]) == (
            "EXTERNAL",
            "KEY_MATERIAL_DOES_NOT_EXPIRE",
        )


def test_an_asymmetric_key_signs_with_the_seeded_private_key() -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    seed = _seed(spec="ECC_NIST_P256", usage="SIGN_VERIFY", private_key_pem=pem)
    with mock_kms() as kms:
        kms.load(seed)
        public = client_in().get_public_key(KeyId=KEY_ID)["PublicKey"]
    assert public == private.public_key().public_bytes(
        Encoding.DER, PublicFormat.SubjectPublicKeyInfo
    )


def test_policies_grants_tags_principals_and_identity_policies() -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
    seed = {
        "keys": [
            {
                "id": KEY_ID,
                "description": "seeded",
                "policy": policy,
                "tags": {"team": "payments"},
                "grants": [
                    {
                        "grantee_principal": "arn:aws:iam::123456789012:role/worker",
                        "operations": ["Decrypt"],
                        "name": "worker",
                    }
                ],
            }
        ],
        "principals": [
            {
                "arn": ROLE,
                "access_key_id": "AKIASEEDEDAPP0000001",
                "secret_access_key": "seeded-secret",
                "session_name": "fixture",
            }
        ],
        "identity_policies": {
            ROLE: {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "kms:Encrypt", "Resource": "*"}],
            }
        },
    }
    with mock_kms() as kms:
        kms.load(seed)
        client = client_in()
        assert json.loads(client.get_key_policy(KeyId=KEY_ID)["Policy"]) == policy
        assert client.list_resource_tags(KeyId=KEY_ID)["Tags"] == [
            {"TagKey": "team", "TagValue": "payments"}
        ]
        (grant,) = client.list_grants(KeyId=KEY_ID)["Grants"]
        assert (grant["Name"], grant["Operations"], grant["IssuingAccount"]) == (
            "worker",
            ["Decrypt"],
            "arn:aws:iam::123456789012:root",
        )
        assert kms.world.access.secret_keys == {"AKIASEEDEDAPP0000001": "seeded-secret"}
        app = client_in(
            aws_access_key_id="AKIASEEDEDAPP0000001", aws_secret_access_key="seeded-secret"
        )
        app.encrypt(KeyId=KEY_ID, Plaintext=b"x")
        with pytest.raises(ClientError) as excinfo:
            app.describe_key(KeyId=KEY_ID)
        assert error_of(excinfo) == (
            "AccessDeniedException",
            "User: arn:aws:sts::123456789012:assumed-role/app/fixture is not authorized to "
            f"perform: kms:DescribeKey on resource: {key_arn(KEY_ID)} because no "
            "identity-based policy allows the kms:DescribeKey action",
        )


def test_a_multi_region_seed_makes_one_set() -> None:
    seed = {
        "keys": [
            {"id": MRK_ID, "region": "us-east-1"},
            {"id": MRK_ID, "region": "eu-west-1", "description": "replica"},
        ]
    }
    with mock_kms() as kms:
        kms.load(seed)
        blob = client_in().encrypt(KeyId=MRK_ID, Plaintext=b"x")["CiphertextBlob"]
        replica = client_in("eu-west-1")
        assert replica.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"
        config = replica.describe_key(KeyId=MRK_ID)["KeyMetadata"]["MultiRegionConfiguration"]
        assert config["MultiRegionKeyType"] == "REPLICA"
        assert config["PrimaryKey"]["Region"] == "us-east-1"


def test_load_merges_into_a_mock_that_has_keys_and_refuses_clashes() -> None:
    with mock_kms() as kms:
        client = client_in()
        own = client.create_key()["KeyMetadata"]["KeyId"]
        client.create_alias(AliasName="alias/taken", TargetKeyId=own)
        kms.load({"keys": [{"id": KEY_ID, "aliases": ["alias/new"]}]})
        keys = [k["KeyId"] for k in client.list_keys()["Keys"]]
        assert keys == [own, KEY_ID]
        other = "00000000-0000-4000-8000-000000000000"
        clash = {"keys": [{"id": other, "aliases": ["alias/taken"]}]}
        with pytest.raises(StateFileError) as excinfo:
            kms.load(clash)
        assert str(excinfo.value) == (
            "<seed dict>: alias alias/taken already exists in 123456789012 us-east-1"
        )
        with pytest.raises(StateFileError) as excinfo:
            kms.load({"secret": SECRET_B64})
        assert str(excinfo.value) == (
            "<seed dict>: secret: differs from the secret of this mock, which already has keys "
            "or principals: load the file into an empty mock, or leave 'secret' out to use this "
            "mock's"
        )
        # Nothing of a refused load was added.
        assert [k["KeyId"] for k in client.list_keys()["Keys"]] == [own, KEY_ID]


def test_load_uses_the_mocks_account_and_needs_an_active_mock() -> None:
    mock = mock_kms(account_id="111122223333")
    with pytest.raises(KmsMockUsageError) as excinfo:
        mock.load({})
    assert str(excinfo.value) == (
        "load a seed while the mock is active (inside `with mock_kms() as kms:`, or between "
        "start() and stop())"
    )
    with mock:
        mock.load({"keys": [{"id": KEY_ID}]})
        arn = client_in().describe_key(KeyId=KEY_ID)["KeyMetadata"]["Arn"]
        assert arn == key_arn(KEY_ID, account="111122223333")


def test_issued_credentials_record_their_secret(kms: Any) -> None:
    credentials = kms.credentials(ROLE)
    assert kms.world.access.secret_keys == {
        credentials["aws_access_key_id"]: credentials["aws_secret_access_key"]
    }
    assert kms.world.access.copy().secret_keys == kms.world.access.secret_keys

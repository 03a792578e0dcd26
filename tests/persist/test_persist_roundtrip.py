"""Save, then load into a new mock: everything the API shows is the same, and what was made
before the save (ciphertexts, signatures, grant tokens, credentials) still works after."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import error_of, key_arn, requires_cryptography
from freezegun import freeze_time
from helpers_persist import client_in, observe, saved

from kmsmock import mock_kms
from kmsmock.aws.service_model import service_model
from kmsmock.crypto import asymmetric
from kmsmock.operations.key_lifecycle import _SERVED_SPECS
from kmsmock.persist import load_world, save_world, world_from_document

T0 = datetime(2031, 3, 1, 12, 0, tzinfo=timezone.utc)
ROLE = "arn:aws:iam::123456789012:role/app"
ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}],
}


def _build_world() -> tuple[Any, dict[str, Any]]:
    """A mock with one of most things; returns it (stopped) and what was made in it."""
    made: dict[str, Any] = {}
    with mock_kms() as kms:
        client = client_in()
        key = client.create_key(Description="main", Tags=[{"TagKey": "a", "TagValue": "b"}])
        key_id = made["key"] = key["KeyMetadata"]["KeyId"]
        client.create_alias(AliasName="alias/main", TargetKeyId=key_id)
        client.create_alias(AliasName="alias/other", TargetKeyId=key_id)
        client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
        client.rotate_key_on_demand(KeyId=key_id)
        grant = client.create_grant(
            KeyId=key_id,
            GranteePrincipal=ROLE,
            Operations=["Encrypt", "Decrypt"],
            Constraints={"EncryptionContextSubset": {"app": "x"}},
            Name="g1",
        )
        made["grant_token"] = grant["GrantToken"]
        made["blob"] = client.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
        ecc = client.create_key(KeySpec="ECC_NIST_P384", KeyUsage="SIGN_VERIFY")
        made["ecc"] = ecc["KeyMetadata"]["KeyId"]
        made["signature"] = client.sign(
            KeyId=made["ecc"], Message=b"m", SigningAlgorithm="ECDSA_SHA_384"
        )["Signature"]
        hmac_key = client.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
        made["hmac"] = hmac_key["KeyMetadata"]["KeyId"]
        made["mac"] = client.generate_mac(
            KeyId=made["hmac"], Message=b"m", MacAlgorithm="HMAC_SHA_256"
        )["Mac"]
        disabled = client.create_key(Description="off")["KeyMetadata"]["KeyId"]
        client.disable_key(KeyId=disabled)
        mrk = client.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
        made["mrk"] = mrk
        client.replicate_key(KeyId=mrk, ReplicaRegion="eu-west-1", Description="replica")
        made["mrk_blob"] = client.encrypt(KeyId=mrk, Plaintext=b"both")["CiphertextBlob"]
        client.describe_key(KeyId="alias/aws/s3")  # an AWS managed key
        made["credentials"] = kms.credentials(ROLE, session_name="app-session", tags={"t": "v"})
        kms.set_identity_policy(ROLE, ALLOW_ALL)
        made["views"] = (observe(client), observe(client_in("eu-west-1")))
    return kms, made


def test_save_then_load_shows_the_same_keys_and_keeps_what_was_made_before() -> None:
    kms, made = _build_world()
    document = saved(kms)
    with mock_kms() as again:
        again.load(document)
        client = client_in()
        assert (observe(client), observe(client_in("eu-west-1"))) == made["views"]
        decrypted = client.decrypt(CiphertextBlob=made["blob"])
        assert decrypted["Plaintext"] == b"secret"
        assert decrypted["KeyId"] == key_arn(made["key"])
        verified = client.verify(
            KeyId=made["ecc"],
            Message=b"m",
            Signature=made["signature"],
            SigningAlgorithm="ECDSA_SHA_384",
        )
        assert verified["SignatureValid"] is True
        client.verify_mac(
            KeyId=made["hmac"], Message=b"m", Mac=made["mac"], MacAlgorithm="HMAC_SHA_256"
        )
        replica = client_in("eu-west-1")
        assert replica.decrypt(CiphertextBlob=made["mrk_blob"])["Plaintext"] == b"both"
        # The issued credentials act as the role, its identity policy still applies, and the
        # grant token made before the save is still this mock's.
        role = client_in(**made["credentials"])
        role.encrypt(
            KeyId=made["key"],
            Plaintext=b"x",
            EncryptionContext={"app": "x"},
            GrantTokens=[made["grant_token"]],
        )
        decision = again.authorizations[-1]
        assert (decision.caller, decision.action, decision.allowed) == (
            "arn:aws:sts::123456789012:assumed-role/app/app-session",
            "kms:Encrypt",
            True,
        )
        client.retire_grant(GrantToken=made["grant_token"])
        assert client.list_grants(KeyId=made["key"])["Grants"] == []


def test_a_state_file_round_trips_to_the_same_document(tmp_path: Any) -> None:
    kms, _ = _build_world()
    path = tmp_path / "state.json"
    save_world(kms.world, path)
    first = path.read_text()
    save_world(load_world(path), path)
    assert path.read_text() == first


def test_a_deletion_scheduled_before_the_save_happens_at_its_date_after_load() -> None:
    with freeze_time(T0), mock_kms() as kms:
        client = client_in()
        key_id = client.create_key()["KeyMetadata"]["KeyId"]
        client.create_alias(AliasName="alias/doomed", TargetKeyId=key_id)
        rotating = client.create_key()["KeyMetadata"]["KeyId"]
        client.enable_key_rotation(KeyId=rotating, RotationPeriodInDays=90)
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        document = saved(kms)
    with freeze_time(T0 + timedelta(days=6)) as frozen, mock_kms() as again:
        again.load(document)
        client = client_in()
        assert client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingDeletion"
        frozen.move_to(T0 + timedelta(days=7, seconds=1))
        with pytest.raises(ClientError) as excinfo:
            client.describe_key(KeyId=key_id)
        assert error_of(excinfo) == (
            "NotFoundException",
            f"Key '{key_arn(key_id)}' does not exist",
        )
        assert [a["AliasName"] for a in client.list_aliases(KeyId=rotating)["Aliases"]] == []
        assert "alias/doomed" not in [a["AliasName"] for a in client.list_aliases()["Aliases"]]
        frozen.move_to(T0 + timedelta(days=91))
        rotations = client.list_key_rotations(KeyId=rotating)["Rotations"]
        assert [(r["RotationType"], r["RotationDate"]) for r in rotations] == [
            ("AUTOMATIC", T0 + timedelta(days=90))
        ]


ALL_SPECS = service_model().shape_for("KeySpec").enum


def test_every_key_spec_of_the_model_is_served_and_so_covered_below() -> None:
    # kmsmock also serves the specs of models newer than the loaded one (ML-KEM's, botocore
    # 1.44 on; on botocore 1.35, Ed25519's and ML-DSA's too).
    assert set(ALL_SPECS) <= set(_SERVED_SPECS)


def _usage(spec: str) -> str:
    if spec == "SYMMETRIC_DEFAULT" or spec.startswith("RSA"):
        return "ENCRYPT_DECRYPT"
    if spec.startswith("HMAC"):
        return "GENERATE_VERIFY_MAC"
    if spec in asymmetric.ENCAPSULATION_SPECS:
        return "ENCAPSULATE_DECAPSULATE"
    return "SIGN_VERIFY"


@pytest.mark.parametrize(
    "spec", [pytest.param(spec, marks=requires_cryptography(spec)) for spec in ALL_SPECS]
)
def test_every_key_spec_round_trips_with_its_material(spec: str) -> None:
    if spec == "SM2" and not asymmetric.sm2_available():
        pytest.skip("SM2 needs gmssl")
    if spec == "ML_KEM_512" and not asymmetric.mlkem512_available():
        pytest.skip("ML_KEM_512 needs kyber-py")
    region = "cn-north-1" if spec == "SM2" else "us-east-1"
    with mock_kms() as kms:
        client = client_in(region)
        key_id = client.create_key(KeySpec=spec, KeyUsage=_usage(spec))["KeyMetadata"]["KeyId"]
        proof: Any = None
        if spec == "SYMMETRIC_DEFAULT":
            proof = client.encrypt(KeyId=key_id, Plaintext=b"p")["CiphertextBlob"]
        elif spec.startswith("HMAC"):
            algorithm = "HMAC_SHA_" + spec.split("_")[1]
            proof = client.generate_mac(KeyId=key_id, Message=b"p", MacAlgorithm=algorithm)
        elif spec in asymmetric.ENCAPSULATION_SPECS:
            proof = client.encapsulate(KeyId=key_id, EncapsulationAlgorithm="ML_KEM")
        else:
            algorithm = asymmetric.signing_algorithms(spec)[0]
            if spec.startswith("RSA"):
                algorithm = "RSAES_OAEP_SHA_256"
                proof = client.encrypt(KeyId=key_id, Plaintext=b"p", EncryptionAlgorithm=algorithm)[
                    "CiphertextBlob"
                ]
            else:
                proof = client.sign(KeyId=key_id, Message=b"p", SigningAlgorithm=algorithm)[
                    "Signature"
                ]
        before = observe(client)
        document = saved(kms)
    with mock_kms() as again:
        again.load(document)
        client = client_in(region)
        assert observe(client) == before
        if spec == "SYMMETRIC_DEFAULT":
            assert client.decrypt(CiphertextBlob=proof)["Plaintext"] == b"p"
        elif spec.startswith("HMAC"):
            client.verify_mac(
                KeyId=key_id, Message=b"p", Mac=proof["Mac"], MacAlgorithm=proof["MacAlgorithm"]
            )
        elif spec.startswith("RSA"):
            plain = client.decrypt(
                KeyId=key_id, CiphertextBlob=proof, EncryptionAlgorithm="RSAES_OAEP_SHA_256"
            )
            assert plain["Plaintext"] == b"p"
        elif spec in asymmetric.ENCAPSULATION_SPECS:
            secret = client.decapsulate(
                KeyId=key_id,
                EncapsulationAlgorithm="ML_KEM",
                SharedSecretCiphertextBlob=proof["SharedSecretCiphertextBlob"],
            )["SharedSecret"]
            assert secret == proof["SharedSecret"]
        else:
            assert client.verify(
                KeyId=key_id,
                Message=b"p",
                Signature=proof,
                SigningAlgorithm=asymmetric.signing_algorithms(spec)[0],
            )["SignatureValid"]


def test_a_replica_that_is_still_creating_becomes_ready_at_its_instant_after_load() -> None:
    with freeze_time(T0), mock_kms() as kms:
        kms.configure(transition_delay=timedelta(seconds=30))
        client = client_in()
        key_id = client.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
        client.replicate_key(KeyId=key_id, ReplicaRegion="eu-west-1")
        document = saved(kms)
    assert document["transition_delay_seconds"] == 30.0
    with freeze_time(T0) as frozen, mock_kms() as again:
        again.load(document)
        replica = client_in("eu-west-1")
        assert replica.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Creating"
        frozen.move_to(T0 + timedelta(seconds=30))
        assert replica.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"


def test_custom_key_stores_and_their_keys_round_trip() -> None:
    with mock_kms() as kms:
        client = client_in()
        store_id = client.create_custom_key_store(
            CustomKeyStoreName="xks",
            CustomKeyStoreType="EXTERNAL_KEY_STORE",
            XksProxyUriEndpoint="https://proxy.example.com",
            XksProxyUriPath="/kms/xks/v1",
            XksProxyConnectivity="PUBLIC_ENDPOINT",
            XksProxyAuthenticationCredential={
                "AccessKeyId": "ABCDEFGHIJKLMNOPQRST",
                "RawSecretAccessKey": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
            },
        )["CustomKeyStoreId"]
        client.connect_custom_key_store(CustomKeyStoreId=store_id)
        key_id = client.create_key(
            Origin="EXTERNAL_KEY_STORE", CustomKeyStoreId=store_id, XksKeyId="ext-1"
        )["KeyMetadata"]["KeyId"]
        stores = client.describe_custom_key_stores()["CustomKeyStores"]
        before = observe(client)
        document = saved(kms)
    with mock_kms() as again:
        again.load(document)
        client = client_in()
        assert client.describe_custom_key_stores()["CustomKeyStores"] == stores
        assert observe(client) == before
        client.disconnect_custom_key_store(CustomKeyStoreId=store_id)
        assert client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Unavailable"


def test_the_server_path_loads_the_same_world() -> None:
    kms, made = _build_world()
    world = world_from_document(saved(kms))
    assert world.secret == kms.world.secret
    assert world.access.callers == kms.world.access.callers
    assert world.access.secret_keys == kms.world.access.secret_keys
    assert set(world.access.secret_keys) == set(world.access.callers)
    assert world.access.identity_policies == kms.world.access.identity_policies

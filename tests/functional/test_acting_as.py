"""Acting as a principal in code that builds its own clients: ``kms.acting_as(...)`` (in
process) and ``kms.environ(...)`` (environment variables)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from conftest import ACCOUNT, REGION, fails

from kmsmock import KmsMock, KmsMockUsageError, mock_kms
from kmsmock.server import LocalEndpoint

ROLE = f"arn:aws:iam::{ACCOUNT}:role/billing-exec"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/billing-exec/billing"
DEFAULT_SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/billing-exec/kmsmock"
USER = f"arn:aws:iam::{ACCOUNT}:user/alice"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"


def denied(arn: str, action: str, key_arn: str, policy: str) -> tuple[str, str]:
    return (
        "AccessDeniedException",
        f"User: {arn} is not authorized to perform: {action} on resource: {key_arn} "
        f"because no {policy} policy allows the {action} action",
    )


def allow(action: str, **extra: Any) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Action": action, "Resource": "*", **extra}
    return {"Version": "2012-10-17", "Statement": [statement]}


@pytest.fixture
def role_only_key(client: BaseClient) -> str:
    """A key whose policy lets the role encrypt, decrypt and describe it, and nobody else do
    anything (made by the root, past the lockout safety check)."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Only the role",
                "Effect": "Allow",
                "Principal": {"AWS": ROLE},
                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"],
                "Resource": "*",
            }
        ],
    }
    arn: str = client.create_key(Policy=json.dumps(policy), BypassPolicyLockoutSafetyCheck=True)[
        "KeyMetadata"
    ]["Arn"]
    return arn


@pytest.fixture
def key(client: BaseClient) -> str:
    """A key with the default policy: the root may do anything, IAM decides for the rest."""
    arn: str = client.create_key()["KeyMetadata"]["Arn"]
    return arn


def who(kms: KmsMock, client: BaseClient, key: str) -> str:
    """The principal a DescribeKey of ``client`` acted as, allowed or not."""
    with contextlib.suppress(ClientError):
        client.describe_key(KeyId=key)
    return kms.authorizations[-1].caller


# -- clients the test did not build with kms.credentials -------------------------------------


def test_clients_made_before_and_inside_act_as_the_role(
    kms: KmsMock, client: BaseClient, role_only_key: str
) -> None:
    with kms.acting_as(ROLE, session_name="billing") as acting:
        assert acting.arn == SESSION
        # `client` was made before the block, `default` from boto3's default session inside.
        default = boto3.client("kms", region_name=REGION)
        blob = client.encrypt(KeyId=role_only_key, Plaintext=b"secret")["CiphertextBlob"]
        assert default.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"
        assert fails(default.disable_key, KeyId=role_only_key) == denied(
            SESSION, "kms:DisableKey", role_only_key, "resource-based"
        )
    # Outside, both act as the root again, which this key's policy leaves out.
    for outside in (client, default):
        assert fails(outside.decrypt, CiphertextBlob=blob) == denied(
            ROOT, "kms:Decrypt", role_only_key, "resource-based"
        )


def test_a_handler_building_its_own_client_is_denied_as_the_role(
    kms: KmsMock, client: BaseClient, key: str
) -> None:
    def handler(event: dict[str, Any], context: object) -> bytes:
        kms_client = boto3.client("kms", region_name=REGION)
        plaintext: bytes = kms_client.decrypt(CiphertextBlob=event["blob"])["Plaintext"]
        return plaintext

    blob = client.encrypt(KeyId=key, Plaintext=b"db-password")["CiphertextBlob"]
    kms.set_identity_policy(ROLE, allow("kms:Encrypt"))
    with kms.acting_as(ROLE, session_name="billing"), pytest.raises(ClientError) as err:
        handler({"blob": blob}, None)
    error = err.value.response["Error"]
    assert (error["Code"], error["Message"]) == denied(
        SESSION, "kms:Decrypt", key, "identity-based"
    )
    assert handler({"blob": blob}, None) == b"db-password"  # as the root


def test_issued_credentials_keep_their_own_principal(
    kms: KmsMock, client: BaseClient, key: str
) -> None:
    alice = boto3.client("kms", region_name=REGION, **kms.credentials(USER))
    with kms.acting_as(ROLE):
        assert who(kms, alice, key) == USER
        assert who(kms, client, key) == DEFAULT_SESSION
        # Credentials issued inside the block too.
        issued = boto3.client("kms", region_name=REGION, **kms.credentials(ROOT))
        assert who(kms, issued, key) == ROOT


def test_each_principal_form_and_argument(kms: KmsMock, client: BaseClient, key: str) -> None:
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/billing-exec/given"
    other_root = "arn:aws:iam::210987654321:root"
    for arn, kwargs, acting in (
        (USER, {}, USER),
        (other_root, {}, other_root),
        (session, {}, session),
        (f"arn:aws:iam::{ACCOUNT}:role/team/billing-exec", {"session_name": "billing"}, SESSION),
    ):
        with kms.acting_as(arn, **kwargs) as block:
            assert block.arn == acting
            assert who(kms, client, key) == acting


# -- nesting, exceptions, decorators ---------------------------------------------------------


def test_the_innermost_block_wins_and_leaving_restores_the_outer(
    kms: KmsMock, client: BaseClient, key: str
) -> None:
    outer = kms.acting_as(ROLE, session_name="billing")
    with outer:
        assert who(kms, client, key) == SESSION
        with kms.acting_as(USER):
            assert who(kms, client, key) == USER
            with outer:  # the same block object, entered again
                assert who(kms, client, key) == SESSION
            assert who(kms, client, key) == USER
        assert who(kms, client, key) == SESSION
    assert who(kms, client, key) == ROOT


def test_leaving_by_an_exception_restores(kms: KmsMock, client: BaseClient, key: str) -> None:
    with kms.acting_as(USER):
        with pytest.raises(RuntimeError), kms.acting_as(ROLE):
            raise RuntimeError("the handler failed")
        assert who(kms, client, key) == USER
    assert who(kms, client, key) == ROOT

    @kms.acting_as(ROLE)
    def failing() -> None:
        raise RuntimeError("the handler failed")

    with pytest.raises(RuntimeError):
        failing()
    assert who(kms, client, key) == ROOT


def test_decorates_functions(kms: KmsMock, client: BaseClient, key: str) -> None:
    @kms.acting_as(ROLE, session_name="billing")
    def handler(event: str) -> str:
        """The handler's own docstring."""
        return event + " " + who(kms, boto3.client("kms", region_name=REGION), key)

    assert handler("as") == "as " + SESSION
    assert handler.__name__ == "handler"
    assert handler.__doc__ == "The handler's own docstring."
    assert who(kms, client, key) == ROOT


def test_decorates_generator_functions(kms: KmsMock, client: BaseClient, key: str) -> None:
    @kms.acting_as(ROLE, session_name="billing")
    def callers() -> Iterator[str]:
        yield who(kms, client, key)
        yield who(kms, client, key)

    generator = callers()
    assert who(kms, client, key) == ROOT  # made, not yet run
    assert list(generator) == [SESSION, SESSION]
    assert who(kms, client, key) == ROOT


def test_decorates_coroutine_functions(kms: KmsMock, client: BaseClient, key: str) -> None:
    @kms.acting_as(ROLE, session_name="billing")
    async def handler() -> str:
        await asyncio.sleep(0)
        return who(kms, boto3.client("kms", region_name=REGION), key)

    assert asyncio.run(handler()) == SESSION
    assert who(kms, client, key) == ROOT


def test_concurrent_decorated_coroutines_leave_in_any_order(
    kms: KmsMock, client: BaseClient, key: str
) -> None:
    seen: list[str] = []

    @kms.acting_as(ROLE)
    async def first() -> None:  # enters first, leaves first
        await asyncio.sleep(0.01)

    @kms.acting_as(USER)
    async def second() -> None:
        await asyncio.sleep(0.05)
        seen.append(who(kms, client, key))  # `first` has left: still this one's principal

    async def run() -> None:
        await asyncio.gather(first(), second())

    asyncio.run(run())
    assert seen == [USER]
    assert who(kms, client, key) == ROOT


# -- threads, conditions, records --------------------------------------------------------------


def test_threads_started_inside_act_as_the_principal(
    kms: KmsMock, client: BaseClient, key: str
) -> None:
    seen: list[str] = []
    with kms.acting_as(ROLE, session_name="billing"):
        thread = threading.Thread(target=lambda: seen.append(who(kms, client, key)))
        thread.start()
        thread.join()
        with ThreadPoolExecutor(2) as pool:
            future = pool.submit(
                lambda: boto3.client("kms", region_name=REGION).describe_key(KeyId=key)
            )
            with pytest.raises(ClientError):
                future.result()
    assert seen == [SESSION]
    assert kms.authorizations[-1].caller == SESSION


def test_via_service_and_tags_reach_conditions(kms: KmsMock, client: BaseClient, key: str) -> None:
    kms.set_identity_policy(
        ROLE,
        allow(
            "kms:DescribeKey",
            Condition={
                "StringEquals": {
                    "kms:ViaService": "lambda.us-east-1.amazonaws.com",
                    "aws:PrincipalTag/team": "billing",
                }
            },
        ),
    )
    with kms.acting_as(
        ROLE,
        session_name="billing",
        via_service="lambda.us-east-1.amazonaws.com",
        tags={"team": "billing"},
    ):
        client.describe_key(KeyId=key)
    for kwargs in (
        {"via_service": "lambda.us-east-1.amazonaws.com"},
        {"tags": {"team": "billing"}},
    ):
        with kms.acting_as(ROLE, session_name="billing", **kwargs):
            assert fails(client.describe_key, KeyId=key) == denied(
                SESSION, "kms:DescribeKey", key, "identity-based"
            )


def test_events_and_authorizations_record_the_acting_principal(
    kms: KmsMock, client: BaseClient, key: str
) -> None:
    with kms.acting_as(ROLE, session_name="billing"):
        fails(client.describe_key, KeyId=key)
    decision = kms.authorizations[-1]
    assert (decision.caller, decision.action, decision.allowed) == (
        SESSION,
        "kms:DescribeKey",
        False,
    )
    (event,) = kms.events.filter(principal=SESSION)
    assert (event.operation, event.outcome) == ("DescribeKey", "denied")
    identity = event.record()["userIdentity"]
    assert (identity["type"], identity["arn"]) == ("AssumedRole", SESSION)


def test_the_principals_partition_applies_in_every_region(kms: KmsMock) -> None:
    china = boto3.client("kms", region_name="cn-north-1")
    key = china.create_key()["KeyMetadata"]["Arn"]
    assert who(kms, china, key) == f"arn:aws-cn:iam::{ACCOUNT}:root"
    with kms.acting_as(f"arn:aws-cn:iam::{ACCOUNT}:role/billing-exec", session_name="billing"):
        assert who(kms, china, key) == SESSION.replace("arn:aws:", "arn:aws-cn:")
    # The ARN is explicit: an aws-partition principal stays one in a China Region.
    with kms.acting_as(ROLE, session_name="billing"):
        assert who(kms, china, key) == SESSION


# -- mocks sharing a world, snapshots, the local endpoint ------------------------------------


def test_nested_mocks_and_the_local_endpoint_see_it(
    kms: KmsMock, client: BaseClient, key: str
) -> None:
    with mock_kms() as inner, inner.acting_as(ROLE, session_name="billing"):
        assert who(kms, client, key) == SESSION  # served by the inner mock, outer's world
        assert kms.caller_for(None, REGION).arn == SESSION
        with LocalEndpoint(kms) as endpoint:
            assert who(kms, endpoint.client(), key) == SESSION
        with LocalEndpoint(world=kms.world) as endpoint:
            assert who(kms, endpoint.client(), key) == SESSION
    assert who(kms, client, key) == ROOT


def test_snapshots_do_not_keep_the_override() -> None:
    with mock_kms() as kms:
        client = boto3.client("kms", region_name=REGION)
        key = client.create_key()["KeyMetadata"]["Arn"]
        with kms.acting_as(ROLE):
            snapshot = kms.snapshot()
            assert kms.world.copy().access.acting is None
    with mock_kms(snapshot=snapshot) as copy:
        assert who(copy, client, key) == ROOT


# -- usage errors ----------------------------------------------------------------------------


def test_usage_errors(kms: KmsMock) -> None:
    with pytest.raises(KmsMockUsageError) as err:
        kms.acting_as("billing-exec")
    assert str(err.value) == (
        "principal_arn must be an account root (arn:aws:iam::<12 digits>:root), a user "
        "(arn:aws:iam::<account>:user/<name>), a role (arn:aws:iam::<account>:role/<name>) "
        "or an assumed-role session (arn:aws:sts::<account>:assumed-role/<role>/<session>); "
        "got 'billing-exec'"
    )
    with pytest.raises(KmsMockUsageError) as err:
        kms.acting_as(USER, session_name="billing")
    assert str(err.value) == f"session_name applies to roles only; {USER} is not a role"
    with pytest.raises(KmsMockUsageError) as err:
        kms.acting_as(ROLE, tags={"team": 1})  # type: ignore[dict-item]
    assert str(err.value) == "tags must map strings to strings; got {'team': 1}"
    with pytest.raises(KmsMockUsageError) as err:
        kms.acting_as(ROLE)(KmsMock)
    assert str(err.value) == (
        "acting_as decorates functions and coroutine functions; got <class "
        "'kmsmock.mocking.mock.KmsMock'>. For a block of code, use `with kms.acting_as(...):`"
    )


INACTIVE = (
    "acting_as needs an active mock: this one was never started or has stopped. Use it "
    "inside `with mock_kms() as kms:` (or with the kms fixture), or between start() and "
    "stop()"
)


def test_a_mock_that_is_not_active_refuses() -> None:
    mock = mock_kms()
    block = mock.acting_as(ROLE)
    with pytest.raises(KmsMockUsageError) as err, block:
        pass
    assert str(err.value) == INACTIVE
    with mock:
        pass

    @mock.acting_as(ROLE)
    def handler() -> None:
        pass

    with pytest.raises(KmsMockUsageError) as err:
        handler()
    assert str(err.value) == INACTIVE


# -- kms.environ -----------------------------------------------------------------------------


def test_environ_names_the_variables(kms: KmsMock) -> None:
    role = kms.environ(ROLE)
    assert sorted(role) == ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]
    assert role["AWS_ACCESS_KEY_ID"].startswith("ASIA")  # a session's, as STS issues them
    assert kms.caller_for(role["AWS_ACCESS_KEY_ID"]).arn == DEFAULT_SESSION
    user = kms.environ(USER, region="eu-west-1")
    assert sorted(user) == [
        "AWS_ACCESS_KEY_ID",
        "AWS_DEFAULT_REGION",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ]
    assert user["AWS_ACCESS_KEY_ID"].startswith("AKIA")
    assert user["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert user["AWS_ACCESS_KEY_ID"] != role["AWS_ACCESS_KEY_ID"]
    with pytest.raises(KmsMockUsageError) as err:
        kms.environ(ROLE, region="Europe")
    assert str(err.value) == "region must be an AWS Region name such as 'eu-west-1'; got 'Europe'"


def test_environ_reaches_sessions_created_afterwards(
    kms: KmsMock, client: BaseClient, key: str
) -> None:
    environ = kms.environ(ROLE, session_name="billing", region=REGION)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environ.items():
            patch.setenv(name, value)
        fresh = botocore.session.Session().create_client("kms")
        assert who(kms, fresh, key) == SESSION
        # boto3's default session made `client` earlier and keeps the credentials it had.
        assert who(kms, boto3.client("kms", region_name=REGION), key) == ROOT


def test_environ_in_a_subprocess_through_the_local_endpoint(kms: KmsMock, key: str) -> None:
    with LocalEndpoint(kms) as endpoint:
        env = {
            **os.environ,
            **kms.environ(ROLE, session_name="billing", region=REGION),
            "AWS_ENDPOINT_URL_KMS": endpoint.url,
        }
        script = (
            "import boto3, sys\n"
            "try:\n"
            f"    boto3.client('kms').describe_key(KeyId={key!r})\n"
            "except Exception as error:\n"
            "    print(error.response['Error']['Message'])\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
        )
    assert done.stdout.strip() == denied(SESSION, "kms:DescribeKey", key, "identity-based")[1]

"""Filters that cannot match are refused: event filters, fault rules, quota and price names.

``assert not kms.events.filter(operation="Decrpyt")`` must fail loudly, not pass whatever the
code did: every such mistake is a KmsMockUsageError with a did-you-mean.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from conftest import ACCOUNT, REGION, fails, key_arn, new_key
from freezegun import freeze_time

from kmsmock import KmsMock
from kmsmock.errors import KmsMockUsageError

ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
KEY_FORMS = "key must be a key ID, key ARN, alias name (alias/<name>) or alias ARN"
PRINCIPAL_FORMS = (
    "principal must be an account root, user or role ARN (arn:aws:iam::<12 digits>:root, "
    "...:user/<name>, ...:role/<name>) or an assumed-role session's "
    "(arn:aws:sts::<12 digits>:assumed-role/<role>/<session>)"
)
UNKNOWN_ID = "0b1e0a6c-2b0c-4b8e-9f57-3c1d8e6a1f00"


def refused(call: Any, /, **kwargs: Any) -> str:
    """The message of the KmsMockUsageError ``call(**kwargs)`` raises."""
    with pytest.raises(KmsMockUsageError) as excinfo:
        call(**kwargs)
    return str(excinfo.value)


def alias_arn(name: str, *, region: str = REGION) -> str:
    return f"arn:aws:kms:{region}:{ACCOUNT}:{name}"


# -- kms.events.filter: operation, arguments, types ------------------------------------------


@pytest.mark.parametrize(
    ("operation", "message"),
    [
        ("Decrpyt", "'Decrpyt' is not a KMS operation (did you mean 'Decrypt'?)"),
        ("decrypt", "'decrypt' is not a KMS operation (did you mean 'Decrypt'?)"),
        ("RotateKeys", "'RotateKeys' is not a KMS operation (did you mean 'RotateKey'?)"),
        (
            "Frobnicate",
            "'Frobnicate' is not a KMS operation; use its API name, like 'Encrypt' or "
            "'GenerateDataKey' (kmsmock.aws.service_model.operation_names() lists them)",
        ),
        (3, "operation must be a KMS operation's name, like 'Decrypt'; got 3"),
    ],
)
def test_an_operation_that_cannot_match_is_refused(
    kms: KmsMock, client: BaseClient, operation: Any, message: str
) -> None:
    new_key(client)
    assert refused(kms.events.filter, operation=operation) == message


def test_operations_with_no_events_yet_match_nothing(kms: KmsMock, client: BaseClient) -> None:
    new_key(client)
    assert kms.events.filter(operation="Decrypt") == []
    # KMS's own events are named as CloudTrail names them, not after an API operation.
    assert kms.events.filter(operation="RotateKey") == []
    assert kms.events.filter(operation="DeleteKey") == []


def test_an_unknown_argument_is_refused(kms: KmsMock) -> None:
    assert refused(kms.events.filter, operaton="Decrypt") == (
        "kms.events.filter() takes no argument 'operaton' (did you mean 'operation'?); it "
        "takes operation, key, principal, outcome"
    )
    assert refused(kms.events.filter, region="us-east-1") == (
        "kms.events.filter() takes no argument 'region'; it takes operation, key, principal, "
        "outcome"
    )


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        ({"outcome": "deny"}, "outcome must be 'allowed', 'denied' or 'failed'; got 'deny' "
         "(did you mean 'denied'?)"),
        ({"outcome": 1}, "outcome must be 'allowed', 'denied' or 'failed'; got 1"),
        ({"key": 3}, f"{KEY_FORMS}; got 3"),
        ({"key": ""}, f"{KEY_FORMS}; got ''"),
        ({"key": "not-a-key"}, f"{KEY_FORMS}; got 'not-a-key'"),
        ({"key": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/x"}, f"{KEY_FORMS}; got "
         f"'arn:aws:kms:{REGION}:{ACCOUNT}:key/x'"),
        ({"principal": 3}, f"{PRINCIPAL_FORMS}; got 3"),
        ({"principal": "app"}, f"{PRINCIPAL_FORMS}; got 'app'"),
    ],
)  # fmt: skip
def test_a_value_of_the_wrong_type_or_shape_is_refused(
    kms: KmsMock, client: BaseClient, criteria: dict[str, Any], message: str
) -> None:
    new_key(client)
    assert refused(kms.events.filter, **criteria) == message


def test_none_means_not_given(kms: KmsMock, client: BaseClient) -> None:
    new_key(client)
    assert kms.events.filter(operation=None, key=None, principal=None, outcome=None) == list(
        kms.events
    )


# -- kms.events.filter: key= -----------------------------------------------------------------


def test_a_key_by_id_arn_alias_name_and_alias_arn(kms: KmsMock, client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    client.create_alias(AliasName="alias/app", TargetKeyId=key_id)
    client.encrypt(KeyId="alias/app", Plaintext=b"x")
    client.describe_key(KeyId=alias_arn("alias/app"))
    new_key(client)  # another key's events match none of them
    by_id = kms.events.filter(key=key_id)
    assert [e.operation for e in by_id] == ["CreateKey", "CreateAlias", "Encrypt", "DescribeKey"]
    assert kms.events.filter(key=key_arn(key_id)) == by_id
    assert kms.events.filter(key="alias/app") == by_id
    assert kms.events.filter(key=alias_arn("alias/app")) == by_id


def test_an_alias_names_the_key_it_points_at_now(kms: KmsMock, client: BaseClient) -> None:
    first, second = new_key(client)["KeyId"], new_key(client)["KeyId"]
    client.create_alias(AliasName="alias/app", TargetKeyId=first)
    client.update_alias(AliasName="alias/app", TargetKeyId=second)
    assert kms.events.filter(key="alias/app") == kms.events.filter(key=second)


def test_an_alias_that_does_not_exist_is_refused(kms: KmsMock, client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    client.create_alias(AliasName="alias/app", TargetKeyId=key_id)
    assert refused(kms.events.filter, key="alias/ap") == (
        f"no alias alias/ap in account {ACCOUNT} of this mock (did you mean 'alias/app'?)"
    )
    assert refused(kms.events.filter, key="alias/billing") == (
        f"no alias alias/billing in account {ACCOUNT} of this mock"
    )
    assert refused(kms.events.filter, key=alias_arn("alias/ap")) == (
        f"no alias {alias_arn('alias/ap')} in this mock (did you mean {alias_arn('alias/app')!r}?)"
    )
    # An alias of the same name in another Region is not this one.
    assert refused(kms.events.filter, key=alias_arn("alias/app", region="eu-west-1")) == (
        f"no alias {alias_arn('alias/app', region='eu-west-1')} in this mock (did you mean "
        f"{alias_arn('alias/app')!r}?)"
    )
    # A deleted alias names nothing any more: its key's events are found by the key.
    client.delete_alias(AliasName="alias/app")
    assert refused(kms.events.filter, key="alias/app") == (
        f"no alias alias/app in account {ACCOUNT} of this mock"
    )


def test_a_misspelt_alias_name_is_refused_with_a_hint(kms: KmsMock, client: BaseClient) -> None:
    client.create_alias(AliasName="alias/app", TargetKeyId=new_key(client)["KeyId"])
    assert refused(kms.events.filter, key="alais/app") == (
        f"{KEY_FORMS}; got 'alais/app' (did you mean 'alias/app'?)"
    )


def test_an_alias_name_in_two_regions_must_be_given_by_arn(kms: KmsMock) -> None:
    for region in ("us-east-1", "eu-west-1"):
        regional = boto3.client("kms", region_name=region)
        key_id = regional.create_key()["KeyMetadata"]["KeyId"]
        regional.create_alias(AliasName="alias/app", TargetKeyId=key_id)
    assert refused(kms.events.filter, key="alias/app") == (
        f"alias/app is an alias in more than one Region of account {ACCOUNT} (eu-west-1, "
        "us-east-1); filter by its alias ARN"
    )
    found = kms.events.filter(key=alias_arn("alias/app", region="eu-west-1"))
    assert [(e.operation, e.region) for e in found] == [
        ("CreateKey", "eu-west-1"),
        ("CreateAlias", "eu-west-1"),
    ]


def test_a_key_no_key_or_event_names_is_refused(kms: KmsMock, client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    assert refused(kms.events.filter, key=UNKNOWN_ID) == (
        f"no key {UNKNOWN_ID} in this mock: no key has that ID and no recorded event names it"
    )
    assert refused(kms.events.filter, key=key_arn(UNKNOWN_ID)) == (
        f"no key {key_arn(UNKNOWN_ID)} in this mock: no key has that ARN and no recorded event "
        "names it"
    )
    # The key's ID in another Region's ARN names no key either.
    elsewhere = key_arn(key_id, region="eu-west-1")
    assert refused(kms.events.filter, key=elsewhere) == (
        f"no key {elsewhere} in this mock: no key has that ARN and no recorded event names it "
        f"(did you mean {key_id!r}?)"
    )
    # One character off: the key is suggested.
    typo = key_id[:-1] + ("0" if key_id[-1] != "0" else "1")
    assert refused(kms.events.filter, key=typo) == (
        f"no key {typo} in this mock: no key has that ID and no recorded event names it "
        f"(did you mean {key_id!r}?)"
    )


def test_a_key_with_no_events_left_matches_nothing(kms: KmsMock, client: BaseClient) -> None:
    key_id = new_key(client)["KeyId"]
    kms.events.clear()
    assert kms.events.filter(key=key_id) == []


def test_a_deleted_key_s_events_are_still_found(kms: KmsMock, client: BaseClient) -> None:
    with freeze_time(datetime(2024, 5, 1, 12)) as frozen:
        key_id = new_key(client)["KeyId"]
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        frozen.tick(timedelta(days=8))
        client.list_keys()  # the deletion is settled before the next request
        assert fails(client.describe_key, KeyId=key_id)[0] == "NotFoundException"
        operations = ["CreateKey", "ScheduleKeyDeletion", "DeleteKey"]
        assert [e.operation for e in kms.events.filter(key=key_id)] == operations
        assert kms.events.filter(key=key_arn(key_id)) == kms.events.filter(key=key_id)


# -- kms.events.filter: principal= -----------------------------------------------------------


def test_a_well_formed_principal_with_no_requests_matches_nothing(
    kms: KmsMock, client: BaseClient
) -> None:
    new_key(client)
    assert kms.events.filter(principal=f"arn:aws:iam::{ACCOUNT}:user/nobody") == []
    assert kms.events.filter(principal=f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s1") == []


def test_a_malformed_principal_is_refused_with_a_hint(kms: KmsMock, client: BaseClient) -> None:
    app = boto3.client("kms", region_name=REGION, **kms.credentials(ROLE))
    assert fails(app.generate_random, NumberOfBytes=8)[0] == "AccessDeniedException"
    missing_colon = f"arn:aws:iam:{ACCOUNT}:role/app"
    assert refused(kms.events.filter, principal=missing_colon) == (
        f"{PRINCIPAL_FORMS}; got {missing_colon!r} (did you mean {ROLE!r}?)"
    )
    assert len(kms.events.filter(principal=ROLE)) == 1


# -- fault rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"operation": "Decrpyt"}, "'Decrpyt' is not a KMS operation (did you mean 'Decrypt'?)"),
        # KMS's own events are no request a rule can fail.
        ({"operation": "RotateKey"}, "'RotateKey' is not a KMS operation (did you mean "
         "'RotateKeyOnDemand'?)"),
        ({"operation": None}, "operation must be a KMS operation's name, like 'Decrypt'; got "
         "None"),
        ({"operation": "Decrypt", "key": "alais/app"}, f"{KEY_FORMS}; got 'alais/app'"),
        ({"operation": "Decrypt", "key": "key/" + UNKNOWN_ID}, f"{KEY_FORMS}; got "
         f"'key/{UNKNOWN_ID}'"),
        ({"operation": "Decrypt", "key": 7}, f"{KEY_FORMS}; got 7"),
        ({"operation": "Decrypt", "principal": "role/app"}, f"{PRINCIPAL_FORMS}; got "
         "'role/app'"),
        ({"operation": "Decrypt", "tiems": 2}, "kms.fail() takes no argument 'tiems' (did you "
         "mean 'times'?); it takes operation, code, message, times, key, principal, "
         "probability, seed"),
    ],
)  # fmt: skip
def test_a_fault_rule_that_cannot_match_is_refused(
    kms: KmsMock, kwargs: dict[str, Any], message: str
) -> None:
    assert refused(kms.fail, **kwargs) == message
    assert kms.faults == []


def test_throttle_refuses_what_fail_alone_takes(kms: KmsMock) -> None:
    assert refused(kms.throttle, operation="Decrypt", code="KMSInternalException") == (
        "kms.throttle() takes no argument 'code'; it takes operation, times, key, principal, "
        "probability, seed"
    )


def test_a_fault_rule_hints_at_the_world_s_names(kms: KmsMock, client: BaseClient) -> None:
    client.create_alias(AliasName="alias/app", TargetKeyId=new_key(client)["KeyId"])
    kms.credentials(ROLE)
    assert refused(kms.fail, operation="Decrypt", key="alais/app") == (
        f"{KEY_FORMS}; got 'alais/app' (did you mean 'alias/app'?)"
    )
    missing_colon = f"arn:aws:iam:{ACCOUNT}:role/app"
    assert refused(kms.throttle, operation="Decrypt", principal=missing_colon) == (
        f"{PRINCIPAL_FORMS}; got {missing_colon!r} (did you mean {ROLE!r}?)"
    )


def test_a_fault_rule_may_name_an_alias_before_it_exists(kms: KmsMock) -> None:
    # Key IDs are random, but an alias name (or a key a seed file loads) is known beforehand.
    fault = kms.fail("Encrypt", key="alias/later", times=1)
    kms.fail("Decrypt", key=key_arn(UNKNOWN_ID))
    once = boto3.client("kms", region_name=REGION, config=Config(retries={"total_max_attempts": 1}))
    key_id = new_key(once)["KeyId"]
    once.create_alias(AliasName="alias/later", TargetKeyId=key_id)
    assert fails(once.encrypt, KeyId=key_id, Plaintext=b"x")[0] == "KMSInternalException"
    assert fault.hits == 1


# -- quota and price names -------------------------------------------------------------------


def test_a_quota_no_request_counts_toward_is_refused(kms: KmsMock) -> None:
    assert refused(kms.enable_quotas, limits={"CreateKye": 2}) == (
        "'CreateKye' is not a quota (did you mean 'CreateKey'?); a quota is a KMS operation's "
        "name, like 'CreateKey', or 'cryptographic-symmetric', 'cryptographic-rsa', "
        "'cryptographic-ecc', 'cryptographic-sm2'"
    )
    assert refused(kms.enable_quotas, limits={"Encrypt": 2}) == (
        "Encrypt counts toward the shared cryptographic quota of its key's type, not a quota "
        "of its own: limit 'cryptographic-symmetric', 'cryptographic-rsa', 'cryptographic-ecc' "
        "or 'cryptographic-sm2' instead"
    )
    assert kms.world.quotas is None


def test_a_misspelt_price_is_refused_with_a_hint(kms: KmsMock) -> None:
    assert refused(kms.cost, prices={"standrad": 1}).startswith(
        "unknown price 'standrad' (did you mean 'standard'?); the prices are: key_month, "
    )

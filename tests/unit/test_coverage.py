"""What kmsmock serves of the KMS API model, surveyed through boto3, and ``docs/coverage.md``.

The survey asks a mock, as a user would, about every operation of botocore's KMS model and every
value of its KeySpec, KeyUsageType, SigningAlgorithmSpec, DataKeyPairSpec and WrappingKeySpec
enums. ``docs/coverage.md`` is rendered from the survey, and the test fails when the committed
file differs from what it would write, so the page cannot go stale. After a change that serves
more (or a botocore release that adds to the model), rewrite it with::

    KMSMOCK_WRITE_COVERAGE=1 python -m pytest tests/unit/test_coverage.py

Beyond operations, every input parameter and every enum value of the loaded model is surveyed
too (coverage_drift.py): a parameter by a probe that shows it acted on, a value by a request or
an answer that carries it. Everything not served is listed in ``coverage_drift.NOT_SERVED`` with
the reason, rendered as the page's "Not served" table: the test fails when something is unserved
and not listed, and when something listed has become served, so the table cannot go stale.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore import xform_name
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError
from coverage_drift import NOT_SERVED, Drift, in_model, survey_drift, version_line
from coverage_drift import render as render_drift
from drift_survey import Record, enum_values, input_members, recorded_client

from kmsmock import mock_kms
from kmsmock.aws.service_model import operation_names, service_model
from kmsmock.operations.dispatch import is_implemented

ROOT = Path(__file__).resolve().parents[2]
COVERAGE = ROOT / "docs" / "coverage.md"
WRITE_VARIABLE = "KMSMOCK_WRITE_COVERAGE"

REGION = "us-east-1"
# AWS offers SM2 only in its China regions: SM2 is surveyed there, everything else here.
SM2_REGION = "cn-north-1"


# The concept page that documents each served operation (the page must name it); served
# operations not listed here are documented in operations.md alone.
CONCEPT_PAGES: dict[str, str] = {
    "GenerateDataKeyPair": "data-key-pairs.md",
    "GenerateDataKeyPairWithoutPlaintext": "data-key-pairs.md",
    "DeriveSharedSecret": "key-agreement.md",
    "GetParametersForImport": "importing-key-material.md",
    "ImportKeyMaterial": "importing-key-material.md",
    "DeleteImportedKeyMaterial": "importing-key-material.md",
    "Sign": "asymmetric.md",
    "Verify": "asymmetric.md",
    "GetPublicKey": "asymmetric.md",
    "GenerateMac": "asymmetric.md",
    "VerifyMac": "asymmetric.md",
    "EnableKeyRotation": "time.md",
    "DisableKeyRotation": "time.md",
    "GetKeyRotationStatus": "time.md",
    "RotateKeyOnDemand": "time.md",
    "ListKeyRotations": "time.md",
    "ScheduleKeyDeletion": "time.md",
    "CancelKeyDeletion": "time.md",
    "GetKeyLastUsage": "time.md",
    **dict.fromkeys(
        (
            "CreateCustomKeyStore",
            "DescribeCustomKeyStores",
            "UpdateCustomKeyStore",
            "ConnectCustomKeyStore",
            "DisconnectCustomKeyStore",
            "DeleteCustomKeyStore",
        ),
        "custom-key-stores.md",
    ),
    **dict.fromkeys(
        ("CreateGrant", "ListGrants", "ListRetirableGrants", "RetireGrant", "RevokeGrant"),
        "grants.md",
    ),
    "Encrypt": "ciphertext.md",
    "Decrypt": "ciphertext.md",
}
DEFAULT_PAGE = "operations.md"

# The message the mock answers for an operation it does not serve (kmsmock/errors.py).
_NOT_IMPLEMENTED = (
    "kmsmock does not implement the KMS operation {} yet. "
    "docs/operations.md in kmsmock's documentation lists what is served."
)
_INCOMPATIBLE = "KeyUsage {usage} is not compatible with KeySpec {spec}"
# What a Sign request carries for each algorithm: RAW unless the algorithm needs a digest.
_DIGEST_ONLY = {"ED25519_PH_SHA_512": hashlib.sha512}
_MESSAGE = b"coverage"

# Cells of the key spec x usage table.
SERVED = "yes"
REFUSED = "refused, as AWS"
NOT_YET = "not yet"


def enum(shape: str) -> list[str]:
    values: list[str] = service_model().shape_for(shape).enum
    return values


ENUMS = ["KeySpec", "KeyUsageType", "SigningAlgorithmSpec", "DataKeyPairSpec", "WrappingKeySpec"]


@dataclass
class Survey:
    """What the mock answered, as plain data."""

    operations: dict[str, bool] = field(default_factory=dict)  # served?
    # Operations whose answer through boto3 disagrees with the registry: name -> answer.
    operation_mismatches: dict[str, str] = field(default_factory=dict)
    key_usage: dict[tuple[str, str], str] = field(default_factory=dict)  # -> cell
    # CreateKey answers that are neither success, AWS's refusal, nor NotImplementedException.
    unexpected: dict[str, str] = field(default_factory=dict)
    signing: dict[str, list[str]] = field(default_factory=dict)  # algorithm -> key specs
    signing_served: dict[str, bool] = field(default_factory=dict)
    data_key_pairs: dict[str, bool] = field(default_factory=dict)
    wrapping: dict[str, bool] = field(default_factory=dict)
    drift: Drift = field(default_factory=Drift)

    def served(self, kind: str) -> dict[str, bool]:
        if kind == "operation":
            return self.operations
        if kind == "KeySpec":
            return {
                spec: any(self.key_usage[spec, usage] == SERVED for usage in enum("KeyUsageType"))
                for spec in enum("KeySpec")
            }
        if kind == "KeyUsageType":
            return {
                usage: any(self.key_usage[spec, usage] == SERVED for spec in enum("KeySpec"))
                for usage in enum("KeyUsageType")
            }
        if kind == "SigningAlgorithmSpec":
            return self.signing_served
        if kind == "DataKeyPairSpec":
            return self.data_key_pairs
        assert kind == "WrappingKeySpec", kind
        return self.wrapping

    def unserved(self) -> set[tuple[str, str]]:
        """(kind, name) of everything not served, as ``NOT_SERVED`` names them."""
        return {
            ("operation", name) if kind == "operation" else ("enum value", f"{kind}.{name}")
            for kind in ["operation", *ENUMS]
            for name, served in self.served(kind).items()
            if not served
        } | self.drift.unserved()


def _answer(error: ClientError) -> str:
    return f"{error.response['Error']['Code']}: {error.response['Error']['Message']}"


def _region_of(spec: str) -> str:
    return SM2_REGION if spec == "SM2" else REGION


def _survey_operations(raw: BaseClient, survey: Survey) -> None:
    for name in sorted(operation_names()):
        served = is_implemented(name)
        survey.operations[name] = served
        # Every parameter left out: an unserved operation answers NotImplementedException
        # before validating anything, a served one anything else.
        try:
            getattr(raw, xform_name(name))()
            answer = "success"
        except ClientError as error:
            answer = _answer(error)
        refused = answer == f"NotImplementedException: {_NOT_IMPLEMENTED.format(name)}"
        if refused == served:
            survey.operation_mismatches[name] = answer


def _survey_key_specs(clients: dict[str, BaseClient], survey: Survey) -> dict[str, str]:
    """Fill the key spec x usage table; returns a SIGN_VERIFY key ID per key spec that has one."""
    signing_keys: dict[str, str] = {}
    for spec in enum("KeySpec"):
        for usage in enum("KeyUsageType"):
            try:
                metadata = clients[_region_of(spec)].create_key(KeySpec=spec, KeyUsage=usage)[
                    "KeyMetadata"
                ]
            except ClientError as error:
                answer = _answer(error)
                if answer == "ValidationException: " + _INCOMPATIBLE.format(usage=usage, spec=spec):
                    survey.key_usage[spec, usage] = REFUSED
                elif error.response["Error"]["Code"] == "NotImplementedException":
                    survey.key_usage[spec, usage] = NOT_YET
                else:
                    survey.key_usage[spec, usage] = NOT_YET
                    survey.unexpected[f"CreateKey {spec} {usage}"] = answer
                continue
            survey.key_usage[spec, usage] = SERVED
            if usage == "SIGN_VERIFY":
                signing_keys[spec] = metadata["KeyId"]
                for algorithm in metadata.get("SigningAlgorithms", []):
                    survey.signing.setdefault(algorithm, []).append(spec)
    return signing_keys


def _signs_and_verifies(client: BaseClient, key_id: str, algorithm: str) -> bool:
    digest = _DIGEST_ONLY.get(algorithm)
    request: dict[str, Any] = {
        "KeyId": key_id,
        "SigningAlgorithm": algorithm,
        "Message": digest(_MESSAGE).digest() if digest else _MESSAGE,
        "MessageType": "DIGEST" if digest else "RAW",
    }
    try:
        signature = client.sign(**request)["Signature"]
        valid: bool = client.verify(**request, Signature=signature)["SignatureValid"]
    except ClientError:
        return False
    return valid


def _survey_signing(
    clients: dict[str, BaseClient], signing_keys: dict[str, str], survey: Survey
) -> None:
    for algorithm in enum("SigningAlgorithmSpec"):
        specs = survey.signing.get(algorithm, [])
        # The first key spec of the model's order that offers it (RSA_2048 for RSA: the
        # cheapest key to make).
        survey.signing_served[algorithm] = bool(specs) and _signs_and_verifies(
            clients[_region_of(specs[0])], signing_keys[specs[0]], algorithm
        )


def _survey_data_key_pairs(clients: dict[str, BaseClient], survey: Survey) -> None:
    key_ids = {
        region: client.create_key()["KeyMetadata"]["KeyId"] for region, client in clients.items()
    }
    for spec in enum("DataKeyPairSpec"):
        region = _region_of(spec)
        try:
            pair = clients[region].generate_data_key_pair(KeyId=key_ids[region], KeyPairSpec=spec)
            survey.data_key_pairs[spec] = bool(pair["PublicKey"] and pair["PrivateKeyPlaintext"])
        except ClientError:
            survey.data_key_pairs[spec] = False


def _survey_wrapping(clients: dict[str, BaseClient], survey: Survey) -> None:
    for spec in enum("WrappingKeySpec"):
        client = clients[_region_of(spec)]
        key_id = client.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
        algorithm = "SM2PKE" if spec == "SM2" else "RSAES_OAEP_SHA_256"
        try:
            answer = client.get_parameters_for_import(
                KeyId=key_id, WrappingAlgorithm=algorithm, WrappingKeySpec=spec
            )
            survey.wrapping[spec] = bool(answer["PublicKey"] and answer["ImportToken"])
        except ClientError:
            survey.wrapping[spec] = False


@pytest.fixture(scope="module")
def survey() -> Iterator[Survey]:
    # A mock of its own, stopped before any test runs: the survey shares no state with them.
    found = Survey()
    # Every request the survey serves, and every answer, notes the enum values it carries.
    record = Record()
    with mock_kms():
        clients = {region: recorded_client(record, region) for region in (REGION, SM2_REGION)}
        raw = boto3.client("kms", region_name=REGION, config=Config(parameter_validation=False))
        _survey_operations(raw, found)
        signing_keys = _survey_key_specs(clients, found)
        _survey_signing(clients, signing_keys, found)
        _survey_data_key_pairs(clients, found)
        _survey_wrapping(clients, found)
    # Each probe and scenario makes a mock of its own (one made inside this one would share it).
    found.drift = survey_drift(record)
    yield found


# -- the page ------------------------------------------------------------------------------


def _mark(served: bool, kind: str, name: str) -> str:
    if kind != "operation":
        kind, name = "enum value", f"{kind}.{name}"
    return "yes" if served else f"no: {NOT_SERVED.get((kind, name), 'not in the table')}"


def render(survey: Survey) -> str:
    lines = [
        "# Coverage of the KMS API",
        "",
        "<!-- Generated by tests/unit/test_coverage.py from what the mock answers through boto3;",
        "     do not edit. The test fails when this file is stale; rewrite it, with the newest",
        "     botocore installed, with",
        "     KMSMOCK_WRITE_COVERAGE=1 python -m pytest tests/unit/test_coverage.py -->",
        "",
        "What kmsmock serves of botocore's KMS service model, asked of a mock through boto3 in",
        f"`{REGION}` (`SM2` in `{SM2_REGION}`, the only kind of Region where AWS offers it).",
        version_line(),
        "An operation not served answers `NotImplementedException`; what is not served, and",
        "why, is in the Not served table at the end.",
        "",
        "## Operations",
        "",
        "| Operation | Served | Documented in |",
        "|---|---|---|",
    ]
    served_count = sum(survey.operations.values())
    for name, served in sorted(survey.operations.items()):
        page = CONCEPT_PAGES.get(name, DEFAULT_PAGE) if served else ""
        link = f"[{page}]({page})" if page else "-"
        lines.append(f"| {name} | {_mark(served, 'operation', name)} | {link} |")
    lines += [
        "",
        f"{served_count} of {len(survey.operations)} operations are served.",
        "",
        "## Key specs and key usages",
        "",
        f"CreateKey with each KeySpec and KeyUsage: `{SERVED}`, `{REFUSED}` (AWS does not allow",
        "the combination and the mock answers AWS's `ValidationException`), or `not yet`.",
        "",
        "| KeySpec | " + " | ".join(enum("KeyUsageType")) + " |",
        "|---|" + "---|" * len(enum("KeyUsageType")),
    ]
    for spec in enum("KeySpec"):
        cells = [survey.key_usage[spec, usage] for usage in enum("KeyUsageType")]
        lines.append(f"| {spec} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Signing algorithms",
        "",
        "Served: Sign and Verify succeed with a key of the first key spec that offers it.",
        "",
        "| SigningAlgorithmSpec | Served | Key specs that offer it |",
        "|---|---|---|",
    ]
    for algorithm in enum("SigningAlgorithmSpec"):
        specs = ", ".join(survey.signing.get(algorithm, [])) or "-"
        served = survey.signing_served[algorithm]
        lines.append(
            f"| {algorithm} | {_mark(served, 'SigningAlgorithmSpec', algorithm)} | {specs} |"
        )
    lines += [
        "",
        "## Data key pairs",
        "",
        "Served: GenerateDataKeyPair with this KeyPairSpec succeeds.",
        "",
        "| DataKeyPairSpec | Served |",
        "|---|---|",
    ]
    for spec, served in survey.data_key_pairs.items():
        lines.append(f"| {spec} | {_mark(served, 'DataKeyPairSpec', spec)} |")
    lines += [
        "",
        "## Wrapping keys for importing key material",
        "",
        "Served: GetParametersForImport with this WrappingKeySpec succeeds (`RSAES_OAEP_SHA_256`;",
        "`SM2PKE` for `SM2`).",
        "",
        "| WrappingKeySpec | Served |",
        "|---|---|",
    ]
    for spec, served in survey.wrapping.items():
        lines.append(f"| {spec} | {_mark(served, 'WrappingKeySpec', spec)} |")
    lines += render_drift(survey.drift)
    return "\n".join(lines) + "\n"


# -- the tests -----------------------------------------------------------------------------


def _without_version(page: str) -> str:
    # The page names the botocore it was rendered from; another release of the same model
    # renders the same page.
    return re.sub(r"^Rendered from botocore .*$\n", "", page, flags=re.M)


def _older_model(committed: str) -> list[str]:
    """What the committed page counts that the loaded model lacks (an older botocore's model
    cannot check a page rendered from a newer one), or []."""
    listed = set(re.findall(r"^\| ([A-Za-z]+) \| (?:yes|no)", committed, re.M))
    lacking = sorted(listed - operation_names())
    for noun, now in (("input parameters", input_members()), ("enum values", enum_values())):
        found = re.search(rf"^\d+ of (\d+) {noun}", committed, re.M)
        if found and int(found.group(1)) > len(now):
            lacking.append(f"{int(found.group(1)) - len(now)} {noun}")
    return lacking


def test_docs_coverage_is_what_the_mock_serves(survey: Survey) -> None:
    expected = render(survey)
    if os.environ.get(WRITE_VARIABLE) == "1":
        COVERAGE.write_text(expected)
        return
    committed = COVERAGE.read_text() if COVERAGE.exists() else ""
    # The page is rendered from the newest botocore (new operations appear there first).
    lacking = _older_model(committed)
    if lacking:
        pytest.skip(
            f"docs/coverage.md was rendered from a newer botocore: this one's model lacks {lacking}"
        )
    assert _without_version(committed) == _without_version(expected), (
        f"docs/coverage.md is stale: rewrite it with {WRITE_VARIABLE}=1 "
        "python -m pytest tests/unit/test_coverage.py"
    )


def test_every_unserved_thing_is_listed_with_the_reason(survey: Survey) -> None:
    unlisted = {
        thing: survey.drift.members.get(thing[1]) for thing in survey.unserved() - NOT_SERVED.keys()
    }
    assert not unlisted, (
        "not served and not in coverage_drift.NOT_SERVED (serve it, or list it with the "
        f"reason): {unlisted}"
    )


def test_nothing_listed_as_not_served_is_served(survey: Survey) -> None:
    known = {
        thing for thing in NOT_SERVED if in_model(*thing, operations=operation_names())
    }  # an older model lacks some
    served = known - survey.unserved()
    assert not served, (
        f"served now: remove them from NOT_SERVED and rewrite docs/coverage.md: {served}"
    )


def test_the_table_names_only_what_the_model_has() -> None:
    unknown = {thing for thing in NOT_SERVED if not in_model(*thing, operations=operation_names())}
    if unknown and _older_model(COVERAGE.read_text()):
        pytest.skip(f"an older botocore: its model lacks {sorted(unknown)}")
    assert not unknown


def test_every_parameter_probe_shows_its_effect(survey: Survey) -> None:
    # A probe that fails is a parameter not served (or a broken probe): either way the table
    # must say so, and the test above names it; this one says what the probe saw.
    failing = {
        member: problem
        for member, problem in survey.drift.members.items()
        if problem is not None and ("parameter", member) not in NOT_SERVED
    }
    assert failing == {}


def test_every_tour_scenario_runs(survey: Survey) -> None:
    assert survey.drift.failed_scenarios == {}


def test_operations_answer_through_boto3_as_the_registry_says(survey: Survey) -> None:
    # An operation is served exactly when it does not answer the NotImplementedException
    # kmsmock gives for an operation it lacks.
    assert survey.operation_mismatches == {}
    assert survey.operations.keys() == operation_names()


def test_create_key_answers_only_success_aws_refusal_or_not_implemented(survey: Survey) -> None:
    assert survey.unexpected == {}
    assert len(survey.key_usage) == len(enum("KeySpec")) * len(enum("KeyUsageType"))


def _names(text: str, operation: str) -> bool:
    """Whether a page names ``operation``: as a word, or as a boto3 call in an example."""
    return bool(
        re.search(rf"(?<![A-Za-z]){operation}(?![A-Za-z])", text)
        or re.search(rf"\.{xform_name(operation)}\(", text)
    )


@pytest.mark.parametrize("operation", sorted(CONCEPT_PAGES))
def test_the_concept_page_names_the_operation(operation: str) -> None:
    page = ROOT / "docs" / CONCEPT_PAGES[operation]
    assert _names(page.read_text(), operation), f"{page.name} does not mention {operation}"


def test_the_names_check_tells_a_word_from_a_longer_name() -> None:
    assert _names("ReEncrypt and Encrypt", "Encrypt")
    assert not _names("ReEncrypt, Encryption", "Encrypt")
    assert _names("client.re_encrypt(CiphertextBlob=blob)", "ReEncrypt")
    assert not _names("client.re_encrypt_all(", "ReEncrypt")


def test_the_default_page_names_every_served_operation(survey: Survey) -> None:
    text = (ROOT / "docs" / DEFAULT_PAGE).read_text()
    missing = [
        name for name, served in survey.operations.items() if served and not _names(text, name)
    ]
    assert missing == []


def test_operations_page_links_the_coverage_page() -> None:
    assert "(coverage.md)" in (ROOT / "docs" / DEFAULT_PAGE).read_text()

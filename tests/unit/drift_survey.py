"""How the model-drift survey sends probes and reads the model: the loaded model's input members
and enum values, a recorder of what boto3 sent and got, and the runner of one probe.

Why probes, and not a list of the members each operation reads: a list in the operations would
be a third copy (beside the model and the code that reads the member) that nothing checks. A
probe is the declaration and its proof at once: "Encrypt.EncryptionContext is served" is
written as two requests that differ only in that member, sent through boto3, whose answers must
differ (and a third, the first again, whose answer must not: an answer that changes by itself,
such as a random ID, proves nothing). The runner, not the probe, puts the value at the member's
path, so a probe cannot show the effect of some other member. A member whose only effect cannot
be told apart by two requests (the only value of a one-value enum) is served by a ``Holds``
probe: one request and an assertion on what it did. Recording what the mock read while the
functional suite runs was rejected: reading a member is not acting on it, and the record would
change with whatever the suite happens to send.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.client import BaseClient
from botocore.exceptions import ClientError, ParamValidationError
from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from kmsmock import KmsMock, mock_kms
from kmsmock.aws.service_model import operation_names, service_model

REGION = "us-east-1"
ACCOUNT = "123456789012"


class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


ABSENT = _Sentinel("ABSENT")  # the member is left out of the request
KEEP = _Sentinel("KEEP")  # the member keeps the base request's value


# -- the model -----------------------------------------------------------------------------


def _walk(shape: Shape, path: str, seen: frozenset[str]) -> Iterator[str]:
    if isinstance(shape, StructureShape):
        if shape.name in seen:  # no KMS input is recursive; a guard all the same
            return
        for name, member in shape.members.items():
            member_path = f"{path}.{name}" if path else name
            yield member_path
            yield from _walk(member, member_path, seen | {shape.name})
    elif isinstance(shape, ListShape):
        yield from _walk(shape.member, path + "[]", seen)
    elif isinstance(shape, MapShape):
        yield from _walk(shape.value, path + "{}", seen)


def input_members() -> list[str]:
    """Every input member of every operation, as ``Operation.Path`` (``[]``: each list item)."""
    found = []
    for name in sorted(operation_names()):
        shape = service_model().operation_model(name).input_shape
        if shape is not None:
            found += [f"{name}.{path}" for path in _walk(shape, "", frozenset())]
    return found


def enum_values() -> list[str]:
    """Every value of every enum shape of the model, as ``Shape.VALUE``."""
    model = service_model()
    return [
        f"{name}.{value}"
        for name in sorted(model.shape_names)
        for value in getattr(model.shape_for(name), "enum", None) or ()
    ]


def _enums_in(shape: Shape | None, value: Any, found: set[str]) -> None:
    if shape is None or value is None:
        return
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        for name, member in shape.members.items():
            _enums_in(member, value.get(name), found)
    elif isinstance(shape, ListShape) and isinstance(value, list):
        for item in value:
            _enums_in(shape.member, item, found)
    elif isinstance(shape, MapShape) and isinstance(value, dict):
        for item in value.values():
            _enums_in(shape.value, item, found)
    elif getattr(shape, "enum", None) and isinstance(value, str) and value in shape.enum:
        found.add(f"{shape.name}.{value}")


# -- what boto3 sent and got ---------------------------------------------------------------


@dataclass
class Record:
    """Enum values seen: sent in a request the mock served, and received in an answer."""

    accepted: set[str] = field(default_factory=set)
    produced: set[str] = field(default_factory=set)

    def note(self, operation: OperationModel, params: dict[str, Any], parsed: Any) -> None:
        if "Error" in parsed:
            # A DryRun request that would have succeeded was served as far as it goes.
            if parsed["Error"].get("Code") == "DryRunOperationException":
                _enums_in(operation.input_shape, params, self.accepted)
            return
        _enums_in(operation.input_shape, params, self.accepted)
        _enums_in(operation.output_shape, parsed, self.produced)


def recorded_client(record: Record, region: str = REGION) -> BaseClient:
    """A boto3 KMS client whose every served request and answer ``record`` notes."""
    client = boto3.client("kms", region_name=region)

    def keep(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["drift_params"] = copy.deepcopy(params)

    def note(model: OperationModel, parsed: Any, context: dict[str, Any], **_: Any) -> None:
        record.note(model, context.get("drift_params", {}), parsed)

    client.meta.events.register("before-parameter-build.kms", keep)
    client.meta.events.register("after-call.kms", note)
    return client


# -- what a probe works with ---------------------------------------------------------------


class Clients:
    """Recorded boto3 clients by Region, made once and used across the probes' mocks."""

    def __init__(self, record: Record) -> None:
        self.record = record
        self._clients: dict[str, BaseClient] = {}

    def __call__(self, region: str = REGION) -> BaseClient:
        if region not in self._clients:
            self._clients[region] = recorded_client(self.record, region)
        return self._clients[region]


@dataclass
class Ctx:
    """What a probe's setup and observation work with: a mock of the probe's attempt alone
    (so names and quotas never clash with another attempt's), and recorded clients."""

    kms: KmsMock
    clients: Clients
    memo: dict[str, Any] = field(default_factory=dict)  # what a setup leaves its observer

    def client(self, region: str = REGION) -> BaseClient:
        return self.clients(region)

    def key(self, region: str = REGION, **params: Any) -> str:
        """A new key's ID, created with ``params``."""
        key_id: str = self.client(region).create_key(**params)["KeyMetadata"]["KeyId"]
        return key_id


@dataclass(frozen=True)
class Outcome:
    """What one request answered: an error code and message, or the response."""

    code: str | None
    message: str
    response: dict[str, Any]
    request: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.code is None


Setup = Callable[[Ctx], dict[str, Any]]
Observe = Callable[[Ctx, Outcome], Hashable]


def code(_: Ctx, outcome: Outcome) -> Hashable:
    """The error code, or "ok": what most probes compare (messages may name random IDs)."""
    return outcome.code or "ok"


@dataclass(frozen=True)
class Differs:
    """The member is served: the request with ``first`` and with ``second`` at its path answer
    differently, as ``observe`` sees them; ``setup`` makes the base request (by default, the
    operation's in ``BASES``)."""

    first: Any
    second: Any
    observe: Observe = code
    setup: Setup | None = None


@dataclass(frozen=True)
class Holds:
    """The member is served, shown by one request with ``value`` at its path and ``check``,
    which asserts what the request did (for a one-value enum, whose effect no second request
    can differ from)."""

    value: Any
    check: Callable[[Ctx, Outcome], None]
    setup: Setup | None = None


Probe = Differs | Holds


def _set(target: Any, parts: list[str], value: Any) -> None:
    head, rest = parts[0], parts[1:]
    many = head.endswith("[]")
    name = head.removesuffix("[]")
    if not rest:
        if value is ABSENT:
            target.pop(name, None)
        elif value is not KEEP:
            target[name] = copy.deepcopy(value)
        return
    inner = target[name]
    for item in inner if many else [inner]:
        _set(item, rest, value)


def with_member(request: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """``request`` with ``value`` at ``path`` (every item of a ``[]`` list)."""
    changed = copy.deepcopy(request)
    _set(changed, path.split("."), value)
    return changed


def send(ctx: Ctx, operation: str, request: dict[str, Any], region: str = REGION) -> Outcome:
    method = getattr(ctx.client(region), _snake(operation))
    try:
        response = method(**request)
    except ParamValidationError as error:
        raise _Refused(str(error)) from None
    except ClientError as error:
        return Outcome(
            error.response["Error"]["Code"], error.response["Error"]["Message"], {}, request
        )
    response.pop("ResponseMetadata", None)
    return Outcome(None, "", response, request)


def _snake(operation: str) -> str:
    from botocore import xform_name

    return xform_name(operation)


def _parser_refused(outcome: Outcome) -> bool:
    # The model's own checks (kmsmock/protocol/parse.py) say nothing of the operation.
    return outcome.code == "ValidationException" and " validation error" in outcome.message


def run(clients: Clients, member: str, probe: Probe, base: Setup | None) -> str | None:
    """None when ``probe`` shows ``member`` served; else what went wrong. Each request is
    sent in a mock of its own, made from nothing by the probe's setup."""
    operation, path = member.split(".", 1)
    setup = probe.setup or base
    if setup is None:
        return f"no base request for {operation}"

    def attempt(value: Any, observe: Callable[[Ctx, Outcome], Any]) -> Any:
        with mock_kms() as kms:
            ctx = Ctx(kms, clients)
            request = with_member(setup(ctx), path, value(ctx) if callable(value) else value)
            outcome = send(ctx, operation, request)
            if _parser_refused(outcome):
                raise _Refused(outcome.message)
            return observe(ctx, outcome)

    try:
        if isinstance(probe, Holds):
            return _held(attempt, probe)
        seen = [attempt(value, probe.observe) for value in (probe.first, probe.first, probe.second)]
    except _Refused as refused:
        return f"the model's validation refused it: {refused}"
    except (ClientError, ParamValidationError, AssertionError, KeyError) as error:
        # In a setup or an observation: the probe itself is broken.
        return f"the probe failed: {type(error).__name__}: {error}"
    if seen[0] != seen[1]:
        return f"its answer changes by itself: {seen[0]!r} then {seen[1]!r}"
    if seen[0] == seen[2]:
        return f"no effect: {probe.first!r} and {probe.second!r} both answer {seen[0]!r}"
    return None


class _Refused(Exception):
    pass


def _held(attempt: Callable[[Any, Callable[[Ctx, Outcome], Any]], Any], probe: Holds) -> str | None:
    def check(ctx: Ctx, outcome: Outcome) -> str | None:
        try:
            probe.check(ctx, outcome)
        except AssertionError as error:
            return f"its check failed: {error} ({outcome.code}: {outcome.message})"
        return None

    result: str | None = attempt(probe.value, check)
    return result


# -- the catalogue -------------------------------------------------------------------------

# Operation -> a request it serves, made in a fresh mock (what most probes vary one member of).
BASES: dict[str, Setup] = {}
# "Operation.Path" -> the probe that shows the member served.
PROBES: dict[str, Probe] = {}


def base(operation: str) -> Callable[[Setup], Setup]:
    def register(setup: Setup) -> Setup:
        assert operation not in BASES, operation
        BASES[operation] = setup
        return setup

    return register


def probe(member: str, found: Probe) -> None:
    assert member not in PROBES, member
    PROBES[member] = found


# -- what probes observe -------------------------------------------------------------------


def dig(value: Any, *path: str | int) -> Any:
    for step in path:
        if isinstance(value, dict):
            value = value.get(step)  # type: ignore[call-overload]
        elif isinstance(value, list) and isinstance(step, int) and step < len(value):
            value = value[step]
        else:
            return None
    return value


def answer(*path: str | int) -> Observe:
    """The error code, or the response's member at ``path``."""

    def observe(_: Ctx, outcome: Outcome) -> Hashable:
        if not outcome.ok:
            return outcome.code
        return _hashable(dig(outcome.response, *path))

    return observe


def _hashable(value: Any) -> Hashable:
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value  # type: ignore[no-any-return]


def then(look: Callable[[Ctx, Outcome], Any]) -> Observe:
    """The error code, or what ``look`` finds after a successful request (a later call)."""

    def observe(ctx: Ctx, outcome: Outcome) -> Hashable:
        if not outcome.ok:
            return outcome.code
        return _hashable(look(ctx, outcome))

    return observe

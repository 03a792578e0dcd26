"""The model-drift half of ``docs/coverage.md``: every input member and every enum value of the
loaded model is served (a probe shows it, drift_survey.py) or listed in ``NOT_SERVED`` with the
reason, and the page's "Parameters", "Enum values" and "Not served" sections."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import botocore
import drift_probes
import drift_tour
from drift_survey import BASES, Clients, Record, enum_values, input_members, run

# What the mock does not serve of the model, each with the reason: (kind, name) -> why. Kinds:
# "operation" (its name), "parameter" ("Operation.Member.Path", "[]" for each list item) and
# "enum value" ("Shape.VALUE"). The test fails when something neither served nor listed is in
# the model, and when something listed is served: the table cannot go stale.
NOT_SERVED: dict[tuple[str, str], str] = {
    ("enum value", "ConnectionStateType.CONNECTING"): (
        "ConnectCustomKeyStore connects within the call (AWS takes minutes), so no answer "
        "shows a store connecting"
    ),
    ("enum value", "ConnectionStateType.DISCONNECTING"): (
        "DisconnectCustomKeyStore disconnects within the call, so no answer shows a store "
        "disconnecting"
    ),
    ("enum value", "KeyMaterialState.PENDING_MULTI_REGION_IMPORT_AND_ROTATION"): (
        "new key material imported into a multi-Region primary key is not tracked per "
        "replica: the mock rotates it in without waiting for the replicas' imports, so its "
        "material is PENDING_ROTATION, never pending the replicas"
    ),
}

TAKEN = "taken"  # in a request the mock served (the member's probe shows it acted on)
ANSWERED = "answered"  # in an answer the mock gave
REFUSED = "refused, as AWS"  # the mock answers AWS's refusal, as AWS no longer takes it


@dataclass
class Drift:
    """What the probes and the tour found, as plain data."""

    # Every input member of the model -> None when its probe shows it served, else why not.
    members: dict[str, str | None] = field(default_factory=dict)
    # Every enum value of the model -> how it is served (TAKEN, ANSWERED...), "" when not.
    values: dict[str, list[str]] = field(default_factory=dict)
    failed_scenarios: dict[str, str] = field(default_factory=dict)

    def unserved(self) -> set[tuple[str, str]]:
        return {("parameter", m) for m, problem in self.members.items() if problem is not None} | {
            ("enum value", v) for v, how in self.values.items() if not how
        }


def survey_drift(record: Record) -> Drift:
    """Send every probe and every tour scenario through clients that note into ``record``
    (which the coverage survey's own requests have noted into too)."""
    clients = Clients(record)
    probes = drift_probes.catalogue(clients)
    drift = Drift()
    for member in input_members():
        probe = probes.get(member)
        operation = member.split(".", 1)[0]
        if probe is None:
            drift.members[member] = "no probe"
        else:
            drift.members[member] = run(clients, member, probe, BASES.get(operation))
    refused, drift.failed_scenarios = drift_tour.tour(clients)
    for value in enum_values():
        how = [TAKEN] if value in record.accepted else []
        how += [ANSWERED] if value in record.produced else []
        how += [REFUSED] if value in refused else []
        drift.values[value] = how
    return drift


def in_model(kind: str, name: str, operations: frozenset[str]) -> bool:
    if kind == "operation":
        return name in operations
    if kind == "parameter":
        return name in set(input_members())
    return name in set(enum_values())


# -- the page ------------------------------------------------------------------------------


def render(drift: Drift) -> list[str]:
    members = drift.members
    by_operation: dict[str, list[str]] = defaultdict(list)
    for member in members:
        by_operation[member.split(".", 1)[0]].append(member)
    served = sum(problem is None for problem in members.values())
    lines = [
        "",
        "## Parameters",
        "",
        "A parameter is served when a probe shows it acted on: two requests through boto3 that",
        "differ only in it answer differently (tests/unit/drift_probes*.py). Nested members",
        "count one by one (`Tags[].TagKey`: `[]` is each item of a list).",
        "",
        "| Operation | Parameters | Served |",
        "|---|---|---|",
    ]
    for operation, names in sorted(by_operation.items()):
        count = sum(members[name] is None for name in names)
        lines.append(f"| {operation} | {len(names)} | {count} |")
    summary = (
        "every parameter is served"
        if served == len(members)
        else f"{len(members) - served} are not (see Not served)"
    )
    lines += ["", f"{served} of {len(members)} input parameters are served: {summary}."]
    lines += _render_values(drift)
    lines += _render_not_served()
    return lines


def _render_values(drift: Drift) -> list[str]:
    shapes: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for value, how in drift.values.items():
        shape, name = value.split(".", 1)
        for kind in how or ["not served"]:
            shapes[shape][kind].append(name)
    served = sum(bool(how) for how in drift.values.values())
    lines = [
        "",
        "## Enum values",
        "",
        f"Each value of each enum of the model: `{TAKEN}` (a request carrying it was served),",
        f"`{ANSWERED}` (an answer of the mock carried it), or `{REFUSED}` (AWS no longer takes it",
        "and the mock answers AWS's refusal). A value can be both taken and answered.",
        "",
        f"| Enum | {TAKEN} | {ANSWERED} | {REFUSED} | not served |",
        "|---|---|---|---|---|",
    ]
    for shape, kinds in sorted(shapes.items()):
        cells = [
            ", ".join(kinds.get(kind, [])) or "-"
            for kind in (TAKEN, ANSWERED, REFUSED, "not served")
        ]
        lines.append(f"| {shape} | " + " | ".join(cells) + " |")
    lines += ["", f"{served} of {len(drift.values)} enum values are served."]
    return lines


def _render_not_served() -> list[str]:
    lines = ["", "## Not served", ""]
    if not NOT_SERVED:
        return [*lines, "Nothing: every operation, parameter and enum value is served."]
    lines += [
        "What the model has and kmsmock does not serve, and why (the test fails when one of",
        "these becomes served, and when the model gains something neither served nor here).",
        "",
        "| Kind | Name | Why |",
        "|---|---|---|",
    ]
    for (kind, name), why in sorted(NOT_SERVED.items()):
        lines.append(f"| {kind} | {name} | {why} |")
    return lines


def version_line() -> str:
    return f"Rendered from botocore {botocore.__version__}'s KMS model."

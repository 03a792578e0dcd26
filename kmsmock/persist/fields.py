"""Reading one JSON object of a state or seed file, with errors that say where and what.

Every problem is a StateFileError worded ``<file>: <place>: <problem>``, the place a path
into the document such as ``keys[2].tags``; an unknown field suggests the closest known one.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Collection, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, NoReturn

from kmsmock.errors import did_you_mean
from kmsmock.persist.state_file_error import StateFileError

_UTC = timezone.utc


def json_type(value: object) -> str:
    """What JSON calls the type of ``value``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def suggestion(name: str, known: Collection[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``known``, else the list of them."""
    return did_you_mean(name, known) or f" (expected one of: {', '.join(sorted(known))})"


class Place:
    """A position in the document, for error messages."""

    def __init__(self, source: str, path: str = "") -> None:
        self.source = source
        self.path = path

    def at(self, part: str | int) -> Place:
        if isinstance(part, int):
            return Place(self.source, f"{self.path}[{part}]")
        return Place(self.source, f"{self.path}.{part}" if self.path else part)

    def fail(self, problem: str) -> NoReturn:
        where = f"{self.path}: " if self.path else ""
        raise StateFileError(f"{self.source}: {where}{problem}")


class Entry:
    """A JSON object with a fixed set of fields, read field by field with type checks."""

    def __init__(
        self, value: Any, place: Place, fields: Collection[str], required: Collection[str] = ()
    ) -> None:
        if not isinstance(value, dict):
            place.fail(f"must be an object; got {json_type(value)}")
        self.place = place
        self.value: dict[str, Any] = value
        for name in value:
            if name not in fields:
                place.at(name).fail(f"unknown field {name!r}{suggestion(name, fields)}")
        for name in required:
            if name not in value:
                place.fail(f"the field {name!r} is required")

    def __contains__(self, name: str) -> bool:
        return self.value.get(name) is not None

    def fail(self, name: str, problem: str) -> NoReturn:
        self.place.at(name).fail(problem)

    def raw(self, name: str) -> Any:
        return self.value.get(name)

    def _typed(self, name: str, kinds: type | tuple[type, ...], what: str) -> Any:
        value = self.value.get(name)
        if value is None:
            return None
        kinds = kinds if isinstance(kinds, tuple) else (kinds,)
        # JSON's true and false are Python bools, which are ints: not a number here.
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            self.fail(name, f"must be {what}; got {json_type(value)}")
        return value

    def text(self, name: str, default: str | None = None) -> str | None:
        value: str | None = self._typed(name, str, "a string")
        return default if value is None else value

    def required_text(self, name: str) -> str:
        value = self.text(name)
        if value is None:
            self.place.fail(f"the field {name!r} is required")
        return value

    def choice(self, name: str, choices: Collection[str], default: str | None = None) -> str | None:
        value = self.text(name, default)
        if value is not None and value not in choices:
            self.fail(name, f"unknown value {value!r}{suggestion(value, choices)}")
        return value

    def integer(self, name: str, *, low: int | None = None, high: int | None = None) -> int | None:
        value: int | None = self._typed(name, int, "a whole number")
        if value is not None and (
            (low is not None and value < low) or (high is not None and value > high)
        ):
            bounds = f"from {low}" if high is None else f"from {low} to {high}"
            self.fail(name, f"must be {bounds}; got {value}")
        return value

    def number(self, name: str) -> float | None:
        value = self._typed(name, (int, float), "a number")
        return None if value is None else float(value)

    def flag(self, name: str) -> bool | None:
        value: bool | None = self._typed(name, bool, "true or false")
        return value

    def date(self, name: str) -> datetime | None:
        value = self.text(name)
        return None if value is None else parse_date(value, self.place.at(name))

    def data(self, name: str) -> bytes | None:
        value = self.text(name)
        return None if value is None else parse_base64(value, self.place.at(name))

    def array(self, name: str) -> Iterator[tuple[Place, Any]]:
        value = self._typed(name, list, "an array")
        for index, item in enumerate(value or ()):
            yield self.place.at(name).at(index), item

    def strings(self, name: str) -> list[str] | None:
        items = []
        for place, item in self.array(name):
            if not isinstance(item, str):
                place.fail(f"must be a string; got {json_type(item)}")
            items.append(item)
        return items if name in self else None

    def string_map(self, name: str) -> dict[str, str] | None:
        value = self._typed(name, dict, "an object of strings")
        if value is None:
            return None
        for key, item in value.items():
            if not isinstance(item, str):
                self.place.at(name).at(key).fail(f"must be a string; got {json_type(item)}")
        return dict(value)

    def entry(
        self, name: str, fields: Collection[str], required: Collection[str] = ()
    ) -> Entry | None:
        value = self.value.get(name)
        return None if value is None else Entry(value, self.place.at(name), fields, required)


def parse_date(text: str, place: Place) -> datetime:
    """An ISO 8601 date and time; UTC when it names no offset."""
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        place.fail(f"not an ISO 8601 date and time such as '2025-01-31T12:00:00Z': {text!r}")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=_UTC)
    return moment.astimezone(_UTC)


def format_date(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_UTC)
    return moment.astimezone(_UTC).isoformat().replace("+00:00", "Z")


def parse_base64(text: str, place: Place) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        place.fail("not valid base64")


def encode_base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def seconds(delta: timedelta) -> float:
    return delta.total_seconds()

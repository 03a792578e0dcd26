"""Serialization by output shape: the compiled plans' edge cases."""

from __future__ import annotations

import json

import pytest

from kmsmock.protocol.model import operation_model
from kmsmock.protocol.serialize import OutputShapeError, serialize_result


def test_a_structure_of_plain_members_drops_none_values() -> None:
    # ListKeys' entries are all strings: the plan passes them through as they are, and falls
    # back to converting (dropping None) when one is missing.
    result = {"Keys": [{"KeyId": "k1", "KeyArn": None}, {"KeyId": "k2"}], "Truncated": False}
    body = json.loads(serialize_result(operation_model("ListKeys"), result))
    assert body == {"Keys": [{"KeyId": "k1"}, {"KeyId": "k2"}], "Truncated": False}


def test_a_member_the_shape_lacks_is_a_kmsmock_bug() -> None:
    result = {"Keys": [{"KeyId": "k1", "Bogus": "x"}], "Truncated": False}
    with pytest.raises(OutputShapeError, match="KeyListEntry has no member 'Bogus'"):
        serialize_result(operation_model("ListKeys"), result)

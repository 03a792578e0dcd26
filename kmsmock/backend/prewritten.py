"""Results an operation writes partly in JSON wire form itself, for speed.

The protocol serializes results by the output shape; for a listing of many flat entries that
costs more than the rest of the request (the encoder takes about 0.9 µs per two-string entry,
so 90 µs for a ListKeys page). An operation that knows its entries' exact form can write them
from a template instead and hand the text over in a ``Prewritten`` result.
"""

from __future__ import annotations

import re
from typing import Any


class Prewritten(dict[str, Any]):
    """A result some of whose members the operation wrote in their JSON wire form itself, in
    ``wire`` (member name → JSON text), because it can write them faster than the encoder
    (a ListKeys page: 100 entries of two strings cost the encoder about 90 µs, a template 15).
    The other members are the dict's own, serialized as usual.

    The operation vouches that each text is what encoding the member would give."""

    __slots__ = ("wire",)

    def __init__(self, members: dict[str, Any], wire: dict[str, str]) -> None:
        super().__init__(members)
        self.wire = wire


# Text that stands between JSON quotes as is, and the encoder would write unchanged: printable
# ASCII but the quote and the backslash (the encoder escapes everything else).
is_plain_json_text = re.compile(r"[ !#-\[\]-~]*").fullmatch

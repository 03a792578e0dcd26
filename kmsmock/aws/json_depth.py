"""JSON decoding that refuses deep nesting instead of failing with RecursionError.

``json.loads`` recurses once per ``[`` or ``{``: a request body or a key policy of ``[`` a few
thousand deep makes it raise RecursionError (and on some interpreters' small thread stacks it
could crash), which surfaced as an internal error. Everything kmsmock decodes from outside -
request bodies, key and identity policies, pagination markers, state files - goes through
``loads``, which refuses nesting deeper than ``MAX_DEPTH`` before decoding, with a
``json.JSONDecodeError`` (a ValueError) as for any other text that is not JSON it can read.

``MAX_DEPTH`` is the limit Jackson's maintainers found safe against stack overflow (the
parser AWS's Java services use: 1000 by default since 2.15, 500 proposed in
FasterXML/jackson-core#1233); no KMS request or policy comes near it (a policy nests 7 deep).
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 500

_decode = json.JSONDecoder().decode
# A string (closed or not: the optional quote makes every attempt succeed, so the scan never
# backtracks), or one bracket.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)


def loads(text: str) -> Any:
    """``json.loads(text)`` for text nested at most ``MAX_DEPTH`` deep; deeper text raises
    ``json.JSONDecodeError`` at the bracket that goes too deep."""
    # Most documents have fewer brackets in all than the limit: two C-speed counts settle it.
    if text.count("[") + text.count("{") > MAX_DEPTH:
        _check_depth(text)
    try:
        return _decode(text)
    except RecursionError:
        # Within the limit but called from a deep stack already: still only "not JSON".
        raise json.JSONDecodeError("nested too deeply to decode", text, 0) from None


def _check_depth(text: str) -> None:
    depth = 0
    for match in _TOKEN.finditer(text):
        char = match.group()[0]
        if char == "[" or char == "{":
            depth += 1
            if depth > MAX_DEPTH:
                raise json.JSONDecodeError(
                    f"nested more than {MAX_DEPTH} deep", text, match.start()
                )
        elif char == "]" or char == "}":
            depth -= 1

"""IAM's ``*`` and ``?`` wildcards, matched without backtracking.

``*`` matches any run of characters (none too, ``/`` and ``:`` too), ``?`` exactly one; a
pattern must cover the whole value. Every wildcard comparison of the policy engine goes
through here: StringLike, ArnLike, Action, Resource (and their Not forms).

A regular expression built from the pattern (``a*b*c`` as ``a.*b.*c``) backtracks: eight
``*`` against a 60-character value that does not match took over five seconds, while the
HTTP endpoint held its lock. Here a pattern is split at its ``*`` into fixed-length pieces:
the first must start the value, the last must end it, and each one between is placed at its
leftmost fit after the one before, which is all a match needs (a later fit never leaves more
room for what follows). Pieces are found with ``str.find``, or, where a ``?`` makes the first
fit of their text the wrong one, by one bit-parallel pass over the value. Each piece's
search starts where the previous one's match ended, so a match takes O(len(pattern) +
len(value)) Python-level steps; in C below them, ``str.find`` is O(len(value) * len(piece))
at worst, and a bit-parallel step works on O(len(piece) / 30) machine words.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from itertools import groupby
from operator import itemgetter

# A pattern after policy-variable substitution: (text, wildcards active) segments. Text that
# came from a variable, or from ${*} and ${?}, is literal even in a Like operator.
Segments = Iterable[tuple[str, bool]]


class _Piece:
    """The text between two ``*``: literal runs and runs of ``?``, a fixed length in all."""

    __slots__ = ("tokens", "length", "literal", "anchor", "offset", "masks", "others")

    def __init__(self, chars: list[tuple[str, bool]]) -> None:
        # ``chars``: (character, whether it is a ``?`` wildcard). Runs of each kind become one
        # token: a str is literal text, an int that many ``?`` in a row.
        tokens: list[str | int] = []
        for any_char, run in groupby(chars, key=itemgetter(1)):
            text = "".join(char for char, _ in run)
            tokens.append(len(text) if any_char else text)
        self.tokens = tuple(tokens)
        self.length = len(chars)
        only = self.tokens[0] if len(self.tokens) == 1 else "" if not self.tokens else None
        # The whole piece when it has no ``?`` (the common case: one startswith/find).
        self.literal = only if isinstance(only, str) else None
        # The first literal run and where it sits in the piece: what str.find looks for.
        self.anchor = ""
        self.offset = 0
        position = 0
        for token in self.tokens:
            if isinstance(token, str):
                self.anchor, self.offset = token, position
                break
            position += token
        # For _scan: bit i of masks[c] is set where the piece's i-th character accepts c;
        # ``others`` is that for characters the piece does not name (only its ``?`` accept).
        self.others = sum(1 << i for i, (_, any_char) in enumerate(chars) if any_char)
        self.masks: dict[str, int] = {}
        for i, (char, any_char) in enumerate(chars):
            if not any_char:
                self.masks[char] = self.masks.get(char, self.others) | 1 << i

    def at(self, value: str, start: int) -> bool:
        """Whether the piece matches ``value`` at ``start`` (which leaves room for it)."""
        if self.literal is not None:
            return value.startswith(self.literal, start)
        for token in self.tokens:
            if isinstance(token, int):
                start += token
            elif value.startswith(token, start):
                start += len(token)
            else:
                return False
        return True

    def find(self, value: str, start: int, stop: int) -> int:
        """The leftmost position >= ``start`` where the piece matches and ends by ``stop``,
        or -1."""
        if self.literal is not None:
            return value.find(self.literal, start, stop)
        last = stop - self.length  # the last position the piece fits at
        if not self.anchor:  # only ``?``: any position that leaves room will do
            return start if start <= last else -1
        # Usually the first place its literal text fits is the answer; else look everywhere.
        found = value.find(self.anchor, start + self.offset, last + self.offset + len(self.anchor))
        if found < 0:
            return -1
        position = found - self.offset
        return position if self.at(value, position) else self._scan(value, position + 1, stop)

    def _scan(self, value: str, start: int, stop: int) -> int:
        """Shift-and: one pass over ``value[start:stop]`` tracks, as the bits of ``state``,
        every position the piece could have started at (one integer operation per character,
        where trying each position in turn would take O(len(piece)) steps at each)."""
        masks, others, top = self.masks, self.others, 1 << (self.length - 1)
        state = 0
        for index, char in enumerate(value[start:stop], start):
            state = ((state << 1) | 1) & masks.get(char, others)
            if state & top:
                return index - self.length + 1
        return -1


class Wildcard:
    """A compiled pattern; ``fullmatch(value)`` says whether it covers all of ``value``."""

    __slots__ = ("_head", "_middle", "_tail", "_starred", "_least")

    def __init__(self, segments: Segments) -> None:
        pieces: list[list[tuple[str, bool]]] = [[]]
        for text, wild in segments:
            for char in text:
                if wild and char == "*":
                    pieces.append([])
                else:
                    pieces[-1].append((char, wild and char == "?"))
        compiled = [_Piece(chars) for chars in pieces]
        self._head = compiled[0]
        self._tail = compiled[-1]
        self._starred = len(compiled) > 1
        # Empty pieces (from ``**`` or a leading/trailing ``*``) constrain nothing.
        self._middle = tuple(p for p in compiled[1:-1] if p.length)
        self._least = sum(p.length for p in compiled) if self._starred else self._head.length

    def fullmatch(self, value: str) -> bool:
        """Whether the pattern matches the whole of ``value`` (case-sensitively)."""
        size = len(value)
        head = self._head
        if not self._starred:
            if head.literal is not None:
                return value == head.literal
            return size == head.length and head.at(value, 0)
        if size < self._least or not head.at(value, 0):
            return False
        tail = self._tail
        end = size - tail.length
        if not tail.at(value, end):
            return False
        position = head.length
        for piece in self._middle:
            found = piece.find(value, position, end)
            if found < 0:
                return False
            position = found + piece.length
        return True


@lru_cache(maxsize=4096)
def compile_segments(segments: tuple[tuple[str, bool], ...]) -> Wildcard:
    """The pattern of substituted policy text (cached: policies are few, requests many)."""
    return Wildcard(segments)


def compile_wildcard(pattern: str) -> Wildcard:
    """The pattern of plain policy text, every ``*`` and ``?`` in it a wildcard."""
    return compile_segments(((pattern, True),))

"""Which area code + exchange prefixes a phonenumbers pattern cannot decide on its own.

The prefix table evaluates each metadata pattern on `NPA NXX 0000`. That is exact for a
prefix only when no branch of the pattern looks at digits 7-10 for it; a few do (Jamaica's
fixed lines are `876 606 0xxx`). This module expands a pattern's regex into its branches,
each a sequence of digit sets, and returns the six-digit prefixes of every branch that
constrains a later digit: numbers with those prefixes are left to phonenumbers itself.
"""

from __future__ import annotations

import itertools
import re._constants as sre_constants
import re._parser as sre_parser
from collections.abc import Iterable
from typing import Any

DIGITS = frozenset("0123456789")
PREFIX_DIGITS = 6
NUMBER_DIGITS = 10
_CATEGORY_DIGIT = sre_constants.CATEGORY_DIGIT
Branch = tuple[frozenset[str], ...]


class UnsupportedPattern(ValueError):
    """The pattern uses a construct this expander does not know."""


def undecided_prefixes(pattern: str, *, prefix_match: bool = False) -> set[int]:
    """Six-digit prefixes (as ints) whose match depends on digits after the sixth.

    `prefix_match` is for leading-digits patterns, which match the start of a number:
    any branch longer than six digits makes its prefixes undecided.
    """
    undecided: set[int] = set()
    for branch in _expand(sre_parser.parse(pattern).data, NUMBER_DIGITS):
        if prefix_match:
            depends = len(branch) > PREFIX_DIGITS
        else:
            depends = len(branch) == NUMBER_DIGITS and any(
                digits != DIGITS for digits in branch[PREFIX_DIGITS:]
            )
        if depends:
            for digits in itertools.product(*[sorted(d) for d in branch[:PREFIX_DIGITS]]):
                undecided.add(int("".join(digits)))
    return undecided


def _expand(items: Iterable[tuple[Any, Any]], limit: int) -> list[Branch]:
    """Every way through a parsed sequence, as digit sets per position (at most `limit`)."""
    branches: list[Branch] = [()]
    for op, value in items:
        options = _expand_node(op, value, limit)
        branches = [b + o for b in branches for o in options if len(b) + len(o) <= limit]
    return branches


def _expand_node(op: Any, value: Any, limit: int) -> list[Branch]:
    if op is sre_constants.LITERAL:
        return [(frozenset(chr(value)),)]
    if op is sre_constants.IN:
        return [(_char_set(value),)]
    if op is sre_constants.BRANCH:
        return [b for alternative in value[1] for b in _expand(alternative, limit)]
    if op is sre_constants.SUBPATTERN:
        return _expand(value[3], limit)
    if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
        low, high, body = value
        once = _expand(body, limit)
        found: list[Branch] = []
        for count in range(low, min(high, limit) + 1):
            for parts in itertools.product(once, repeat=count):
                joined = tuple(itertools.chain.from_iterable(parts))
                if len(joined) <= limit:
                    found.append(joined)
        return found
    raise UnsupportedPattern(f"regex construct {op} is not supported")


def _char_set(items: Iterable[tuple[Any, Any]]) -> frozenset[str]:
    chars: set[str] = set()
    for op, value in items:
        if op is sre_constants.LITERAL:
            chars.add(chr(value))
        elif op is sre_constants.RANGE:
            chars.update(chr(c) for c in range(value[0], value[1] + 1))
        elif op is sre_constants.CATEGORY and value is _CATEGORY_DIGIT:
            chars.update(DIGITS)
        else:
            raise UnsupportedPattern(f"character class item {op} is not supported")
    return frozenset(chars & DIGITS)

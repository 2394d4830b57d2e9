"""Seeded, realistic messy phone numbers: the shapes of SPEC 1.1 in the shares people send."""

from __future__ import annotations

import random

# Area codes that exist (US and Canada), toll-free, Caribbean, and ones that do not.
AREA_CODES = (
    "212",
    "213",
    "305",
    "312",
    "404",
    "415",
    "512",
    "617",
    "702",
    "720",
    "801",
    "206",
    "303",
    "503",
    "602",
    "713",
    "214",
    "916",
    "416",
    "604",
    "514",
    "403",
    "613",
    "905",
    "800",
    "888",
    "877",
    "866",
    "876",
    "787",
    "983",
    "523",
    "900",
    "500",
    "999",
    "123",
    "311",
)
SHAPES = (
    ("({a}) {x}-{l}", 20),
    ("{a}-{x}-{l}", 15),
    ("{a}.{x}.{l}", 8),
    ("{a}{x}{l}", 15),
    ("1{a}{x}{l}", 6),
    ("1-{a}-{x}-{l}", 5),
    ("+1 {a} {x} {l}", 6),
    ("+1{a}{x}{l}", 8),
    ("{a} {x} {l}", 5),
    ("'{a}{x}{l}", 2),
    ('"{a}-{x}-{l}"', 1),
    ("{a}{x}{l}.0", 2),
    ("011 1 {a} {x} {l}", 1),
    ("{a}-{x}-{l} x{e}", 1),
    ("{a}-{x}-{l} ext. {e}", 1),
    ("{a}\u00a0{x}\u00a0{l}", 1),
    ("+44 20 7946 {l}", 1),
    ("{d}.{m}E+09", 1),
    ("{a}-{x}-{l3}", 1),
    ("1-800-FLOWERS", 1),
    ("{fa}{fx}{fl}", 1),
    ("n/a", 1),
)
_WEIGHTS = [weight for _, weight in SHAPES]


def messy_numbers(count: int, *, seed: int = 20261126, duplicate_share: float = 0.02) -> list[str]:
    """`count` values; about `duplicate_share` of them repeat an earlier value."""
    rng = random.Random(seed)
    values: list[str] = []
    for _ in range(count):
        if values and rng.random() < duplicate_share:
            values.append(values[rng.randrange(len(values))])
            continue
        shape = rng.choices(SHAPES, weights=_WEIGHTS)[0][0]
        area = rng.choice(AREA_CODES)
        exchange = f"{rng.randrange(200, 1000):03d}" if rng.random() > 0.01 else "555"
        line = f"{rng.randrange(10_000):04d}"
        values.append(
            shape.format(
                a=area,
                x=exchange,
                l=line,
                l3=line[:3],
                e=rng.randrange(1, 9999),
                d=rng.randrange(2, 10),
                m=rng.randrange(10_000, 99_999),
                fa=_full_width(area),
                fx=_full_width(exchange),
                fl=_full_width(line),
            )
        )
    return values


def _full_width(digits: str) -> str:
    return digits.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})

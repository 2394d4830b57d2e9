"""Seeded, realistic workloads: messy number lists in the shares people send, and exports.

Generated with numpy and polars (a million rows in about a second), so the benchmark can
afford 5,000,000.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import polars as pl

# Area codes: US and Canadian ones and toll-free; rarely another NANP country's, a premium or
# personal one, or one that does not exist.
AREA_CODES = (
    *("212", "213", "305", "312", "404", "415", "512", "617", "702", "720", "801", "206"),
    *("303", "503", "602", "713", "214", "916", "983", "416", "604", "514", "403", "613"),
    *("905", "800", "888", "877", "866"),
)
RARE_AREA_CODES = ("876", "787", "900", "500", "999", "123", "311", "021")
RARE_AREA_SHARE = 0.02
# (shape, share in %): the common ways first; the damaged and foreign ones rare.
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
    ("011 1 {a} {x} {l}", 0.5),
    ("{a}-{x}-{l} x{e}", 0.5),
    ("{a}-{x}-{l} ext. {e}", 0.3),
    ("{a}\u00a0{x}\u00a0{l}", 0.5),
    ("+44 20 7946 {l}", 0.2),
    ("{d}.{m}E+09", 0.5),
    ("{a}-{x}-{l3}", 0.5),
    ("1-800-FLOWERS", 0.1),
    ("{fa}{fx}{fl}", 0.2),
    ("n/a", 0.2),
)
DUPLICATE_SHARE = 0.02
_FULL_WIDTH = {str(d): chr(0xFF10 + d) for d in range(10)}


def messy_numbers(count: int, *, seed: int = 20261126) -> list[str]:
    """`count` values in the shapes above; about 2% repeat another row's value."""
    return messy_series(count, seed=seed).to_list()


def messy_series(count: int, *, seed: int = 20261126) -> pl.Series:
    rng = np.random.default_rng(seed)
    weights = np.array([w for _, w in SHAPES], dtype=float)
    frame = pl.DataFrame(
        {
            "shape": rng.choice(len(SHAPES), size=count, p=weights / weights.sum()),
            "a": np.where(
                rng.random(count) < RARE_AREA_SHARE,
                rng.choice(RARE_AREA_CODES, size=count),
                rng.choice(AREA_CODES, size=count),
            ),
            "x": np.where(rng.random(count) < 0.01, 555, rng.integers(200, 1000, count)),
            "l": rng.integers(0, 10_000, count),
            "e": rng.integers(1, 9999, count),
            "d": rng.integers(2, 10, count),
            "m": rng.integers(10_000, 99_999, count),
        }
    ).with_columns(
        pl.col("x").cast(pl.String),
        pl.col("l").cast(pl.String).str.zfill(4),
        pl.col("e", "d", "m").cast(pl.String),
    )
    parts = {
        "a": pl.col("a"),
        "x": pl.col("x"),
        "l": pl.col("l"),
        "l3": pl.col("l").str.slice(0, 3),
        "e": pl.col("e"),
        "d": pl.col("d"),
        "m": pl.col("m"),
        "fa": pl.col("a").str.replace_many(_FULL_WIDTH),
        "fx": pl.col("x").str.replace_many(_FULL_WIDTH),
        "fl": pl.col("l").str.replace_many(_FULL_WIDTH),
    }
    value = pl.lit(None, dtype=pl.String)
    for position, (shape, _) in enumerate(SHAPES):
        value = pl.when(pl.col("shape") == position).then(_format(shape, parts)).otherwise(value)
    values = frame.select(value.alias("raw")).to_series()
    repeats = rng.random(count) < DUPLICATE_SHARE
    sources = rng.integers(0, count, count)
    return values.scatter(np.flatnonzero(repeats), values.gather(sources[repeats]))


def _format(shape: str, parts: dict[str, pl.Expr]) -> pl.Expr:
    """A shape like '({a}) {x}-{l}' as a polars expression."""
    pieces: list[pl.Expr] = []
    rest = shape
    while rest:
        start = rest.find("{")
        if start < 0:
            pieces.append(pl.lit(rest))
            break
        if start:
            pieces.append(pl.lit(rest[:start]))
        end = rest.index("}", start)
        pieces.append(parts[rest[start + 1 : end]])
        rest = rest[end + 1 :]
    return pl.concat_str(pieces)


def valid_numbers(count: int, *, seed: int) -> pl.Series:
    """E.164 numbers in common US area codes (about 97% valid ones)."""
    rng = np.random.default_rng(seed)
    frame = pl.DataFrame(
        {
            "a": rng.choice(("212", "312", "415", "617", "713", "206", "303", "404", "512"), count),
            "x": rng.integers(200, 1000, count),
            "l": rng.integers(0, 10_000, count),
        }
    )
    return frame.select(
        pl.concat_str(
            pl.lit("+1"), "a", pl.col("x").cast(pl.String), pl.col("l").cast(pl.String).str.zfill(4)
        )
    ).to_series()


def write_workload(folder: Path, *, rows: int, tracking: int, seed: int = 20261126) -> Path:
    """input.csv (rows) and accounts/ (tracking numbers, and the rest in proportion)."""
    rng = random.Random(seed)
    numbers = messy_series(rows, seed=seed)
    routing_ids = [f"RT-{n}" for n in range(1, 101)]
    row_rng = np.random.default_rng(seed + 1)
    batch = pl.DataFrame(
        {
            "Phone Number": numbers,
            "Routing ID": np.where(
                row_rng.random(rows) < 0.9, row_rng.choice(routing_ids, rows), ""
            ),
            "Line Type": np.where(row_rng.random(rows) < 0.02, "fax", "voice"),
            "Site": row_rng.choice(["HQ", "Branch 12", "Clinic, North", "Warehouse"], rows),
        }
    )
    folder.mkdir(parents=True, exist_ok=True)
    batch.write_csv(folder / "input.csv")
    accounts = folder / "accounts"
    accounts.mkdir(exist_ok=True)
    # Some of the batch already in the account: the conflicts the rules find.
    taken = numbers.sample(fraction=0.05, seed=seed)
    share = max(1, taken.len() // 5)
    in_account = pl.concat([taken.head(share), valid_numbers(tracking, seed=seed + 2)])
    pl.DataFrame(
        {
            "id": [f"TN-{n}" for n in range(in_account.len())],
            "number": in_account,
            "routing_id": rng.choice(routing_ids),
        }
    ).write_csv(accounts / "tracking_numbers.csv")
    pl.DataFrame(
        {
            "number": pl.concat(
                [taken.slice(share, share), valid_numbers(tracking // 10, seed=seed + 3)]
            ),
            "active": "true",
        }
    ).write_csv(accounts / "receiving_numbers.csv")
    pl.DataFrame({"number": taken.slice(2 * share, 5)}).write_csv(accounts / "failsafe_numbers.csv")
    users = pl.concat(
        [taken.slice(3 * share, share), valid_numbers(tracking // 100, seed=seed + 4)]
    )
    pl.DataFrame({"user_id": [f"U-{n}" for n in range(users.len())], "number": users}).write_csv(
        accounts / "users.csv"
    )
    requests = pl.concat(
        [taken.slice(4 * share, share), valid_numbers(tracking // 10, seed=seed + 5)]
    )
    pl.DataFrame(
        {
            "port_request_id": [f"PR-{n // 50}" for n in range(requests.len())],
            "number": requests,
            "status": "pending",
        }
    ).write_csv(accounts / "port_requests.csv")
    pl.DataFrame(
        {"routing_id": routing_ids, "name": [f"Route {n}" for n in range(1, 101)]}
    ).write_csv(accounts / "routing.csv")
    return folder / "input.csv"

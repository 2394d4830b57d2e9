"""Tickets for the carrier relations team: fax numbers and international numbers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import polars as pl

from portflow.reports.safety import neutralised, safe_text

UNKNOWN_ACCOUNT = "(account ID not known: pass --account-id)"
# Line breaks, tabs and other control characters would end a table row (or start a new
# line a spreadsheet paste reads as a cell): each run becomes one space.
_CONTROL_RUN = r"[\x00-\x1f\x7f\x85\u{2028}\u{2029}]+"  # polars' regex syntax
_CONTROL = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]+")
# What would end a cell or turn a value into a link, HTML or code: shown, not interpreted.
_MARKDOWN = re.compile(r"([\\|<>\[\]`])")


def _cell(value: object) -> str:
    """A value from the inputs or the account, inert in markdown and in a spreadsheet."""
    if value is None:
        return ""
    text = safe_text(_CONTROL.sub(" ", str(value)).strip(), phone=True)
    return _MARKDOWN.sub(r"\\\1", text)


def _table(frame: pl.DataFrame, columns: Mapping[str, str]) -> list[str]:
    """The rows as `_cell` would write them, worked out column by column (18k fax rows:
    0.27 s cell by cell)."""
    present = {name: title for name, title in columns.items() if name in frame.columns}
    lines = ["| " + " | ".join(present.values()) + " |", "|" + "---|" * len(present)]
    if present and frame.height:
        # Control characters become spaces, so strip_chars strips what Python's strip does.
        text = frame.select(
            pl.col(name).cast(pl.String).str.replace_all(_CONTROL_RUN, " ").str.strip_chars()
            for name in present
        ).select(neutralised(name, phone=True) for name in present)
        cells = [
            pl.col(name).str.replace_all(_MARKDOWN.pattern, r"\${1}").fill_null("")
            for name in present
        ]
        rows = text.select(
            pl.concat_str(pl.lit("| "), pl.concat_str(cells, separator=" | "), pl.lit(" |"))
        )
        lines.extend(rows.to_series().to_list())
    return lines


def fax_ticket(fax: pl.DataFrame, summary: Mapping[str, Any], *, account_id: str | None) -> str:
    account = account_id or UNKNOWN_ACCOUNT
    window = (
        (
            f"{fax.get_column('earliest_completion').min()!s} to "
            f"{fax.get_column('latest_completion').max()!s}"
        )
        if fax.height
        else "n/a"
    )
    lines = [
        f"# Fax Porting Documentation - {_cell(account)}",
        "",
        f"**Subject:** Fax Porting Documentation - {_cell(account)}",
        "**To:** Carrier Relations",
        f"**Account ID:** {_cell(account)}",
        f"**Run:** {summary['run_id']} ({summary['run_date']})",
        f"**Fax numbers:** {fax.height}",
        f"**Expected completion:** {window} (fax ports take 7 to 14 days)",
        "",
        "These numbers passed every portability check and carry fax service; fax lines are",
        "ported by the carrier relations team, not through a port request. Needed from the",
        "customer before the port:",
        "",
        "- [ ] Proof of ownership: a recent bill (no older than 30 days) from the losing carrier",
        "      showing these numbers, the account number and the service address",
        "- [ ] A carrier Letter of Authorisation (LOA) listing these numbers, signed by the",
        "      authorised representative (within the last 90 days)",
        "",
        "## Numbers",
        "",
        *_table(
            fax,
            {
                "e164": "Number",
                "national": "National",
                "country": "Country",
                "number_type": "Type",
                "port_group": "Group",
                "source_file": "File",
                "source_sheet": "Sheet",
                "source_row": "Row",
            },
        ),
        "",
    ]
    return "\n".join(lines)


def international_ticket(
    international: pl.DataFrame, summary: Mapping[str, Any], *, account_id: str | None
) -> str:
    account = account_id or UNKNOWN_ACCOUNT
    lines = [
        f"# International Porting Request - {_cell(account)}",
        "",
        f"**Subject:** International Porting Request - {_cell(account)}",
        "**To:** Carrier Relations",
        f"**Account ID:** {_cell(account)}",
        f"**Run:** {summary['run_id']} ({summary['run_date']})",
        f"**Numbers outside the US and Canada:** {international.height}",
        "",
        "These numbers are valid but outside the US and Canada, so they cannot go through a",
        "US/CA port request. Each country needs its own carrier process; needed from the",
        "customer: a recent bill per number, the local LOA form, and the service address.",
        "Numbers outside the US and Canada that fail another check too (already tracked, in",
        "another port request, a receiving number, an extension...) are not listed here: they",
        "are in the rejects, with every reason.",
        "",
        "## Numbers",
        "",
        *_table(
            international,
            {
                "e164": "Number",
                "country": "Region",
                "raw_number": "As given",
                "source_file": "File",
                "source_sheet": "Sheet",
                "source_row": "Row",
            },
        ),
        "",
    ]
    return "\n".join(lines)

"""Limits on what one input may cost to read: its size, rows, columns, unzipped size, memory.

Customers' files are read unattended; a hostile or broken one (a decompression bomb, a
sheet whose two cells are a million rows and sixteen thousand columns apart, a CSV line
with a million fields) is refused with one line naming the limit and the variable that
raises it, instead of exhausting the machine. The defaults are far above any real list.
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024
DEFAULT_MAX_FILE_MB = 2048  # 10M CSV rows: ~500 MB; 5M xlsx rows stored unzipped: 1.5 GB
DEFAULT_MAX_ROWS = 10_000_000  # per file (Excel itself stops at 1,048,576 per sheet)
DEFAULT_MAX_COLUMNS = 1_000  # a list has a handful; a grid this wide is not a list
DEFAULT_MAX_UNZIPPED_MB = 4096  # a workbook's XML when unzipped (1M rows: ~150 MB)
DEFAULT_MAX_WORKBOOK_MEMORY_MB = 8192  # address space of the process that reads a workbook
DEFAULT_MAX_WORKBOOK_SECONDS = 120  # its CPU time (a 1M-row sheet takes about 5 s)


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = DEFAULT_MAX_FILE_MB * MB
    max_rows: int = DEFAULT_MAX_ROWS
    max_columns: int = DEFAULT_MAX_COLUMNS
    max_unzipped_bytes: int = DEFAULT_MAX_UNZIPPED_MB * MB
    max_workbook_memory_bytes: int = DEFAULT_MAX_WORKBOOK_MEMORY_MB * MB
    max_workbook_seconds: int = DEFAULT_MAX_WORKBOOK_SECONDS


DEFAULT_LIMITS = Limits()


def over(what: str, found: str, limit: str, variable: str) -> str:
    """The one line for a limit exceeded: what, how much, the limit and how to raise it."""
    return (
        f"{what} {found}, over portflow's limit of {limit}; if the file is genuine, set {variable}"
    )


def megabytes(size: int) -> str:
    return f"{size / MB:,.0f} MB" if size >= MB else f"{size / MB:,.1f} MB"

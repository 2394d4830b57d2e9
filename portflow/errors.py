"""The errors portflow raises for bad files, bad configuration and bad usage.

    PortflowError                 base; carries the one-line message the user sees
    ├── UsageError                options that cannot work together (exit 2)
    ├── InputError                an input file that cannot be read (exit 2)
    ├── AccountExportError        an account export that is missing or malformed (exit 2)
    ├── OutputError               the --out folder cannot take the outputs (exit 2)
    ├── ManifestError             the submission manifest cannot be read (exit 2)
    ├── SubmissionRefused         not ready to submit, or nothing to submit (exit 3)
    ├── StateBusy                 the reconciliation state is locked: try again (exit 4)
    ├── PrefectUnavailable        the Prefect API did not answer: nothing ran (exit 4)
    └── PortingSystemError        the porting system refused (exit 2; 4 for a push stopped)
        └── PortingSystemUnavailable   not reachable after retries (exit 4; retryable)

Bad *rows* are not errors: they become reject records and the run goes on.
Each class carries its exit code (`exit_code`); anything else reaching the command line
is a bug (exit 1).
"""

from __future__ import annotations

import re
import sqlite3

EXIT_BUG = 1
EXIT_BAD_INPUT = 2
EXIT_REFUSED = 3
EXIT_UNREACHABLE = 4
MAX_MESSAGE_CHARS = 1000  # a message quotes customers' cells and names: never a screenful
_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")


def shown(text: str, *, limit: int = MAX_MESSAGE_CHARS) -> str:
    """`text` fit for a one-line message: line breaks and control characters become one
    space, and it is cut to `limit` characters."""
    flat = _BREAKS.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def sqlite_busy(error: sqlite3.Error) -> bool:
    """Whether a SQLite error passes by itself (another connection held a lock past the
    timeout), so that running again helps; a read-only file, a full disk or a damaged file
    needs someone to act first."""
    code = getattr(error, "sqlite_errorcode", None)
    return code is None or code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class PortflowError(Exception):
    """Base class: `str(error)` is the single line shown to the user."""

    exit_code: int = EXIT_BAD_INPUT
    retryable: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(shown(message))


class UsageError(PortflowError):
    """Options or arguments that cannot work."""


class InputError(PortflowError):
    """An input file that cannot be read; names the file, sheet and row when known."""

    def __init__(
        self,
        file: str,
        problem: str,
        *,
        sheet: str | None = None,
        row: int | None = None,
    ) -> None:
        self.file = file
        self.sheet = sheet
        self.row = row
        self.problem = problem
        super().__init__(_locate(file, sheet, row) + ": " + problem)


class AccountExportError(PortflowError):
    """An account export table that is missing or malformed."""

    def __init__(
        self,
        table: str,
        problem: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.table = table
        self.file = file
        self.row = row
        self.column = column
        where = _locate(file or table, None, row)
        if column:
            where += f", column {column}"
        super().__init__(
            f"account table {table} ({where}): {problem}"
            if file
            else f"account table {table}: {problem}"
        )


class OutputError(PortflowError):
    """The output folder cannot be created or written."""

    def __init__(self, out: str, problem: str) -> None:
        self.out, self.problem = out, problem
        super().__init__(f"--out {out}: {problem}")


class StateBusy(PortflowError):
    """The reconciliation state could not be read or written in time (another run, a backup
    holding it): temporary, so the exit code of 'try again' (4), not of bad input."""

    exit_code = EXIT_UNREACHABLE
    retryable = True


class PrefectUnavailable(PortflowError):
    """The Prefect API could not be reached (or its temporary server did not start): nothing
    ran; temporary, so exit 4."""

    exit_code = EXIT_UNREACHABLE
    retryable = True


class ManifestError(PortflowError):
    """The manifest file cannot be read or has the wrong shape."""

    def __init__(self, file: str, problem: str) -> None:
        self.file = file
        super().__init__(f"{file}: {problem}")


class SubmissionRefused(PortflowError):
    """The submission was not made: the paperwork is not ready, or no number can go."""

    exit_code = EXIT_REFUSED

    def __init__(self, message: str, *, checklist: tuple[str, ...] = ()) -> None:
        self.checklist = checklist
        super().__init__(message)


class PortingSystemError(PortflowError):
    """The porting system answered with a refusal that retrying cannot fix."""

    def __init__(
        self, message: str, *, status: int | None = None, exit_code: int = EXIT_BAD_INPUT
    ) -> None:
        self.status = status
        self.exit_code = exit_code
        super().__init__(message)


class PortingSystemUnavailable(PortingSystemError):
    """The porting system could not be reached (or kept failing) after retries."""

    retryable = True

    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=EXIT_UNREACHABLE)


def _locate(file: str, sheet: str | None, row: int | None) -> str:
    where = file
    if sheet:
        where += f', sheet "{sheet}"'
    if row is not None:
        where += f", row {row}"
    return where

"""The `portflow` command line (SPEC 4): errors become exit codes with one line on stderr."""

from __future__ import annotations

import dataclasses
import logging
import signal
import sys
import traceback
from collections.abc import Sequence

try:  # a second or so of imports (polars, pandera, ...): Ctrl-C here is no traceback
    import click

    from portflow.cli.batch import check, demo, submit
    from portflow.cli.common import stderr
    from portflow.cli.reconcile import reconcile
    from portflow.cli.serve import serve
    from portflow.cli.system import requests, system_group
    from portflow.errors import EXIT_BAD_INPUT, EXIT_BUG, PortflowError, SubmissionRefused
    from portflow.settings import load_settings
except KeyboardInterrupt:
    sys.stderr.write("portflow: interrupted\n")
    raise SystemExit(130) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log what each step does (to stderr).")
@click.version_option(package_name="portflow")
@click.pass_context
def cli(context: click.Context, verbose: bool) -> None:
    """Check phone-number port lists against an account; report rejects; configure the rest."""
    settings = load_settings()
    if verbose:
        settings = dataclasses.replace(settings, log_level="DEBUG")
    level = getattr(logging, settings.log_level, logging.WARNING)
    handler = logging.StreamHandler(sys.stderr)  # portflow's own records; Prefect has its own
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    library = logging.getLogger("portflow")
    library.addHandler(handler)
    library.setLevel(min(level, logging.INFO))  # INFO still reaches a Prefect run's logs
    context.obj = settings
    if context.invoked_subcommand != "serve":  # serve stops its Prefect server its own way
        signal.signal(signal.SIGTERM, _terminated)


class Terminated(BaseException):
    """SIGTERM (a scheduler's stop, `kill`): unwinds like Ctrl-C, so that outputs stay
    whole and scratch folders holding the customer's data are removed."""


def _terminated(signum: int, frame: object) -> None:
    raise Terminated


for command in (check, submit, demo, requests, reconcile, serve, system_group):
    cli.add_command(command)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: maps errors to SPEC 4 exit codes with one line on stderr."""
    try:
        cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="portflow",
            standalone_mode=False,
        )
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.exceptions.NoArgsIsHelpError as error:  # `portflow`, `portflow system`
        print(error.format_message())
        return EXIT_BAD_INPUT
    except click.UsageError as error:
        context = error.ctx
        where = context.command_path if context else "portflow"
        hint = f" (see {context.command_path} --help)" if context else ""
        stderr.print(f"{where}: error: {error.format_message()}{hint}", markup=False)
        return EXIT_BAD_INPUT
    except click.Abort:
        stderr.print("portflow: interrupted", markup=False)
        return 130
    except Terminated:
        stderr.print("portflow: stopped (SIGTERM)", markup=False)
        return 128 + signal.SIGTERM
    except PortflowError as error:
        if isinstance(error, SubmissionRefused) and error.checklist:
            stderr.print("Readiness checklist:", markup=False)
            for line in error.checklist:
                stderr.print(f"  {line}", markup=False)
        stderr.print(f"portflow: error: {error}", markup=False)
        return error.exit_code
    except Exception:  # a bug: show everything, exit 1
        sys.stderr.write(bounded(traceback.format_exc()))
        return EXIT_BUG
    return 0


def bounded(report: str, *, width: int = 1_000) -> str:
    """A traceback with each line cut at `width` characters: a bug's message may quote a
    whole cell (150,000 characters), and rich's rendering of that spun for minutes."""
    return "".join(
        line + "\n" if len(line) <= width else f"{line[:width]} [... {len(line) - width:,} more]\n"
        for line in report.splitlines()
    )

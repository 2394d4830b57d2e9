"""Submit: check, readiness, port requests per group, pushed once and only once.

Every request's idempotency key comes from its content, so pushing again (a re-run, a
retry, a second submitter at the same moment) returns the requests already made. If the
push stops half-way, what was done is written to `submitted.csv` and the rest is marked
not_submitted: when the porting system stopped answering, the run exits 4 and running it
again finishes the job; when it refused a request, the run exits with that refusal's code
and the rows say to fix it first. Numbers freed since by a cancelled request go in a
follow-up request (see plan.follow_up).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from portflow.errors import (
    OutputError,
    PortingSystemError,
    PortingSystemUnavailable,
    SubmissionRefused,
)
from portflow.manifest import DEFAULT_MAX_PER_REQUEST, Readiness, load_manifest, readiness
from portflow.masking import mask_secrets
from portflow.pipeline import (
    Checked,
    CheckOptions,
    CheckResult,
    Step,
    check_inputs,
    run_directly,
    write_results,
)
from portflow.porting import SQLITE_PREFIX, PortingSystem, opened
from portflow.porting.http import redact
from portflow.porting.models import (
    BLOCKING_STATUSES,
    NumberLine,
    Refusal,
    RequestDraft,
    Submitted,
)
from portflow.porting.plan import follow_up, freed, group_windows, plan_requests
from portflow.readers.headers import TRACKING_SOURCE
from portflow.reports import CHECK_OUTPUTS, SUBMITTED_CSV
from portflow.reports.staging import held
from portflow.settings import load_settings
from rules.outcome import with_refusals

log = logging.getLogger(__name__)

NOT_SUBMITTED = "not_submitted"
# The outcome's own text that quotes a row's cells.
REFUSED = "refused"
MAX_NAMED = 5  # requests named in a message
EXIT_INTERRUPTED = 130  # as a shell reports Ctrl-C


@dataclass(frozen=True)
class SubmitOptions:
    check: CheckOptions
    manifest: Path
    system_url: str
    max_per_request: int | None = None
    # The store may be new without a word: the default embedded one, or the demo's. A store
    # the user named that does not exist is made with a warning (a typo? not mounted?).
    new_system_expected: bool = False


@dataclass(frozen=True)
class Pushed:
    """What the porting system answered, request by request (in plan order, each followed
    by its follow-up request, if any: see plan.follow_up)."""

    answers: tuple[tuple[RequestDraft, Submitted], ...]
    description: str


class PushStopped(PortingSystemError):
    """The push stopped half-way; carries the answers received before it, and the cause's
    exit code (4 when the system stopped answering) and retryability."""

    def __init__(self, error: PortingSystemError, pushed: Pushed) -> None:
        super().__init__(str(error), status=error.status, exit_code=error.exit_code)
        self.retryable = error.retryable
        self.pushed = pushed

    def noted(self, note: str) -> PushStopped:
        """The same stop, its message ending with `note`."""
        error = PortingSystemError(f"{self}; {note}", status=self.status, exit_code=self.exit_code)
        error.retryable = self.retryable
        return PushStopped(error, self.pushed)


class PushInterrupted(BaseException):
    """Ctrl-C or SIGTERM during the push; carries the answers received before it, so that
    what was submitted is written down before the run ends."""

    def __init__(self, interrupt: BaseException, pushed: Pushed) -> None:
        super().__init__(interrupt)
        self.interrupt = interrupt
        self.pushed = pushed


def run_submit(
    options: SubmitOptions, *, step: Step = run_directly, push_step: Step | None = None
) -> CheckResult:
    """Check, then submit each port group; `push_step` runs the push (it alone may retry)."""
    # The manifest first: a mistake in it should not cost a whole check to find.
    loaded = step("read the manifest", load_manifest, options.manifest)
    own = step(
        "read the porting system",
        own_requests,
        options.system_url,
        loaded.manifest.account_id,
    )
    checked = check_inputs(dataclasses.replace(options.check, own_requests=own.ids), step=step)
    # The requests are made from the rows as read (a routing ID or forward-to number that
    # equals a secret is still that ID or number); the reports get them masked, and so
    # does the one free text a request carries, its tracking source.
    configured = checked.outcome.configured
    if loaded.secrets is not None:
        checked.outcome = mask_secrets(checked, loaded.secrets)
        if TRACKING_SOURCE in configured.columns:
            masked = checked.outcome.configured.get_column(TRACKING_SOURCE)
            configured = configured.with_columns(masked)
    if checked.options.account_id is None and loaded.manifest.account_id:
        # The tickets' account ID: --account-id, else the manifest's, else the export's.
        checked.options = dataclasses.replace(
            checked.options, account_id=loaded.manifest.account_id
        )
    ready: Readiness = step(
        "check readiness",
        readiness,
        loaded,
        run_date=options.check.run_date,
        groups=group_windows(configured),
    )
    problem = None
    if not ready.ready:
        missing = sum(not check.ok for check in ready.checks)
        problem = f"not submitted: {missing} item(s) of the readiness checklist are not done"
    elif configured.height == 0:
        fax = checked.outcome.fax.height
        problem = (
            f"not submitted: no voice number passed the check ({fax} fax number(s) did: they "
            "go by ticket, tickets/fax_ticket.md), so there is nothing to submit"
            if fax
            else "not submitted: no number passed the check, so there is nothing to submit"
        )
    if problem:
        # An earlier run's submitted.csv stays: the requests it lists exist (summary: warned).
        write_results(checked, step=step, extra={"readiness": ready.as_dict()})
        raise SubmissionRefused(
            f"{problem} (the check's reports are in {options.check.out})",
            checklist=tuple(ready.lines()),
        )
    assert loaded.secrets is not None  # readiness checked both
    drafts = step(
        "plan port requests",
        plan_requests,
        configured,
        loaded,
        loaded.secrets,
        max_per_request=options.max_per_request
        or loaded.manifest.max_numbers_per_request
        or DEFAULT_MAX_PER_REQUEST,
    )
    # --out is checked and locked before anything is submitted, and stays locked until the
    # outputs that record the submission are written.
    with held(options.check.out, names=(*CHECK_OUTPUTS, SUBMITTED_CSV)):
        try:
            if own.unavailable is not None:
                raise PushStopped(own.unavailable, Pushed((), own.system))
            pushed: Pushed = (push_step or step)(
                "push port requests",
                push_requests,
                options.system_url,
                drafts,
                warn_if_new=not options.new_system_expected,
                answered=AnswerLog(),
            )
        except PushStopped as stopped:
            if own.unavailable is None:
                # Listed again: requests made before the stop (by an earlier attempt of a
                # retried push, or one whose answer was lost) hold their numbers now.
                own = _listed_again(options.system_url, loaded.manifest.account_id, own)
            report = _stopped_report(checked, drafts, ready, own, stopped)
            _write(report, step)
            written = options.check.out / SUBMITTED_CSV
            note = f"what was and was not submitted is in {written}"
            if report.submitted is None:
                note = (
                    f"nothing was submitted (summary.json: numbers_not_submitted); {written} "
                    "is an earlier run's list, kept"
                )
            raise stopped.noted(note) from None
        except PushInterrupted as interrupted:
            cause = PortingSystemError(
                "interrupted (Ctrl-C or SIGTERM)", exit_code=EXIT_INTERRUPTED
            )
            cause.retryable = True
            halted = PushStopped(cause, interrupted.pushed)
            _write(_stopped_report(checked, drafts, ready, own, halted), step)
            raise interrupted.interrupt from None
        return _write(_report(checked, drafts, pushed, ready, own), step)


def _stopped_report(
    checked: Checked,
    drafts: list[RequestDraft],
    ready: Readiness,
    own: OwnRequests,
    stopped: PushStopped,
) -> _Report:
    report = _report(checked, drafts, stopped.pushed, ready, own, stopped=stopped)
    unknown = own.unavailable is not None and not stopped.pushed.answers
    if unknown and (checked.options.out / SUBMITTED_CSV).is_file():
        # Nothing answered, not even which requests this account has: the earlier
        # submitted.csv (which number went in which request) says more than one listing
        # every number not_submitted.
        report = dataclasses.replace(report, submitted=None)
    return report


def _listed_again(url: str, account_id: str | None, before: OwnRequests) -> OwnRequests:
    """This account's requests after a stopped push, or as before it if they cannot be
    listed now."""
    again = own_requests(url, account_id)
    return before if again.unavailable is not None else again


@dataclass(frozen=True)
class OwnRequests:
    """This account's requests in the porting system before the push."""

    ids: frozenset[str] = frozenset()
    # Each number of an active or complete one: (that request, the number as it was sent).
    lines: Mapping[str, tuple[str, NumberLine]] = field(default_factory=dict)
    statuses: Mapping[str, str] = field(default_factory=dict)  # of each request in `lines`
    # The listing failed: the check cannot tell this account's requests from another's, so
    # nothing is pushed (exit 4, as when the push fails).
    unavailable: PortingSystemUnavailable | None = None
    system: str = ""  # the porting system, as its answers name it

    def differences(self, drafts: list[RequestDraft]) -> list[dict[str, str | None]]:
        """Numbers this batch gives another routing or receiving number than the request
        already holding them was made with (that request stands, unchanged)."""
        found = []
        for draft in drafts:
            for line in draft.numbers:
                request_id, held = self.lines.get(line.e164, ("", line))
                for name in ("routing_id", "receiving_number"):
                    if getattr(held, name) != getattr(line, name):
                        found.append(
                            {
                                "port_request_id": request_id,
                                "e164": line.e164,
                                "field": name,
                                "request_has": getattr(held, name),
                                "list_has": getattr(line, name),
                            }
                        )
        return found


def own_requests(url: str, account_id: str | None) -> OwnRequests:
    """This account's requests in the porting system. A refreshed port_requests export
    lists them too; the check leaves their numbers to the push, which reports them as
    submitted earlier (as it does before the export lists them), not IN_OTHER_PORT."""
    if not account_id or (
        url.startswith(SQLITE_PREFIX) and not Path(url[len(SQLITE_PREFIX) :]).exists()
    ):
        return OwnRequests()
    description = redact(url)
    try:
        with opened(url, load_settings(), create=False) as system:
            description = system.description
            ours = system.list_requests(account_id=account_id)
    except PortingSystemUnavailable as error:
        # Without them, a refreshed export's rows of this account's own requests would be
        # IN_OTHER_PORT: the check runs and writes its outputs, nothing is pushed (exit 4).
        log.warning("could not list the porting system's requests: %s", error)
        return OwnRequests(unavailable=error, system=description)
    return OwnRequests(
        frozenset(r.id for r in ours),
        {
            line.e164: (r.id, line)
            for r in sorted(ours, key=lambda r: r.created_at)
            if r.status in BLOCKING_STATUSES
            for line in r.numbers
        },
        {r.id: r.status for r in ours},
    )


class AnswerLog:
    """Every answer of a push, kept across the attempts of a retried one (a Prefect task
    retry runs push_requests again from the start): a request made by an attempt that then
    failed is still this run's. A plain object, which Prefect passes as it is."""

    def __init__(self) -> None:
        self.answers: list[tuple[RequestDraft, Submitted]] = []


def push_requests(
    url: str,
    drafts: list[RequestDraft],
    *,
    warn_if_new: bool = True,
    answered: AnswerLog | None = None,
) -> Pushed:
    """Submit every draft (idempotent: safe to run again after any failure).

    A failure half-way raises PushStopped, which carries the answers received before it
    (by earlier attempts too, with `answered`). Numbers a request was made without because
    another request held them, and which that request has freed since (cancelled), go in
    a follow-up request, pushed right after.
    """
    if warn_if_new:
        _warn_if_new(url)
    answers = (answered or AnswerLog()).answers
    with opened(url, load_settings()) as system:
        try:
            _push(system, drafts, answers)
        except BaseException as interrupt:
            if isinstance(interrupt, Exception):  # PushStopped among them
                raise
            raise PushInterrupted(interrupt, _pushed(answers, system.description)) from None
        return _pushed(answers, system.description)


def _pushed(answers: list[tuple[RequestDraft, Submitted]], description: str) -> Pushed:
    """The first answer to each draft, in the order given: a retried push's later attempts
    answer again what an earlier one made (`created` false), and the first says it was
    made by this run."""
    first: dict[str, tuple[RequestDraft, Submitted]] = {}
    for draft, answer in answers:
        first.setdefault(draft.idempotency_key, (draft, answer))
    return Pushed(tuple(first.values()), description)


def _push(
    system: PortingSystem,
    drafts: list[RequestDraft],
    answers: list[tuple[RequestDraft, Submitted]],
) -> None:
    """push_requests' loop; each answer is appended to `answers` as it comes."""
    queue = list(reversed(drafts))
    while queue:
        draft = queue.pop()
        try:
            answer = system.submit(draft)
        except PortingSystemError as error:
            raise PushStopped(error, _pushed(answers, system.description)) from None
        answers.append((draft, answer))
        moved = sorted(
            {
                r.port_request_id
                for r in answer.already
                if r.port_group and r.port_group != draft.port_group
            }
        )
        if moved:
            log.warning(
                "%s: numbers of port group %s are already in %s, made for another port "
                "group; portflow does not move them: if the group changed (a losing "
                "carrier corrected?), change those requests in the porting system",
                system.description,
                draft.port_group,
                ", ".join(moved),
            )
        if answer.differs and answer.request is not None:
            log.warning(
                "%s was made with another %s than this manifest's; portflow does not "
                "change a request once made: change it in the porting system, or cancel "
                "it there and submit again",
                answer.request.id,
                ", ".join(answer.differs),
            )
        extra = follow_up(draft, answer)
        if extra is not None:
            queue.append(extra)
        request = answer.request
        log.info(
            "%s %s: %s (%d numbers, %d already submitted, %d refused)",
            system.description,
            "created" if answer.created else "already had",
            request.id if request else "no new request",
            len(draft.numbers),
            len(answer.already),
            len(answer.refused),
        )


@dataclass(frozen=True)
class _Report:
    checked: Checked  # refused numbers moved to rejects (IN_OTHER_PORT)
    extra: dict[str, Any]  # readiness and submission, for summary.json
    submitted: pl.DataFrame | None  # submitted.csv (None: leave an earlier one)


def _warn_if_new(url: str) -> None:
    """A store the user named that does not exist is made (a first submission), with a
    warning: after a typo, or with its folder not mounted, the numbers would otherwise be
    submitted again into a new store without a word."""
    if url.startswith(SQLITE_PREFIX) and not Path(url[len(SQLITE_PREFIX) :]).exists():
        log.warning(
            "porting system %s did not exist: a new, empty store is made there; if you "
            "meant an existing one, check the path",
            url,
        )


def _write(report: _Report, step: Step) -> CheckResult:
    """The outputs; if they cannot be written after the push (a full disk), the error says
    the requests exist all the same, and that a re-run writes their record."""
    try:
        return write_results(
            report.checked, step=step, extra=report.extra, submitted=report.submitted
        )
    except OutputError as error:
        made = [r["port_request_id"] for r in report.extra["submission"]["requests"]]
        if not made:
            raise
        shown = ", ".join(made[:MAX_NAMED]) + (", ..." if len(made) > MAX_NAMED else "")
        raise OutputError(
            error.out,
            f"{error.problem}; the porting system has this batch's {len(made)} request(s) "
            f"({shown}) all the same: run the same command again once --out can be "
            "written, to write their record (nothing is submitted twice)",
        ) from None


def _differs_note(difference: Mapping[str, str | None] | None, *, sep: str) -> str:
    """submitted.csv's words for a number its request holds configured otherwise."""
    if difference is None:
        return ""
    return (
        f"{sep}made with {difference['field']} {difference['request_has'] or '(none)'}, not "
        f"this list's {difference['list_has'] or '(none)'}: change it in the porting system"
    )


def _report(
    checked: Checked,
    drafts: list[RequestDraft],
    pushed: Pushed,
    ready: Readiness,
    own: OwnRequests,
    *,
    stopped: PushStopped | None = None,
) -> _Report:
    """The checked batch with refusals moved to rejects, and what to write about it."""
    differs = own.differences(drafts)
    for difference in differs:
        log.warning(
            "%s holds %s with %s %s; this list gives %s: portflow does not change a request "
            "once made: change it in the porting system (or the tracking number after the "
            "port)",
            difference["port_request_id"],
            difference["e164"],
            difference["field"],
            difference["request_has"] or "(none)",
            difference["list_has"] or "(none)",
        )
    differ_by_number = {d["e164"]: d for d in differs}
    answered = {draft.idempotency_key for draft, _ in pushed.answers}
    refused = pl.DataFrame(
        [
            (r.e164, r.port_request_id, r.status)
            for _, answer in pushed.answers
            for r in answer.refused
            if r.status in BLOCKING_STATUSES
        ],
        schema={"e164": pl.String, "port_request_id": pl.String, "status": pl.String},
        orient="row",
    )
    outcome = with_refusals(checked.outcome, refused)
    rows = []
    if stopped is not None and stopped.exit_code == EXIT_INTERRUPTED:
        # The request in flight may have been made: its answer never came.
        why = (
            "the push was interrupted before this request was answered (it may have been "
            "made); run the same command again"
        )
    elif stopped is None or stopped.retryable:
        why = "the push stopped before this request; run the same command again"
    else:  # refused: running again gets the same answer until the cause is fixed
        why = f"not sent: the porting system refused a request ({stopped}); fix that first"
    for draft, answer in pushed.answers:
        request = answer.request
        refused_by = {r.e164: r for r in answer.refused}
        earlier = {r.e164: r for r in answer.already}
        again, free = follow_up(draft, answer), freed(answer)
        for line in draft.numbers:
            if line.e164 in free:  # the follow-up request's rows say where it went
                if again is None or again.idempotency_key not in answered:
                    rows.append(("", line.e164, draft.port_group, NOT_SUBMITTED, why))
            elif line.e164 in refused_by:
                other = refused_by[line.e164]
                detail = f"already in {other.port_request_id} ({other.status})"
                rows.append(("", line.e164, draft.port_group, REFUSED, detail))
            elif line.e164 in earlier:
                held = earlier[line.e164]
                detail = "submitted earlier for this account"
                if held.port_group and held.port_group != draft.port_group:
                    detail += (
                        f", in port group {held.port_group}: if this list's "
                        f"{draft.port_group} is right (a losing carrier corrected?), change "
                        f"{held.port_request_id} in the porting system"
                    )
                detail += _differs_note(differ_by_number.get(line.e164), sep="; ")
                rows.append(
                    (held.port_request_id, line.e164, draft.port_group, held.status, detail)
                )
            elif request is not None:
                note = _differs_note(differ_by_number.get(line.e164), sep="")
                rows.append((request.id, line.e164, draft.port_group, request.status, note))
    # Drafts the push never got to: a number one of this account's requests held before the
    # push is in that request all the same (a failed re-run must not list it not_submitted).
    left = [d for d in drafts if d.idempotency_key not in answered]
    known: dict[str, list[str]] = {}  # request -> the port group of each of its numbers
    for draft in left:
        for line in draft.numbers:
            if line.e164 not in own.lines:
                rows.append(("", line.e164, draft.port_group, NOT_SUBMITTED, why))
                continue
            request_id = own.lines[line.e164][0]
            known.setdefault(request_id, []).append(draft.port_group)
            detail = "submitted earlier for this account" + _differs_note(
                differ_by_number.get(line.e164), sep="; "
            )
            status = own.statuses[request_id]
            rows.append((request_id, line.e164, draft.port_group, status, detail))
    submitted = pl.DataFrame(
        rows,
        schema={
            "port_request_id": pl.String,
            "e164": pl.String,
            "port_group": pl.String,
            "status": pl.String,
            "detail": pl.String,
        },
        orient="row",
    )
    requests: list[dict[str, Any]] = [
        {
            "port_request_id": answer.request.id,
            "port_group": draft.port_group,
            "friendly_name": answer.request.friendly_name,
            "numbers": len(answer.request.numbers),
            "status": answer.request.status,
            "created": answer.created,
            "idempotency_key": draft.idempotency_key,
        }
        for draft, answer in pushed.answers
        if answer.request is not None
    ]
    # Requests of this account that already held some of the batch's numbers (made for
    # another list, or chunked otherwise): they are "already there" too.
    listed = {r["port_request_id"] for r in requests}
    holders: dict[str, list[Refusal]] = {}
    for _, answer in pushed.answers:
        for held in answer.already:
            if held.port_request_id not in listed:
                holders.setdefault(held.port_request_id, []).append(held)
    for request_id in sorted(set(known) - listed - set(holders)):
        requests.append(
            {
                "port_request_id": request_id,
                "port_group": known[request_id][0],
                "friendly_name": None,
                "numbers": len(known[request_id]),  # of this batch
                "status": own.statuses[request_id],
                "created": False,
                "idempotency_key": None,
            }
        )
    requests += [
        {
            "port_request_id": request_id,
            "port_group": held[0].port_group,
            "friendly_name": None,
            "numbers": len({h.e164 for h in held}),  # of this batch
            "status": held[0].status,
            "created": False,
            "idempotency_key": None,
        }
        for request_id, held in sorted(holders.items())
    ]
    submission = {
        "system": pushed.description,
        "complete": not submitted.filter(pl.col("status") == NOT_SUBMITTED).height,
        "stopped_by": str(stopped) if stopped is not None else None,
        "not_updated": [
            {"port_request_id": answer.request.id, "differs": answer.differs}
            for _, answer in pushed.answers
            if answer.differs and answer.request is not None
        ],
        "configuration_differs": differs,
        "requests": requests,
        "created": sum(1 for r in requests if r["created"]),
        "existing": sum(1 for r in requests if not r["created"]),
        "numbers_submitted": submitted.filter(
            ~pl.col("status").is_in([REFUSED, NOT_SUBMITTED])
        ).height,
        "numbers_refused": refused.height,
        "numbers_not_submitted": submitted.filter(pl.col("status") == NOT_SUBMITTED).height,
    }
    extra = {"readiness": ready.as_dict(), "submission": submission}
    return _Report(
        Checked(checked.options, checked.batch, checked.accounts, outcome), extra, submitted
    )

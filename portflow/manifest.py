"""The port request manifest (SPEC 1.3) and its readiness checklist.

The manifest is YAML: what the port form asks for. A missing or stale piece is not an error
but an unchecked item on the checklist; `submit` refuses (exit 3) until every item holds.
The PIN and the carrier account number are SecretStr from the moment they are read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, PositiveInt, SecretStr, ValidationError

from portflow.errors import ManifestError, shown
from portflow.holidays import is_business_day
from portflow.porting.models import MAX_CARRIER_CHARS, BillingSecrets

LOA_MAX_AGE_DAYS = 90
BILL_MAX_AGE_DAYS = 30
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MIN_PIN_CHARS = 4  # carriers' port-out PINs and passcodes have 4 or more
# What people write where a PIN or account number should be, meaning they do not have it.
_PLACEHOLDERS = frozenset({"n/a", "na", "none", "null", "tbd", "tba", "unknown", "pending", "?"})
DEFAULT_MAX_PER_REQUEST = 1000
REQUIRED_AGREEMENTS = {
    "terms_of_service": "Terms of service",
    "porting_authorization": "Porting authorisation",
    "e911_disclosure": "E911 disclosure",
}
_DOCUMENT_MAGIC = {
    b"%PDF-": "PDF",
    b"\x89PNG\r\n\x1a\n": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"GIF8": "GIF",
    b"II*\x00": "TIFF",
    b"MM\x00*": "TIFF",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Address(_Model):
    street: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None


class Person(_Model):
    name: str | None = None
    title: str | None = None
    email: str | None = None
    phone: str | None = None


class Company(_Model):
    name: str | None = None
    address: Address | None = None


class Billing(_Model):
    name: str | None = None  # exactly as on the bill
    address: Address | None = None  # exactly as on the bill
    carrier_account_number: SecretStr | None = None
    pin: SecretStr | None = None


LoaMethod = Literal["signed_by_submitter", "sent_to_responsible_party", "uploaded"]
LOA_METHODS: tuple[str, ...] = get_args(LoaMethod)


class Loa(_Model):
    method: LoaMethod | None = None
    signer: str | None = None
    signed_on: dt.date | None = None
    sent_to: str | None = None
    signed: bool | None = None
    file: str | None = None


class ProofOfOwnership(_Model):
    bill_file: str | None = None
    bill_date: dt.date | None = None


class Manifest(_Model):
    friendly_name: Annotated[str, Field(max_length=200)] | None = None
    account_id: Annotated[str, Field(max_length=200)] | None = None
    losing_carrier: Annotated[str, Field(max_length=MAX_CARRIER_CHARS)] | None = None
    company: Company | None = None
    user: Person | None = None
    billing: Billing | None = None
    authorized_representative: Person | None = None
    agreements: dict[str, bool] | None = None
    loa: Loa | None = None
    proof_of_ownership: ProofOfOwnership | None = None
    requested_port_date: dt.date | None = None
    max_numbers_per_request: PositiveInt | None = None


@dataclass(frozen=True)
class LoadedManifest:
    """The manifest and the folder its document paths are relative to."""

    manifest: Manifest
    path: Path

    def document(self, name: str | None) -> Path | None:
        """A document's path: as given when absolute or `~/...`, else beside the manifest."""
        if not name:
            return None
        candidate = Path(name)
        if name == "~" or name.startswith("~/"):  # `~bill.pdf` is a file name, not a home
            try:
                candidate = candidate.expanduser()
            except RuntimeError:  # no home directory known: taken as written
                pass
        return candidate if candidate.is_absolute() else self.path.parent / candidate

    @property
    def secrets(self) -> BillingSecrets | None:
        billing = self.manifest.billing
        if billing is None or billing.pin is None or billing.carrier_account_number is None:
            return None
        return BillingSecrets(
            carrier_account_number=billing.carrier_account_number, pin=billing.pin
        )

    def paperwork(self) -> dict[str, Any]:
        """What a port request carries of the manifest: everything but the secrets."""
        data = self.manifest.model_dump(
            mode="json", exclude={"billing": {"pin", "carrier_account_number"}}
        )
        loa = self.manifest.loa or Loa()
        documents = {
            "loa_sha256": loa.file if loa.method == "uploaded" else None,
            "bill_sha256": (self.manifest.proof_of_ownership or ProofOfOwnership()).bill_file,
        }
        for key, name in documents.items():
            digest = _sha256(self.document(name))
            if digest is not None:
                data[key] = digest
        return data


def _sha256(path: Path | None) -> str | None:
    """A document's SHA-256 (what the request says was sent), None if it cannot be read."""
    if path is None:
        return None
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:  # not there, a folder, a name too long: the checklist says which
        return None


class _TextDatesLoader(yaml.SafeLoader):
    """YAML's safe loader, but a date stays text for the model to parse: PyYAML's own
    parse of `2026-11-31` is a ValueError with no line, which nothing here would name."""


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_manifest(path: Path) -> LoadedManifest:
    """Read and type-check the YAML; a wrong shape is an error naming the field."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_TextDatesLoader)
    except FileNotFoundError:
        raise ManifestError(str(path), "no such file") from None
    except IsADirectoryError:
        raise ManifestError(str(path), "is a folder, not the manifest file") from None
    except OSError as error:
        raise ManifestError(str(path), f"cannot be read ({error.strerror or error})") from None
    except UnicodeDecodeError:
        raise ManifestError(str(path), "cannot be read: not UTF-8 text") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise ManifestError(str(path), f"{where}not valid YAML") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ManifestError(
            str(path), "must be a mapping of fields (see data/samples/manifest.yaml)"
        )
    billing = data.get("billing")
    for key in ("pin", "carrier_account_number"):
        if isinstance(billing, dict) and isinstance(billing.get(key), int | float):
            raise ManifestError(
                str(path),
                # An example value would be someone's PIN: the message shows none.
                f'billing.{key}: put it in quotes ({key}: "..."); unquoted, YAML '
                "reads it as a number and drops leading zeros",
            )
    try:
        return LoadedManifest(Manifest.model_validate(data), path)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        # Pydantic echoes the input in some messages; the field may be a secret: never echo.
        raise ManifestError(str(path), f"{field}: {first['msg']}") from None


@dataclass(frozen=True)
class Check:
    """One line of the checklist."""

    item: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Readiness:
    checks: tuple[Check, ...]

    @property
    def ready(self) -> bool:
        return all(check.ok for check in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ready": self.ready,
            "checks": [{"item": c.item, "ok": c.ok, "detail": c.detail} for c in self.checks],
        }

    def lines(self) -> list[str]:
        return [f"[{'x' if c.ok else ' '}] {c.item}: {c.detail}" for c in self.checks]


@dataclass(frozen=True)
class GroupWindow:
    """A port group's completion window: a requested port date must fall inside it."""

    port_group: str
    earliest_completion: dt.date
    latest_completion: dt.date | None = None

    @property
    def country(self) -> str:
        return self.port_group.split("-", 1)[0]


def readiness(
    loaded: LoadedManifest, *, run_date: dt.date, groups: Iterable[GroupWindow] = ()
) -> Readiness:
    """The port form's checklist, item by item."""
    m = loaded.manifest
    company, user = m.company or Company(), m.user or Person()
    billing, rep = m.billing or Billing(), m.authorized_representative or Person()
    checks = [
        _present("Friendly name", m.friendly_name),
        _present("Account ID", m.account_id),
        _present("Losing carrier", m.losing_carrier),
        _present("Company name", company.name),
        _fields(
            "Company address",
            company.address or Address(),
            ("street", "city", "state", "postal_code"),
        ),
        _fields("User", user, ("name", "email")),
        _present("Billing name (exactly as on the bill)", billing.name),
        _fields(
            "Billing address (exactly as on the bill)",
            billing.address or Address(),
            ("street", "city", "state", "postal_code"),
        ),
        _secret("Carrier account number", billing.carrier_account_number),
        _secret("PIN", billing.pin, min_chars=MIN_PIN_CHARS),
        _fields("Authorised representative", rep, ("name", "title", "email")),
        *_agreements(m.agreements or {}),
        _loa(loaded, run_date),
        _bill(loaded, run_date),
    ]
    if m.requested_port_date is not None:
        checks.append(_port_date(m.requested_port_date, list(groups)))
    return Readiness(tuple(checks))


def _present(item: str, value: str | None) -> Check:
    return Check(item, bool(value), value if value else "missing")


def _secret(item: str, value: SecretStr | None, *, min_chars: int = 1) -> Check:
    """Given, and not a placeholder (`n/a`, `TBD`...); the detail never shows the value."""
    text = value.get_secret_value().strip() if value is not None else ""
    if not text:
        return Check(item, False, "missing")
    if text.lower() in _PLACEHOLDERS:
        return Check(item, False, "a placeholder (such as n/a or TBD), not the real one")
    if len(text) < min_chars:
        return Check(item, False, f"shorter than {min_chars} characters: ask for the whole one")
    return Check(item, True, "given (not shown)")


def _fields(item: str, model: BaseModel, names: tuple[str, ...]) -> Check:
    missing = [name for name in names if not getattr(model, name)]
    return Check(item, not missing, f"missing {', '.join(missing)}" if missing else "complete")


def _agreements(given: dict[str, bool]) -> list[Check]:
    return [
        Check(
            f"Agreement: {title}",
            given.get(key) is True,
            "accepted" if given.get(key) is True else "not accepted",
        )
        for key, title in REQUIRED_AGREEMENTS.items()
    ]


def _age(signed: dt.date | None, run_date: dt.date, limit: int, what: str) -> str | None:
    """Why a dated document is not current, or None."""
    if signed is None:
        return f"{what} date missing"
    if signed > run_date:
        return f"{what} dated {signed}, after the run date {run_date}"
    if (run_date - signed).days > limit:
        return f"{what} dated {signed} is {(run_date - signed).days} days old (limit {limit})"
    return None


def _loa(loaded: LoadedManifest, run_date: dt.date) -> Check:
    item = "Letter of Authorisation"
    loa = loaded.manifest.loa
    if loa is None or loa.method is None:
        return Check(item, False, f"missing (one of {', '.join(LOA_METHODS)})")
    problems = []
    if loa.method == "signed_by_submitter" and not loa.signer:
        problems.append("signer missing")
    if loa.method == "sent_to_responsible_party":
        if not loa.sent_to:
            problems.append("sent_to missing")
        if loa.signed is not True:
            problems.append("not signed by the responsible party yet")
    if loa.method == "uploaded":
        problem = _document_problem(loaded.document(loa.file), "signed LOA file")
        if problem:
            problems.append(problem)
    stale = _age(loa.signed_on, run_date, LOA_MAX_AGE_DAYS, "signature")
    if stale:
        problems.append(stale)
    if problems:
        return Check(item, False, "; ".join(problems))
    return Check(item, True, f"{loa.method.replace('_', ' ')}, signed {loa.signed_on}")


def _bill(loaded: LoadedManifest, run_date: dt.date) -> Check:
    item = "Proof of ownership (recent bill)"
    proof = loaded.manifest.proof_of_ownership or ProofOfOwnership()
    bill = loaded.document(proof.bill_file)
    problem = _document_problem(bill, "bill file")
    loa = loaded.manifest.loa or Loa()
    if problem is None and loa.method == "uploaded":
        digest = _sha256(bill)
        if digest is not None and digest == _sha256(loaded.document(loa.file)):
            problem = "the bill file is the signed LOA file; the proof is a bill of the lines"
    if problem is None and proof.bill_date is not None:
        problem = _age(proof.bill_date, run_date, BILL_MAX_AGE_DAYS, "bill")
    if problem:
        return Check(item, False, problem)
    dated = f", dated {proof.bill_date}" if proof.bill_date else ""
    return Check(item, True, f"{Path(proof.bill_file or '').name}{dated}")


def _document_problem(path: Path | None, what: str) -> str | None:
    """Why a document cannot be sent: missing, empty, too big, or not a PDF or image."""
    if path is None:
        return f"{what} missing"
    try:
        if path.is_dir():
            return f"{what} {path} is a folder, not a file"
        if not path.is_file():
            return f"{what} {path.name} not found (looked for {path})"
        size = path.stat().st_size
        if size == 0:
            return f"{what} {path.name} is empty"
        if size > MAX_DOCUMENT_BYTES:
            limit = MAX_DOCUMENT_BYTES // 2**20
            return f"{what} {path.name} is {size / 2**20:.0f} MB (limit {limit})"
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as error:  # a name too long, a folder not readable...
        return f"{what} {shown(path.name, limit=60)} cannot be read ({error.strerror or error})"
    if not any(head.startswith(magic) for magic in _DOCUMENT_MAGIC):
        return f"{what} {path.name} is not a PDF or an image"
    return None


def _port_date(requested: dt.date, groups: list[GroupWindow]) -> Check:
    item = "Requested port date"
    countries = sorted({g.country for g in groups} or {"US"})
    if not is_business_day(requested, countries):
        where = " and ".join(countries)
        return Check(item, False, f"{requested} is not a business day (weekend or {where} holiday)")
    early = [g for g in groups if requested < g.earliest_completion]
    if early:
        names = ", ".join(f"{g.port_group} (earliest {g.earliest_completion})" for g in early)
        return Check(item, False, f"{requested} is before the earliest completion of {names}")
    late = [g for g in groups if g.latest_completion and requested > g.latest_completion]
    if late:
        names = ", ".join(f"{g.port_group} (latest {g.latest_completion})" for g in late)
        return Check(
            item,
            False,
            f"{requested} is after the latest completion of {names}; submit closer to the date",
        )
    return Check(item, True, requested.isoformat())

"""The manifest: read strictly, checked like the port form, secrets never shown."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from portflow.errors import ManifestError
from portflow.holidays import is_business_day
from portflow.manifest import GroupWindow, load_manifest, readiness

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
RUN_DATE = dt.date(2026, 11, 26)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(SAMPLES / "documents", tmp_path / "documents")
    shutil.copy(SAMPLES / "manifest.yaml", tmp_path / "manifest.yaml")
    return tmp_path


def edited(folder: Path, old: str, new: str) -> Path:
    path = folder / "manifest.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    return path


def failing(path: Path, *, groups: tuple[GroupWindow, ...] = ()) -> dict[str, str]:
    ready = readiness(load_manifest(path), run_date=RUN_DATE, groups=groups)
    return {c.item: c.detail for c in ready.checks if not c.ok}


def test_the_sample_manifest_is_ready(folder: Path) -> None:
    loaded = load_manifest(folder / "manifest.yaml")
    ready = readiness(
        loaded, run_date=RUN_DATE, groups=[GroupWindow("US-geographic", dt.date(2026, 12, 10))]
    )
    assert ready.ready, ready.lines()
    assert "0482" not in repr(loaded.manifest) and "0482" not in str(ready.as_dict())
    assert "pin" not in loaded.paperwork()["billing"]


@pytest.mark.parametrize(
    ("old", "new", "item", "detail"),
    [
        ('  pin: "0482"\n', "", "PIN", "missing"),
        (
            "  e911_disclosure: true",
            "  e911_disclosure: false",
            "Agreement: E911 disclosure",
            "not accepted",
        ),
        ("    city: BOSTON\n", "", "Billing address (exactly as on the bill)", "missing city"),
        (
            "signed_on: 2026-11-18",
            "signed_on: 2026-08-01",
            "Letter of Authorisation",
            "signature dated 2026-08-01 is 117 days old (limit 90)",
        ),
        (
            "file: documents/acme-loa-signed.pdf",
            "file: documents/missing.pdf",
            "Letter of Authorisation",
            "signed LOA file missing.pdf not found (looked for {folder}/documents/missing.pdf)",
        ),
        (
            "method: uploaded",
            "method: sent_to_responsible_party",
            "Letter of Authorisation",
            "sent_to missing; not signed by the responsible party yet",
        ),
        (
            "bill_date: 2026-11-05",
            "bill_date: 2026-10-01",
            "Proof of ownership (recent bill)",
            "bill dated 2026-10-01 is 56 days old (limit 30)",
        ),
        (
            "requested_port_date: 2026-12-14",
            "requested_port_date: 2026-12-12",
            "Requested port date",
            "2026-12-12 is not a business day (weekend or US holiday)",
        ),
        (
            "requested_port_date: 2026-12-14",
            "requested_port_date: 2026-12-25",
            "Requested port date",
            "2026-12-25 is not a business day (weekend or US holiday)",
        ),
        (
            "requested_port_date: 2026-12-14",
            "requested_port_date: 2026-12-09",
            "Requested port date",
            "2026-12-09 is before the earliest completion of US-geographic (earliest 2026-12-10)",
        ),
        (
            "requested_port_date: 2026-12-14",
            "requested_port_date: 2027-09-01",
            "Requested port date",
            "2027-09-01 is after the latest completion of US-geographic (latest 2026-12-24); "
            "submit closer to the date",
        ),
        (
            '  pin: "0482"',
            '  pin: "482"',
            "PIN",
            "shorter than 4 characters: ask for the whole one",
        ),
        (
            '  pin: "0482"',
            '  pin: "N/A"',
            "PIN",
            "a placeholder (such as n/a or TBD), not the real one",
        ),
        (
            "file: documents/acme-loa-signed.pdf",
            "file: documents/acme-verizon-bill-2026-11.pdf",
            "Proof of ownership (recent bill)",
            "the bill file is the signed LOA file; the proof is a bill of the lines",
        ),
        (
            "file: documents/acme-loa-signed.pdf",
            "file: documents",
            "Letter of Authorisation",
            "signed LOA file {folder}/documents is a folder, not a file",
        ),
        (
            "file: documents/acme-loa-signed.pdf",
            "file: " + "signed copy is attached to the email from Dana " * 6,
            "Letter of Authorisation",
            "signed LOA file signed copy is attached to the email from Dana signed copy … "
            "cannot be read (File name too long)",
        ),
    ],
)
def test_each_missing_or_stale_item_is_named(
    folder: Path, old: str, new: str, item: str, detail: str
) -> None:
    path = edited(folder, old, new)
    window = GroupWindow("US-geographic", dt.date(2026, 12, 10), dt.date(2026, 12, 24))
    assert failing(path, groups=(window,)) == {item: detail.format(folder=folder)}


def test_the_bill_must_be_a_pdf_or_an_image(folder: Path) -> None:
    (folder / "documents" / "acme-verizon-bill-2026-11.pdf").write_text("just text")
    assert failing(folder / "manifest.yaml") == {
        "Proof of ownership (recent bill)": (
            "bill file acme-verizon-bill-2026-11.pdf is not a PDF or an image"
        )
    }
    (folder / "documents" / "acme-verizon-bill-2026-11.pdf").write_bytes(b"")
    assert "is empty" in failing(folder / "manifest.yaml")["Proof of ownership (recent bill)"]


def test_an_empty_manifest_lists_everything_missing(tmp_path: Path) -> None:
    (tmp_path / "manifest.yaml").write_text("")
    missing = failing(tmp_path / "manifest.yaml")
    assert len(missing) == 16 and missing["PIN"] == "missing"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("billing:\n  pin: 0123\n", 'billing.pin: put it in quotes (pin: "...")'),
        ("billing:\n  pin: 4821\n", "billing.pin: put it in quotes"),
        ("billing:\n  carrier_account_number: 8312045567\n", "billing.carrier_account_number"),
        ("friendly_name: [unclosed\n", "line 2: not valid YAML"),
        ("- a list\n", "must be a mapping of fields"),
        ("loa:\n  method: carrier_pigeon\n", "loa.method: Input should be"),
        ("surprise: 1\n", "surprise: Extra inputs are not permitted"),
        ("max_numbers_per_request: 0\n", "max_numbers_per_request: Input should be greater"),
        ("max_numbers_per_request: -3\n", "max_numbers_per_request: Input should be greater"),
        ("billing:\n  pin: '0482'\n  extra: secret\n", "billing.extra: Extra inputs"),
        (f"friendly_name: {'x' * 300}\n", "friendly_name: String should have at most 200"),
        (f"losing_carrier: {'x' * 300}\n", "losing_carrier: String should have at most 200"),
        # Dates that do not exist: PyYAML's own date parse raised a bare ValueError.
        ("loa:\n  signed_on: 2026-11-31\n", "loa.signed_on: Input should be a valid date"),
        ("requested_port_date: 2027-02-29\n", "requested_port_date: Input should be a valid"),
        ("proof_of_ownership:\n  bill_date: 2026-13-05\n", "bill_date: Input should be"),
    ],
)
def test_a_manifest_of_the_wrong_shape_is_one_clear_error(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = tmp_path / "manifest.yaml"
    path.write_text(text)
    with pytest.raises(ManifestError) as error:
        load_manifest(path)
    assert problem in str(error.value) and "0482" not in str(error.value)


def test_a_folder_given_as_the_manifest_is_named_as_such(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="is a folder, not the manifest file"):
        load_manifest(tmp_path)


def test_business_days_skip_weekends_and_federal_holidays() -> None:
    assert is_business_day(dt.date(2026, 12, 14))
    assert not is_business_day(dt.date(2026, 11, 26))  # Thanksgiving
    assert not is_business_day(dt.date(2026, 7, 3))  # Independence Day observed (Friday)
    assert not is_business_day(dt.date(2027, 1, 18))  # Martin Luther King Jr. Day
    assert not is_business_day(dt.date(2026, 12, 13))  # Sunday
    assert is_business_day(dt.date(2026, 12, 28))
    assert not is_business_day(dt.date(2026, 12, 28), ["US", "CA"])  # Boxing Day, observed
    assert not is_business_day(dt.date(2026, 4, 3), ["CA"])  # Good Friday
    assert is_business_day(dt.date(2026, 4, 3), ["US"])


@pytest.mark.parametrize("year", [2021, 2027, 2032])
def test_new_years_day_on_a_saturday_is_observed_on_the_friday_before(year: int) -> None:
    assert dt.date(year + 1, 1, 1).weekday() == 5
    assert not is_business_day(dt.date(year, 12, 31))
    assert is_business_day(dt.date(year, 12, 31), ["CA"])  # Canada observes the Monday
    assert not is_business_day(dt.date(year + 1, 1, 3), ["CA"])


def test_the_request_carries_a_hash_of_each_document_sent(folder: Path) -> None:
    paperwork = load_manifest(folder / "manifest.yaml").paperwork()
    assert len(paperwork["loa_sha256"]) == len(paperwork["bill_sha256"]) == 64
    assert paperwork["loa_sha256"] != paperwork["bill_sha256"]


def test_a_document_under_home_is_found_there(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(folder))
    path = edited(
        folder, "file: documents/acme-loa-signed.pdf", "file: ~/documents/acme-loa-signed.pdf"
    )
    assert failing(path) == {}


def test_a_document_named_with_a_tilde_is_a_file_beside_the_manifest(folder: Path) -> None:
    """`~bill.pdf` is not the home folder of a user named bill.pdf (that was a traceback)."""
    shutil.copy(folder / "documents" / "acme-verizon-bill-2026-11.pdf", folder / "~bill.pdf")
    path = edited(
        folder, "bill_file: documents/acme-verizon-bill-2026-11.pdf", "bill_file: ~bill.pdf"
    )
    assert failing(path) == {}


@pytest.mark.parametrize(
    ("day", "country"),
    [
        (dt.date(2027, 5, 31), "US"),  # Memorial Day
        (dt.date(2027, 6, 18), "US"),  # Juneteenth (a Saturday) observed
        (dt.date(2027, 9, 6), "US"),  # Labor Day
        (dt.date(2027, 5, 24), "CA"),  # Victoria Day
        (dt.date(2027, 7, 1), "CA"),  # Canada Day
        (dt.date(2027, 9, 30), "CA"),  # National Day for Truth and Reconciliation
        (dt.date(2027, 10, 11), "CA"),  # Thanksgiving (Canada)
    ],
)
def test_each_federal_holiday_is_no_business_day(day: dt.date, country: str) -> None:
    assert not is_business_day(day, [country])


def test_a_canadian_groups_port_date_avoids_canadian_holidays(folder: Path) -> None:
    path = edited(folder, "requested_port_date: 2026-12-14", "requested_port_date: 2027-07-01")
    window = GroupWindow("CA-geographic", dt.date(2027, 6, 1), dt.date(2027, 7, 30))
    assert failing(path, groups=(window,)) == {
        "Requested port date": "2027-07-01 is not a business day (weekend or CA holiday)"
    }


@pytest.mark.parametrize(
    ("old", "new", "item", "detail"),
    [
        (
            "signed_on: 2026-11-18",
            "signed_on: 2026-11-27",
            "Letter of Authorisation",
            "signature dated 2026-11-27, after the run date 2026-11-26",
        ),
        ("signed_on: 2026-11-18", "signed_on: 2026-08-28", None, None),  # 90 days: current
        (
            "signed_on: 2026-11-18",
            "signed_on: 2026-08-27",
            "Letter of Authorisation",
            "signature dated 2026-08-27 is 91 days old (limit 90)",
        ),
        ("bill_date: 2026-11-05", "bill_date: 2026-10-27", None, None),  # 30 days: current
        ("requested_port_date: 2026-12-14", "requested_port_date: 2026-12-10", None, None),
        ("requested_port_date: 2026-12-14", "requested_port_date: 2026-12-24", None, None),
    ],
)
def test_dates_are_current_up_to_their_limits_and_not_after_the_run(
    folder: Path, old: str, new: str, item: str | None, detail: str | None
) -> None:
    path = edited(folder, old, new)
    window = GroupWindow("US-geographic", dt.date(2026, 12, 10), dt.date(2026, 12, 24))
    found = failing(path, groups=(window,))
    assert found == ({} if item is None else {item: detail})

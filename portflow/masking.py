"""The manifest's PIN and carrier account number, wherever a customer typed them into a list,
masked in submit's reports (SPEC 1.3: never written to a report unmasked).

Two passes, both on the reports only (the port requests are made from the rows as read):

1. A cell as given (the number, the other input columns, carried ones) that *is* the PIN
   or the account number (spaces, dashes, case and full-width digits aside), or that
   contains an account number of 8 or more characters, becomes `***`.
2. Wherever else a secret stands in a row's text (a note `PIN: 0482`, an extension `ext
   0482`, a reason quoting a cell cut short), the secret itself becomes `***`: the account
   number anywhere (unless it is a phone number), the PIN only as a word of its own, and
   in the reason, remediation and related text only of rows where a cell held it (there,
   `row 1234` is portflow's). A PIN's digits inside a phone number (`(617) 555-0482`), a
   routing ID (`RT-0482`) or a suite (`104823`) are not the PIN.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Sequence

import polars as pl

from portflow.pipeline import Checked
from portflow.porting.http import spaced
from portflow.porting.models import BillingSecrets
from portflow.readers import INPUT_COLUMNS, MASK
from rules.outcome import Outcome

# Report text that may quote a cell as given.
QUOTING = ("reason", "remediation", "related")
MIN_CONTAINED_SECRET = 8  # an account number this long is looked for inside other text too
# Number cells that read as a phone number keep their digits: the account number is often
# the billing telephone number, and its E.164 is in every output anyway.
_PHONE = {"number": "e164", "receiving_number": "receiving_e164"}
_POSITION = "_position"
_NANP_DIGITS = re.compile(r"1?[2-9]\d{2}[2-9]\d{6}")


@dataclasses.dataclass(frozen=True)
class _Secrets:
    pin: str  # letters and digits only, lower case
    account: str
    pin_word: re.Pattern[str] | None  # the PIN as a word of its own
    account_anywhere: re.Pattern[str] | None  # the account number, however spaced
    # The billing telephone number as account number: its E.164 is in every report anyway.
    account_is_phone: bool = False


def mask_secrets(checked: Checked, secrets: BillingSecrets) -> Outcome:
    """The outcome with the manifest's secrets masked in every row of every report frame;
    a warning (on the first input) counts the cells masked whole."""
    found = _patterns(secrets)
    outcome = checked.outcome
    if found is None:
        return outcome
    given = (*INPUT_COLUMNS, *checked.batch.carried)
    masked, cells = {}, 0
    for key in ("rejected", "configured", "fax", "international"):
        frame: pl.DataFrame = getattr(outcome, key)
        present = [name for name in given if name in frame.columns]
        flags = frame.select(_holds(name, found) for name in present)
        cells += sum(int(flags.get_column(name).sum()) for name in present)
        frame = frame.with_columns(
            pl.when(flags.get_column(name)).then(pl.lit(MASK)).otherwise(pl.col(name)).alias(name)
            for name in present
        )
        held = flags.select(pl.any_horizontal(pl.all()).fill_null(False)).to_series()
        quoting = [name for name in QUOTING if name in frame.columns]
        masked[key] = _blot_words(frame, present, quoting, found, held)
    if cells and checked.batch.sources:
        checked.batch.sources[0].warnings.append(
            f"{cells:,} cell(s) held the manifest's PIN or carrier account number: "
            f"they are written as {MASK}"
        )
    return dataclasses.replace(outcome, **masked)


def _patterns(secrets: BillingSecrets) -> _Secrets | None:
    revealed = secrets.revealed()
    pin, account = _compact(revealed["pin"]), _compact(revealed["carrier_account_number"])
    if not (pin or account):
        return None
    anywhere = spaced(account) if len(account) >= MIN_CONTAINED_SECRET else _word(account)
    return _Secrets(
        pin=pin,
        account=account,
        pin_word=re.compile(_word(pin), re.IGNORECASE) if pin else None,
        account_anywhere=re.compile(anywhere, re.IGNORECASE) if account else None,
        account_is_phone=_NANP_DIGITS.fullmatch(account) is not None,
    )


def _word(compact: str) -> str:
    """The secret, however spaced, standing as a word: not after a letter, digit, dash,
    slash or dot, nor after a digit and a space (`555 0482`); not before a letter or digit,
    nor before a separator and a digit."""
    return rf"(?<![\w\-/.])(?<!\d[ .])(?:{spaced(compact)})(?!\w)(?![ .\-/]?\d)"


def _compact(value: str) -> str:
    """Letters and digits only, lower case, full-width ones made ASCII (as _compacted)."""
    return re.sub(r"[^0-9a-z]", "", unicodedata.normalize("NFKC", value).lower())


def _compacted(name: str) -> pl.Expr:
    text = pl.col(name).str.normalize("NFKC").str.to_lowercase()
    return text.str.replace_all(r"[^0-9a-z]", "")


def _holds(name: str, found: _Secrets) -> pl.Expr:
    """Whether the cell is the PIN or the account number, or holds a long account number."""
    compact = _compacted(name)
    hit = pl.lit(False)
    if found.pin:
        hit = hit | (compact == found.pin)
    if found.account:
        hit = hit | (
            compact.str.contains(found.account, literal=True)
            if len(found.account) >= MIN_CONTAINED_SECRET
            else compact == found.account
        )
    if name in _PHONE:
        hit = hit & pl.col(_PHONE[name]).is_null()
    return hit.fill_null(False).alias(name)


def _blot_words(
    frame: pl.DataFrame,
    given: Sequence[str],
    quoting: Sequence[str],
    found: _Secrets,
    held: pl.Series,
) -> pl.DataFrame:
    """`frame` with each secret standing in its cells as given replaced by ***, and in the
    row's report text (reason, remediation, related): the account number anywhere, the PIN
    where one of the row's cells held it (that text quotes them; elsewhere a PIN's digits
    are portflow's own: a row number). Only rows whose text has the secret's letters and
    digits at all (few) are looked at one by one."""
    if not given or frame.height == 0:
        return frame
    maybe = pl.col("_held")
    account_in_text = found.account and not found.account_is_phone
    for name in (*given, *(quoting if account_in_text else ())):
        compact = _compacted(name)
        for secret in (found.pin, found.account):
            if secret:
                maybe = maybe | compact.str.contains(secret, literal=True).fill_null(False)
    candidates = frame.with_row_index(_POSITION).with_columns(_held=held).filter(maybe)
    if candidates.height == 0:
        return frame
    rows = []
    phones = [name for name in _PHONE.values() if name in frame.columns]
    texts = [*given, *quoting]
    for row in candidates.select(_POSITION, "_held", *texts, *phones).iter_rows(named=True):
        fixed = {_POSITION: row[_POSITION]}
        for name in given:
            keep_digits = name in _PHONE and row.get(_PHONE[name]) is not None
            fixed[name] = _blotted(row[name], found, pin=True, account=not keep_digits)
        held_here = row["_held"] or any(fixed[name] != row[name] for name in given)
        for name in quoting:
            # The account number wherever it stands (an export's label may hold it), unless
            # it is a phone number (an E.164 is in every report); the PIN only where a cell
            # held it (else `row 1234` or an extension in portflow's words would go).
            fixed[name] = _blotted(row[name], found, pin=held_here, account=bool(account_in_text))
        rows.append(fixed)
    replaced = pl.DataFrame(rows, schema={_POSITION: pl.UInt32, **{n: pl.String for n in texts}})
    return frame.with_row_index(_POSITION).update(replaced, on=_POSITION).drop(_POSITION)


def _blotted(text: str | None, found: _Secrets, *, pin: bool, account: bool) -> str | None:
    """The text with the secrets asked for masked (read with full-width digits made
    ASCII); unchanged, full-width and all, if it holds none."""
    if not text:
        return text
    plain = unicodedata.normalize("NFKC", text)
    changed = plain
    for pattern in (found.pin_word if pin else None, found.account_anywhere if account else None):
        if pattern is not None:
            changed = pattern.sub(MASK, changed)
    return changed if changed != plain else text

"""Today's date where it matters: in the schedule's timezone, at the scheduled time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def day_in(timezone: str | None, at: dt.datetime | None = None) -> dt.date:
    """The date at `at` (default: now) in `timezone` (default: this machine's)."""
    moment = at or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(ZoneInfo(timezone)).date() if timezone else moment.astimezone().date()

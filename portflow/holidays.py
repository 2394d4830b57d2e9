"""Business days for port dates: weekdays that are not US or Canadian federal holidays."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cache


def is_business_day(day: dt.date, countries: Iterable[str] = ("US",)) -> bool:
    """Monday to Friday, and a working day in every one of `countries` (US, CA)."""
    return day.weekday() < 5 and not any(day in holidays(c, day.year) for c in countries)


@cache
def holidays(country: str, year: int) -> frozenset[dt.date]:
    """Federal holidays as observed (a weekend date moves to the nearest weekday)."""
    if country == "US":
        fixed = [(1, 1), (6, 19), (7, 4), (11, 11), (12, 25)]
        moving = [
            _nth(year, 1, 0, 3),
            _nth(year, 2, 0, 3),
            _last(year, 5, 0),
            _nth(year, 9, 0, 1),
            _nth(year, 10, 0, 2),
            _nth(year, 11, 3, 4),
        ]
        # New Year's Day on a Saturday is observed on the Friday before: in the old year.
        observed = {_observed(dt.date(y, m, d)) for y in (year, year + 1) for m, d in fixed}
        return frozenset({day for day in observed if day.year == year} | set(moving))
    if country == "CA":  # a weekend holiday is observed on the following weekday(s)
        fixed = [(1, 1), (7, 1), (9, 30), (11, 11)]
        victoria = dt.date(year, 5, 24) - dt.timedelta(days=dt.date(year, 5, 24).weekday())
        christmas = _next_weekday(dt.date(year, 12, 25))
        boxing = _next_weekday(max(dt.date(year, 12, 26), christmas + dt.timedelta(days=1)))
        good_friday = _easter(year) - dt.timedelta(days=2)
        return frozenset(
            {_next_weekday(dt.date(year, m, d)) for m, d in fixed}
            | {good_friday, victoria, _nth(year, 9, 0, 1), _nth(year, 10, 0, 2), christmas, boxing}
        )
    return frozenset()


def _nth(year: int, month: int, weekday: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last(year: int, month: int, weekday: int) -> dt.date:
    day = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
    return day - dt.timedelta(days=(day.weekday() - weekday) % 7)


def _next_weekday(day: dt.date) -> dt.date:
    return day + dt.timedelta(days={5: 2, 6: 1}.get(day.weekday(), 0))


def _observed(day: dt.date) -> dt.date:
    return day + dt.timedelta(days={5: -1, 6: 1}.get(day.weekday(), 0))


def _easter(year: int) -> dt.date:
    """Gregorian Easter Sunday (anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)

"""Working days (ngày làm việc) in Vietnam, for deadlines counted in working days.

A working day is any day except Saturdays, Sundays and public holidays (Labour Code 2019
Art. 112). National holidays, the government's yearly swaps (a weekday off in exchange for
a Saturday worked) come from the ``holidays`` package (country "VN"), so nothing here needs
a yearly update except that package. A province adds its own changes in a TOML file::

    # Lạng Sơn 2025 local calendar
    [[day_off]]                 # a day off on top of the national ones
    date = "2025-09-01"
    name = "Nghỉ bù Quốc khánh (tỉnh)"

    [[working_day]]             # "làm bù": a Saturday worked in exchange
    date = 2025-01-04           # TOML date, or a string "YYYY-MM-DD" / "DD/MM/YYYY"
    name = "Làm bù"             # optional in both tables

Only the keys shown are allowed; a date may not be both a day off and a working day.
Local working days override everything, local days off override national make-up Saturdays.
"""

from __future__ import annotations

import tomllib
from array import array
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .clock import parse_date
from .errors import InvalidDate, InvalidInput

_TABLES = {"day_off": "Ngày nghỉ (địa phương)", "working_day": "Làm bù"}
_ENTRY_KEYS = {"date", "name"}
_PAD_YEARS = 5  # extra years built around a request, so neighbouring requests reuse the span


@dataclass(frozen=True)
class LocalChanges:
    days_off: Mapping[date, str] = field(default_factory=dict)
    working_days: Mapping[date, str] = field(default_factory=dict)


def load_calendar(path: str | Path) -> LocalChanges:
    """Read a province's calendar file (format in the module docstring)."""
    where = f"calendar file {path}"
    try:
        # utf-8-sig: files saved by Windows Notepad start with a BOM that TOML rejects
        text = Path(path).read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InvalidInput(f"cannot read {where}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{where} is not UTF-8 text") from exc
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{where} is not valid TOML: {exc}") from exc

    for key in doc:
        if key not in _TABLES:
            raise InvalidInput(f"{where}: unknown key {key!r} (expected day_off, working_day)")
    found: dict[str, dict[date, str]] = {}
    for table, default_name in _TABLES.items():
        entries = doc.get(table, [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise InvalidInput(f"{where}: {table} must be written as [[{table}]] tables")
        days: dict[date, str] = {}
        for i, entry in enumerate(entries, 1):
            label = f"{where}: {table} #{i}"
            unknown = sorted(set(entry) - _ENTRY_KEYS)
            if unknown:
                raise InvalidInput(f"{label}: unknown key {unknown[0]!r} (expected date, name)")
            if "date" not in entry:
                raise InvalidInput(f"{label}: date is missing")
            day = _entry_date(entry["date"], label)
            name = entry.get("name", default_name)
            if not isinstance(name, str) or not name.strip():
                raise InvalidInput(f"{label}: name must be a non-empty string")
            if day in days:
                raise InvalidInput(f"{label}: {day.isoformat()} is listed twice")
            days[day] = name.strip()
        found[table] = days

    both = sorted(found["day_off"].keys() & found["working_day"].keys())
    if both:
        raise InvalidInput(f"{where}: {both[0].isoformat()} is both a day off and a working day")
    return LocalChanges(
        days_off=MappingProxyType(found["day_off"]),
        working_days=MappingProxyType(found["working_day"]),
    )


def _entry_date(value: Any, label: str) -> date:
    # TOML datetimes are dates too (subclass), but a time of day means the user meant
    # something else; refuse rather than silently drop it.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    shown = value.isoformat() if isinstance(value, date) else repr(value)
    problem = f"{label}: bad date {shown} (a date without a time: YYYY-MM-DD or DD/MM/YYYY)"
    if isinstance(value, str):
        try:
            return parse_date(value)
        except InvalidDate as exc:
            raise InvalidInput(problem) from exc
    raise InvalidInput(problem)


class WorkCalendar:
    """Vietnamese national working-day calendar plus optional local changes.

    Counting uses a prefix sum of working days over a span of whole years, rebuilt wider
    whenever a date outside it is asked for, so each query is O(1) (O(log n) to add days).
    Outside the years the ``holidays`` package covers (1901-2100) only weekends and local
    changes count.
    """

    def __init__(self, changes: LocalChanges | None = None) -> None:
        self._changes = changes or LocalChanges()
        self._years = (0, -1)  # built span, inclusive; empty until first use
        self._first = 0  # ordinal of 1 January of the first year
        self._ndays = 0
        self._cum = array("i", [0])  # _cum[i] = working days among the first i days
        self._names: dict[date, str] = {}
        self._makeup: dict[date, str] = {}  # national Saturdays worked in exchange

    def is_working(self, d: date) -> bool:
        i = self._offset(d, d)
        return self._cum[i + 1] != self._cum[i]

    def holiday_name(self, d: date) -> str | None:
        """Name of the local day off or public holiday on ``d`` (even if worked), else None."""
        self._offset(d, d)
        return self._changes.days_off.get(d) or self._names.get(d)

    def working_days(self, since: date, as_of: date) -> int:
        """Working days in (since, as_of]: counting starts the day after (Civil Code Art. 147)."""
        if as_of <= since:
            return 0
        a = since.toordinal() - self._first
        b = as_of.toordinal() - self._first
        if a < 0 or b >= self._ndays:
            self._cover(since, as_of)
            a = since.toordinal() - self._first
            b = as_of.toordinal() - self._first
        return self._cum[b + 1] - self._cum[a + 1]

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (``start`` itself when n is 0)."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        if n == 0:
            return start
        lo = self._offset(start, start) + 1
        target = self._cum[lo] + n
        while self._cum[-1] < target:
            if self._years[1] == date.max.year:
                raise OverflowError(f"{n} working days after {start} is past {date.max}")
            # a year has ~245 working days, so n // 200 more years is enough in one go
            self._cover(start, date(min(date.max.year, self._years[1] + 1 + n // 200), 1, 1))
            lo = start.toordinal() - self._first + 1
            target = self._cum[lo] + n
        return date.fromordinal(self._first + bisect_left(self._cum, target, lo) - 1)

    def exceptions_in(self, year: int) -> list[tuple[date, str, bool]]:
        """`exceptions`, refusing a year outside what the calendar can know."""
        if not 1900 <= year <= 2200:
            from .errors import InvalidInput

            raise InvalidInput(f"year {year} is out of range (1900-2200)")
        return self.exceptions(year)

    def exceptions(self, year: int) -> list[tuple[date, str, bool]]:
        """Weekdays that are not worked and weekend days that are, as (date, name, is_working)."""
        first, last = date(year, 1, 1), date(year, 12, 31)
        self._offset(first, last)
        out: list[tuple[date, str, bool]] = []
        d = first
        while d <= last:
            working = self.is_working(d)
            if working and d.weekday() >= 5:
                name = self._changes.working_days.get(d) or self._makeup.get(d) or "Làm bù"
                out.append((d, name, True))
            elif not working and d.weekday() < 5:
                out.append((d, self.holiday_name(d) or "", False))
            d += timedelta(days=1)
        return out

    def _offset(self, lo: date, hi: date) -> int:
        """Index of ``lo`` in the prefix array, after making sure lo..hi is covered."""
        if lo.toordinal() < self._first or hi.toordinal() >= self._first + self._ndays:
            self._cover(lo, hi)
        return lo.toordinal() - self._first

    def _cover(self, lo: date, hi: date) -> None:
        import holidays  # slow to import; only needed once a date is asked about

        y0, y1 = self._years
        if y0 > y1:  # nothing built yet
            y0, y1 = lo.year, hi.year
        y0 = max(date.min.year, min(y0, lo.year - _PAD_YEARS))
        y1 = min(date.max.year, max(y1, hi.year + _PAD_YEARS))
        # Vietnamese names whatever the machine's locale (the package follows LANG otherwise).
        national = holidays.country_holidays("VN", years=range(y0, y1 + 1), language="vi")
        names = {d: n for d, n in national.items() if y0 <= d.year <= y1}
        makeup = {}
        for w in national.weekend_workdays:
            # the swapped weekday is named after this Saturday: "... (thay cho ngày 26/04/2025)"
            swapped = next((d for d, n in names.items() if n.endswith(f"{w:%d/%m/%Y})")), None)
            makeup[w] = f"Làm bù cho ngày {swapped:%d/%m/%Y}" if swapped else "Làm bù"

        first = date(y0, 1, 1).toordinal()
        ndays = date(y1, 12, 31).toordinal() - first + 1
        work, off = self._changes.working_days, self._changes.days_off
        cum = array("i", [0]) * (ndays + 1)
        total = 0
        for i in range(ndays):
            d = date.fromordinal(first + i)
            if d in work or (d not in off and d not in names and (d.weekday() < 5 or d in makeup)):
                total += 1
            cum[i + 1] = total
        self._years, self._first, self._ndays, self._cum = (y0, y1), first, ndays, cum
        self._names, self._makeup = names, makeup

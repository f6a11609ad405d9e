"""Circular 14 data periods: 15/12 of the year before to 14/6 (half year) or 14/12 (year)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .errors import InvalidInput

_PATTERN = re.compile(r"(\d{4})(H1)?")
FIRST_YEAR, LAST_YEAR = 2024, 2100  # Circular 14 is in force from 1/10/2024


@dataclass(frozen=True, order=True)
class Period:
    """`2026H1` (15/12/2025-14/6/2026) or `2026` (15/12/2025-14/12/2026)."""

    end: date
    start: date
    name: str

    @property
    def half(self) -> bool:
        return self.name.endswith("H1")


def parse_period(text: str | None) -> Period:
    value = (text or "").strip().upper()
    m = _PATTERN.fullmatch(value)
    if m is None or not FIRST_YEAR <= int(m.group(1)) <= LAST_YEAR:
        raise InvalidInput(
            f"unknown period {(text or '').strip()!r}: use YYYYH1 (half year) or YYYY (year), "
            f"e.g. 2026H1 or 2026, from {FIRST_YEAR} to {LAST_YEAR}",
            field="period",
        )
    year = int(m.group(1))
    end = date(year, 6, 14) if m.group(2) else date(year, 12, 14)
    return Period(end, date(year - 1, 12, 15), value)


IN_FORCE = date(2024, 10, 1)  # Circular 14/2024/TT-BCT


def period_problem(p: Period, today: date, form: str = "Form 02") -> str | None:
    """Why `form` cannot exist for `p` today, or None: a period that ended before the
    circular took effect, or one whose data period has not begun."""
    if p.end < IN_FORCE:
        return (f"{p.name} ended on {p.end:%d/%m/%Y}, before Circular 14/2024/TT-BCT took "
                f"effect on {IN_FORCE:%d/%m/%Y}: no {form} is due for it")  # fmt: skip
    if p.start > today:
        return f"{p.name} has not begun: its data period starts on {p.start:%d/%m/%Y}"
    return None

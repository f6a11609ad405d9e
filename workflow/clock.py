"""Time: UTC inside, Asia/Ho_Chi_Minh for people, two accepted date formats."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from .errors import InvalidDate

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MIN_YEAR, MAX_YEAR = 1900, 2199
_ISO = re.compile(r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})")
_DMY = re.compile(r"(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})")


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today's date in Vietnam, which is what "today" means to every user."""
    return now().astimezone(LOCAL_TZ).date()


def parse_date(text: str) -> date:
    value = (text or "").strip()
    if not value:
        raise InvalidDate("date is empty (use YYYY-MM-DD or DD/MM/YYYY)", text)
    day = _parse(value)
    if day is not None:
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            raise InvalidDate(f"date {text!r} is out of range ({MIN_YEAR}-{MAX_YEAR})", text)
        return day
    raise InvalidDate(f"invalid date {text!r} (use YYYY-MM-DD or DD/MM/YYYY)", text)


def _parse(value: str) -> date | None:
    # strptime costs ~10 µs; imports of 100,000 rows parse one date per row.
    m = _ISO.fullmatch(value) or _DMY.fullmatch(value)
    if m is None:
        return None
    y, mo, d = (m["y"], m["m"], m["d"])
    try:
        return date(int(y), int(mo), int(d))
    except ValueError:
        return None


@lru_cache(maxsize=4096)  # imports repeat one instant and the starts of a few thousand days
def local_date(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


@lru_cache(maxsize=4096)
def start_of(day: date) -> datetime:
    """A calendar date as an instant: midnight in Vietnam, in UTC."""
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ).astimezone(UTC)


def iso_local(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).isoformat()


def dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")

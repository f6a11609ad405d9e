"""Time: UTC inside, Asia/Ho_Chi_Minh for people, two accepted date formats."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from .errors import InvalidDate

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
MIN_YEAR, MAX_YEAR = 1900, 2199


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today's date in Vietnam, which is what "today" means to every user."""
    return now().astimezone(LOCAL_TZ).date()


def parse_date(text: str) -> date:
    value = (text or "").strip()
    if not value:
        raise InvalidDate("date is empty (use YYYY-MM-DD or DD/MM/YYYY)", text)
    for fmt in DATE_FORMATS:
        try:
            day = datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            raise InvalidDate(f"date {text!r} is out of range ({MIN_YEAR}-{MAX_YEAR})", text)
        return day
    raise InvalidDate(f"invalid date {text!r} (use YYYY-MM-DD or DD/MM/YYYY)", text)


def local_date(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


def start_of(day: date) -> datetime:
    """A calendar date as an instant: midnight in Vietnam, in UTC."""
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ).astimezone(UTC)


def iso_local(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).isoformat()


def dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")

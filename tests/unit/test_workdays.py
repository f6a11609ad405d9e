"""Working-day arithmetic on real Vietnamese calendars (holidays package data, language vi)."""

from __future__ import annotations

import random
import re
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import holidays
import pytest

from workflow.errors import InvalidInput
from workflow.workdays import LocalChanges, WorkCalendar, load_calendar

LANG_SON = """\
# Lạng Sơn 2025 local calendar
[[day_off]]
date = "2025-09-03"
name = "Nghỉ thêm Quốc khánh (tỉnh)"

[[working_day]]
date = 2025-01-04   # a Saturday worked in exchange, written as a TOML date
name = "Làm bù"
"""

NATIONAL_2025 = [
    (date(2025, 1, 1), "Tết Dương lịch", False),
    (date(2025, 1, 27), "29 Tết", False),
    (date(2025, 1, 28), "Giao thừa Tết Nguyên Đán", False),
    (date(2025, 1, 29), "Tết Nguyên Đán", False),
    (date(2025, 1, 30), "Mùng hai Tết Nguyên Đán", False),
    (date(2025, 1, 31), "Mùng ba Tết Nguyên Đán", False),
    (date(2025, 4, 7), "Ngày Giỗ Tổ Hùng Vương", False),
    (date(2025, 4, 26), "Làm bù cho ngày 02/05/2025", True),
    (date(2025, 4, 30), "Ngày Chiến thắng", False),
    (date(2025, 5, 1), "Ngày Quốc tế Lao động", False),
    (date(2025, 5, 2), "Ngày nghỉ (thay cho ngày 26/04/2025)", False),
    (date(2025, 9, 1), "Quốc khánh", False),
    (date(2025, 9, 2), "Quốc khánh", False),
]


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


@pytest.fixture
def lang_son(tmp_path: Path) -> WorkCalendar:
    path = tmp_path / "lang_son.toml"
    path.write_text(LANG_SON, encoding="utf-8")
    return WorkCalendar(load_calendar(path))


# --- national calendar -------------------------------------------------------------


def test_tet_2025(cal: WorkCalendar) -> None:
    # Official break Sat 25/01 - Sun 02/02/2025: weekdays 27-31/01 are off.
    assert cal.working_days(date(2025, 1, 24), date(2025, 2, 3)) == 1
    # 17/01 (Fri) -> 07/02 (Fri): week of 20/01 (5) + Tết week (0) + week of 03/02 (5)
    assert cal.working_days(date(2025, 1, 17), date(2025, 2, 7)) == 10
    # January 2025: 23 weekdays - 1/1 - 27..31/1
    assert cal.working_days(date(2024, 12, 31), date(2025, 1, 31)) == 17
    assert cal.add_working_days(date(2025, 1, 24), 1) == date(2025, 2, 3)
    assert cal.add_working_days(date(2025, 1, 24), 5) == date(2025, 2, 7)
    assert cal.holiday_name(date(2025, 1, 29)) == "Tết Nguyên Đán"
    # Mùng bốn falls on a Saturday: a holiday, but not an extra weekday off
    assert cal.holiday_name(date(2025, 2, 1)) == "Mùng bốn Tết Nguyên Đán"
    assert cal.is_working(date(2025, 2, 3))
    assert not cal.is_working(date(2025, 1, 31))


def test_tet_2026(cal: WorkCalendar) -> None:
    # Official break Sat 14/02 - Sun 22/02/2026: weekdays 16-20/02 are off.
    assert cal.working_days(date(2026, 2, 13), date(2026, 2, 23)) == 1
    # February 2026 starts on a Sunday: 20 weekdays - 5 days of Tết
    assert cal.working_days(date(2026, 1, 31), date(2026, 2, 28)) == 15
    assert cal.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)
    assert cal.holiday_name(date(2026, 2, 16)) == "Giao thừa Tết Nguyên Đán"


def test_substituted_day_off_and_national_make_up_saturday(cal: WorkCalendar) -> None:
    # 2025: Fri 02/05 is off in exchange for Sat 26/04 worked.
    assert cal.is_working(date(2025, 4, 26))
    assert not cal.is_working(date(2025, 5, 2))
    assert cal.holiday_name(date(2025, 5, 2)) == "Ngày nghỉ (thay cho ngày 26/04/2025)"
    # (Fri 25/04, Mon 05/05]: Sat 26, Mon 28, Tue 29, Mon 5
    assert cal.working_days(date(2025, 4, 25), date(2025, 5, 5)) == 4
    assert cal.add_working_days(date(2025, 4, 25), 1) == date(2025, 4, 26)
    assert cal.add_working_days(date(2025, 4, 29), 1) == date(2025, 5, 5)


def test_half_open_interval(cal: WorkCalendar) -> None:
    friday, monday = date(2025, 3, 7), date(2025, 3, 10)
    assert cal.working_days(friday, friday) == 0
    assert cal.working_days(friday, monday) == 1
    assert cal.working_days(monday, friday) == 0
    assert cal.working_days(friday, date(2025, 3, 8)) == 0  # Saturday
    # since on a holiday: the holiday itself is never counted
    assert cal.working_days(date(2025, 1, 31), date(2025, 2, 3)) == 1


def test_add_working_days_edges(cal: WorkCalendar) -> None:
    assert cal.add_working_days(date(2025, 1, 29), 0) == date(2025, 1, 29)
    with pytest.raises(ValueError):
        cal.add_working_days(date(2025, 1, 1), -1)
    far = cal.add_working_days(date(2025, 1, 1), 5000)  # needs a span ~20 years longer
    assert cal.working_days(date(2025, 1, 1), far) == 5000
    assert cal.is_working(far)


def test_holiday_name_none_on_ordinary_day(cal: WorkCalendar) -> None:
    assert cal.holiday_name(date(2025, 3, 10)) is None


def test_exceptions_2025_national(cal: WorkCalendar) -> None:
    assert cal.exceptions(2025) == NATIONAL_2025


# --- local calendar ----------------------------------------------------------------


def test_local_make_up_saturday_and_day_off(cal: WorkCalendar, lang_son: WorkCalendar) -> None:
    assert not cal.is_working(date(2025, 1, 4))
    assert lang_son.is_working(date(2025, 1, 4))
    assert cal.working_days(date(2025, 1, 3), date(2025, 1, 6)) == 1
    assert lang_son.working_days(date(2025, 1, 3), date(2025, 1, 6)) == 2
    # (Fri 29/08, Fri 05/09]: 1-2/09 national, 3/09 local
    assert cal.working_days(date(2025, 8, 29), date(2025, 9, 5)) == 3
    assert lang_son.working_days(date(2025, 8, 29), date(2025, 9, 5)) == 2
    assert lang_son.holiday_name(date(2025, 9, 3)) == "Nghỉ thêm Quốc khánh (tỉnh)"
    assert lang_son.add_working_days(date(2025, 1, 3), 1) == date(2025, 1, 4)


def test_exceptions_2025_with_local_file(lang_son: WorkCalendar) -> None:
    expected = sorted(
        [
            *NATIONAL_2025,
            (date(2025, 1, 4), "Làm bù", True),
            (date(2025, 9, 3), "Nghỉ thêm Quốc khánh (tỉnh)", False),
        ]
    )
    assert lang_son.exceptions(2025) == expected


def test_local_changes_override_national() -> None:
    changes = LocalChanges(
        days_off={date(2025, 4, 26): "Nghỉ (tỉnh)"},  # a national make-up Saturday
        working_days={date(2025, 5, 2): "Làm việc (tỉnh)"},  # a national day off
    )
    local = WorkCalendar(changes)
    assert not local.is_working(date(2025, 4, 26))
    assert local.is_working(date(2025, 5, 2))
    assert local.working_days(date(2025, 4, 25), date(2025, 5, 5)) == 4  # 28, 29, 2, 5


def test_load_calendar_formats_and_defaults(tmp_path: Path) -> None:
    path = tmp_path / "cal.toml"
    path.write_text(
        '[[day_off]]\ndate = "03/09/2025"\n'
        '[[day_off]]\ndate = 2025-12-31\nname = " Tất niên "\n'
        '[[working_day]]\ndate = "2025-01-04"\n',
        encoding="utf-8",
    )
    changes = load_calendar(str(path))
    assert changes.days_off == {
        date(2025, 9, 3): "Ngày nghỉ (địa phương)",
        date(2025, 12, 31): "Tất niên",
    }
    assert changes.working_days == {date(2025, 1, 4): "Làm bù"}
    assert load_calendar(tmp_path / "cal.toml") == changes


def test_empty_calendar_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.toml"
    path.write_text("# nothing local this year\n", encoding="utf-8")
    assert load_calendar(path) == LocalChanges()


BAD_FILES = [
    ("not toml", "[[day_off]\ndate = 1\n", "is not valid TOML"),
    ("unknown top key", '[[holiday]]\ndate = "2025-01-01"\n', "unknown key 'holiday'"),
    ("unknown entry key", '[[day_off]]\ndate = "2025-01-01"\nnote = "x"\n', "unknown key 'note'"),
    ("missing date", '[[working_day]]\nname = "x"\n', "working_day #1: date is missing"),
    ("impossible date", '[[day_off]]\ndate = "2025-02-30"\n', "bad date '2025-02-30'"),
    ("wrong format", '[[day_off]]\ndate = "2025/01/01"\n', "bad date '2025/01/01'"),
    ("date as number", "[[day_off]]\ndate = 20250101\n", "bad date 20250101"),
    (
        "date with time",
        "[[day_off]]\ndate = 2025-01-01T08:00:00\n",
        "day_off #1: bad date 2025-01-01T08:00:00 (a date without a time",
    ),
    ("not tables", 'day_off = ["2025-01-01"]\n', "day_off must be written as [[day_off]]"),
    ("empty name", '[[day_off]]\ndate = "2025-01-01"\nname = " "\n', "name must be a non-empty"),
    (
        "listed twice",
        '[[day_off]]\ndate = "2025-09-03"\n[[day_off]]\ndate = "03/09/2025"\n',
        "day_off #2: 2025-09-03 is listed twice",
    ),
    (
        "both off and working",
        '[[day_off]]\ndate = "2025-01-04"\n[[working_day]]\ndate = "04/01/2025"\n',
        "2025-01-04 is both a day off and a working day",
    ),
]


@pytest.mark.parametrize(
    ("content", "fragment"), [b[1:] for b in BAD_FILES], ids=[b[0] for b in BAD_FILES]
)
def test_bad_calendar_file(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        load_calendar(path)
    message = str(info.value)
    assert f"calendar file {path}" in message
    assert fragment in message
    assert "\n" not in message


def test_unreadable_and_binary_calendar_files(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    with pytest.raises(InvalidInput, match=re.escape(f"cannot read calendar file {missing}:")):
        load_calendar(missing)
    with pytest.raises(InvalidInput, match=re.escape(f"cannot read calendar file {tmp_path}:")):
        load_calendar(tmp_path)  # a directory
    binary = tmp_path / "latin1.toml"
    binary.write_bytes(b'[[day_off]]\ndate = "2025-01-01"\nname = "Ngh\xec"\n')  # Latin-1
    with pytest.raises(InvalidInput, match=re.escape(f"calendar file {binary} is not UTF-8")):
        load_calendar(binary)


# --- prefix sums -------------------------------------------------------------------


def naive_counter(changes: LocalChanges):
    national = holidays.country_holidays("VN", years=range(1995, 2041), language="vi")

    def is_working(d: date) -> bool:
        if d in changes.working_days:
            return True
        return d not in changes.days_off and national.is_working_day(d)

    def count(since: date, as_of: date) -> int:
        n, d = 0, since + timedelta(days=1)
        while d <= as_of:
            n += is_working(d)
            d += timedelta(days=1)
        return n

    return is_working, count


def test_prefix_sum_extension_matches_naive_count(tmp_path: Path) -> None:
    path = tmp_path / "cal.toml"
    path.write_text(LANG_SON, encoding="utf-8")
    changes = load_calendar(path)
    calendar = WorkCalendar(changes)
    is_working, naive = naive_counter(changes)

    first_2015 = calendar.working_days(date(2015, 2, 13), date(2015, 3, 2))
    assert first_2015 == naive(date(2015, 2, 13), date(2015, 3, 2))
    in_2030 = calendar.working_days(date(2030, 1, 1), date(2030, 12, 31))
    assert in_2030 == naive(date(2030, 1, 1), date(2030, 12, 31))
    # the span was rebuilt with different offsets; old answers must not move
    assert calendar.working_days(date(2015, 2, 13), date(2015, 3, 2)) == first_2015
    assert calendar.working_days(date(1999, 12, 31), date(2000, 1, 3)) == naive(
        date(1999, 12, 31), date(2000, 1, 3)
    )

    rng = random.Random(20250425)
    lo, hi = date(1998, 1, 1).toordinal(), date(2038, 12, 31).toordinal()
    for _ in range(300):
        a = date.fromordinal(rng.randint(lo, hi))
        b = a + timedelta(days=rng.randint(-30, 800))
        assert calendar.working_days(a, b) == naive(a, b), (a, b)
        assert calendar.is_working(b) == is_working(b), b
        n = rng.randint(0, 60)
        got = calendar.add_working_days(a, n)
        assert naive(a, got) == n and (n == 0 or is_working(got)), (a, n, got)


def test_many_calls_are_fast(cal: WorkCalendar) -> None:
    rng = random.Random(7)
    lo, hi = date(2020, 1, 1).toordinal(), date(2030, 12, 31).toordinal()
    pairs = [
        (date.fromordinal(rng.randint(lo, hi)), date.fromordinal(rng.randint(lo, hi)))
        for _ in range(200_000)
    ]
    cal.working_days(date(2020, 1, 1), date(2030, 12, 31))  # build the span outside the timing
    started = time.perf_counter()
    for since, as_of in pairs:
        cal.working_days(since, as_of)
    # a day-by-day loop would need minutes here; O(1) lookups take well under a second
    assert time.perf_counter() - started < 3.0


def test_import_does_not_load_holidays() -> None:
    root = Path(__file__).resolve().parents[2]
    code = "import sys, workflow.workdays; print('holidays' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr

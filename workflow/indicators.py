"""Form 02 indicators: one record per cluster per period, corrections as new versions.

Records are append-only and form one hash chain across the database, in the order
they were written (`seq`). Canonical form 1 of a record is the compact JSON array

    ["form02", 1, seq, code, period, version, data, actor, login, recorded_at, note, prev_hash]

with `data` the record's values as stored (compact JSON, sorted keys, every field
present, absent values null) and `recorded_at` UTC as in workflow/chain.py. SHA-256
of its UTF-8 bytes is the record's hash; the first record links to 64 zeros.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .chain import utc_text
from .errors import InvalidInput
from .form02_fields import FIELDS
from .periods import Period, parse_period
from .validate import code_key

GENESIS = "0" * 64
CANON = 1
WASTEWATER = ("none", "building", "built", "compliant")


FIELD_NAMES = tuple(f.name for f in FIELDS)
_KIND = {f.name: f.kind for f in FIELDS}


@dataclass(frozen=True)
class IndicatorRecord:
    seq: int
    code: str
    period: str
    version: int
    data: str  # compact JSON of every field, as hashed
    actor: str
    db_user: str | None
    recorded_at: datetime
    note: str | None
    prev_hash: str
    hash: str
    canon: int = CANON
    # The lookup key stored beside the record (listings and reports find it by this):
    # not hashed, it is derived from `code`, so `audit verify` recomputes it. None
    # where a store does not keep one.
    code_key: str | None = field(default=None, compare=False)

    @property
    def values(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.data)
        return parsed

    def get(self, name: str) -> Any:
        return self.values.get(name)

    @property
    def period_end(self) -> date:
        return parse_period(self.period).end


def to_data(values: Mapping[str, Any]) -> str:
    full = {k: values.get(k) for k in FIELD_NAMES}
    return json.dumps(full, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def canonical(
    seq: int, code: str, period: str, version: int, data: str, actor: str, login: str | None,
    recorded_at: datetime, note: str | None, prev_hash: str,
) -> bytes:  # fmt: skip
    fields = ["form02", CANON, seq, code, period, version, data, actor, login,
              utc_text(recorded_at), note, prev_hash]  # fmt: skip
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()


def hash_of(r: IndicatorRecord) -> str:
    if r.canon != CANON:
        return ""  # an unknown form never matches
    return hashlib.sha256(
        canonical(
            r.seq,
            r.code,
            r.period,
            r.version,
            r.data,
            r.actor,
            r.db_user,
            r.recorded_at,
            r.note,
            r.prev_hash,
        )
    ).hexdigest()


def build(
    *, seq: int, code: str, period: str, version: int, values: Mapping[str, Any], actor: str,
    login: str, recorded_at: datetime, note: str | None, prev_hash: str,
) -> IndicatorRecord:  # fmt: skip
    data = to_data(values)
    digest = hashlib.sha256(
        canonical(seq, code, period, version, data, actor, login, recorded_at, note, prev_hash)
    ).hexdigest()
    return IndicatorRecord(seq, code, period, version, data, actor, login, recorded_at, note,
                           prev_hash, digest)  # fmt: skip


def clean_value(name: str, value: Any) -> Any:
    """One field in stored form: numbers non-negative, counts whole; blank is None."""
    if name not in _KIND:
        raise InvalidInput(f"unknown indicator {name!r}: use {', '.join(FIELD_NAMES)}", name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    kind = _KIND[name]
    if kind == "choice":
        text = str(value).strip().lower()
        if text not in WASTEWATER:
            raise InvalidInput(
                f"invalid {name} {str(value)!r}: use one of {', '.join(WASTEWATER)}", name
            )
        return text
    number = _number(name, value)
    if number < 0:
        raise InvalidInput(f"invalid {name} {_shown(value)}: must not be negative", name)
    if number > 1e12:
        raise InvalidInput(f"invalid {name} {_shown(value)}: too large", name)
    if kind == "count":
        if number != int(number):
            raise InvalidInput(f"invalid {name} {_shown(value)}: give a whole number", name)
        return int(number)
    return number


def _shown(value: Any) -> str:
    """A value as a user typed it: text quoted, a spreadsheet's dates and numbers as shown
    there, never a Python repr."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M" if value.hour or value.minute else "%d/%m/%Y")
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


def _number(name: str, value: Any) -> float:
    """A figure from a command line, a CSV or a spreadsheet cell.

    Cells holding numbers are taken as they are. Text follows one rule, so that a
    Vietnamese "1.234,5" and an English "1,234.5" both read 1234.5 and nothing is
    silently read a thousand times too small:
    - digits only: a whole number ("1234");
    - both "." and ",": the last one is the decimal mark, the other groups thousands
      ("1.234,5" and "1,234.5" are 1234.5);
    - one mark used more than once: it groups thousands ("1.234.567" is 1234567);
    - one mark used once: the decimal mark ("12,5" and "12.5" are 12.5), except when
      exactly three digits follow it and the whole part is not 0: "1.234" and "1,234"
      could be either, and are refused as ambiguous.
    Nothing else: no exponent ("1e3"), no "inf" or "nan", no "_" between digits.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        what = (
            "a date" if isinstance(value, date)
            else "TRUE/FALSE" if isinstance(value, bool)
            else type(value).__name__
        )  # fmt: skip
        raise InvalidInput(f"invalid {name} {_shown(value)}: give a number, not {what}", name)
    number = _parse_text(name, value) if isinstance(value, str) else float(value)
    if not math.isfinite(number):
        raise InvalidInput(f"invalid {name} {_shown(value)}: not a number", name)
    return number


_DIGITS = re.compile(r"[0-9]+")


def _parse_text(name: str, value: str) -> float:
    text = value.strip()
    sign = text[:1] if text[:1] in "+-" else ""
    body = text[len(sign) :]
    bad = InvalidInput(f"invalid {name} {value!r}: give a number", name)
    if _DIGITS.fullmatch(body):  # never float(text): it reads "1e3", "inf" and "nan"
        return float(sign + body)
    dots, commas = body.count("."), body.count(",")
    if dots and commas:
        mark = "." if body.rfind(".") > body.rfind(",") else ","
        group = "," if mark == "." else "."
        whole, _, frac = body.rpartition(mark)
        if not (_grouped(whole, group) and _DIGITS.fullmatch(frac)):
            raise bad
        return float(f"{sign}{whole.replace(group, '')}.{frac}")
    if not (dots or commas):
        raise bad
    mark = "." if dots else ","
    if dots + commas > 1:
        if not _grouped(body, mark):
            raise bad
        return float(sign + body.replace(mark, ""))
    whole, _, frac = body.partition(mark)
    if not (whole == "" or _DIGITS.fullmatch(whole)) or not _DIGITS.fullmatch(frac):
        raise bad
    if len(frac) == 3 and whole.lstrip("0"):
        raise InvalidInput(
            f"invalid {name} {value!r}: ambiguous, {mark!r} may group thousands or mark "
            f"decimals: write {whole}{frac} for the whole number, or {whole}{mark}{frac}0 "
            "for the decimal",
            name,
        )
    return float(f"{sign}{whole or '0'}.{frac}")


def _grouped(text: str, mark: str) -> bool:
    """Digits in groups of three after the first, separated by `mark`."""
    return re.fullmatch(rf"[0-9]{{1,3}}(?:{re.escape(mark)}[0-9]{{3}})+", text) is not None


def cross_problems(
    values: Mapping[str, Any], industrial_land_ha: float | None, area_ha: float | None = None
) -> list[str]:
    """What is wrong across fields: land within the cluster's industrial land (or, while
    that is not recorded, within its area, of which it is a part), parts within totals."""
    out: list[str] = []
    leased, ready = values.get("leased_ha"), values.get("industrial_land_ready_ha")
    bound, whose = (
        (industrial_land_ha, "the cluster's industrial land")
        if industrial_land_ha is not None
        else (area_ha, "the cluster's area")
    )
    land, what = (bound, whose) if bound is not None else (ready, "industrial_land_ready_ha")
    if leased is not None and land is not None and leased > land:
        out.append(f"leased_ha {leased:g} is more than {what} {land:g} ha")
    if bound is not None and ready is not None and ready > bound:
        out.append(f"industrial_land_ready_ha {ready:g} is more than {whose} {bound:g} ha")
    projects = values.get("projects")
    for part in ("fdi_projects", "operating_projects"):
        n = values.get(part)
        if n is not None and (projects is None or n > projects):
            given = "(not given)" if projects is None else projects
            out.append(f"{part} {n} is more than projects {given}")
    return out


@dataclass(frozen=True)
class ChainProblem:
    seq: int | None
    reason: str


def check_chain(records: Sequence[IndicatorRecord]) -> list[ChainProblem]:
    """Everything wrong with the records' chain: hashes, links, gaps, versions."""
    problems: list[ChainProblem] = []
    prev, expected = GENESIS, 1
    versions: dict[tuple[str, str], int] = {}
    for r in records:
        if r.seq > expected:
            problems += [ChainProblem(s, "missing row") for s in range(expected, r.seq)]
        elif r.seq < expected:
            problems.append(ChainProblem(r.seq, "changed row: seq out of order or repeated"))
        if hash_of(r) != r.hash:
            problems.append(ChainProblem(r.seq, "changed row: content does not match its hash"))
        elif r.prev_hash != prev and r.seq == expected:
            problems.append(
                ChainProblem(r.seq, "changed row: does not link to the record before it")
            )
        if r.code_key is not None and r.code_key != code_key(r.code):
            problems.append(
                ChainProblem(
                    r.seq,
                    f"changed row: its code_key is {r.code_key!r}, expected {code_key(r.code)!r}",
                )
            )
        key = (r.code.upper(), r.period)
        if r.version != versions.get(key, 0) + 1:
            problems.append(ChainProblem(r.seq, f"changed row: version {r.version} out of order"))
        versions[key] = r.version
        prev, expected = r.hash, r.seq + 1
    return problems


@dataclass
class Latest:
    """The newest version of each cluster's record, per period."""

    by_key: dict[tuple[str, str], IndicatorRecord] = field(default_factory=dict)

    @classmethod
    def of(cls, records: Iterable[IndicatorRecord]) -> Latest:
        latest = cls()
        for r in records:
            key = (r.code.upper(), r.period)
            if key not in latest.by_key or latest.by_key[key].version < r.version:
                latest.by_key[key] = r
        return latest

    def for_period(self, period: Period) -> dict[str, IndicatorRecord]:
        """Code key -> the newest record of `period`."""
        return {k[0]: r for k, r in self.by_key.items() if k[1] == period.name}

    def as_of(self, day: date) -> dict[str, IndicatorRecord]:
        """Code key -> the newest record of the latest period ended on or before `day`."""
        out: dict[str, tuple[date, IndicatorRecord]] = {}
        for (code, period), r in self.by_key.items():
            end = parse_period(period).end
            if end <= day and (code not in out or out[code][0] < end):
                out[code] = (end, r)
        return {k: r for k, (_, r) in out.items()}

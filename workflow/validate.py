"""Input rules for codes and free text, shared by the CLI, services and import."""

from __future__ import annotations

import math
import re

from .attributes import CLUSTER_KINDS, DEVELOPER_KINDS
from .errors import InvalidInput
from .text import describe, invisible, nfc

# A code is what staff type on the command line and in spreadsheets; keeping it
# to plain letters, digits, '.', '_' and '-' makes it safe to quote anywhere.
CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
CODE_RULE = "1-32 letters, digits, '.', '_' or '-', starting with a letter or digit"

# Limits are in characters. They are stated in errors; nothing is ever truncated.
LIMITS = {
    "name": 300,
    "locality": 200,
    "developer": 300,
    "ref": 300,
    "note": 4000,
    "actor": 100,
    "industries": 1000,
}

# Unicode category Cc is exactly U+0000-U+001F and U+007F-U+009F; notes may hold
# line breaks and tabs.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_NOTE_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Fields that name or identify something: what people search, compare and read in an
# audit. Zero-width and bidi controls there would give one thing two spellings.
NAMES = frozenset({"code", "name", "locality", "developer", "actor"})


def _refuse_invisible(text: str, field: str) -> None:
    ch = invisible(text)
    if ch is not None:
        raise InvalidInput(
            f"{field} contains an invisible control character {describe(ch)}", field=field
        )


def code_key(code: str) -> str:
    """Codes are unique ignoring case: 'ht1' and 'HT1' are the same cluster."""
    return nfc(code).strip().upper()


def clean_code(code: str) -> str:
    value = nfc(code or "").strip()
    _refuse_invisible(value, "code")
    if not CODE_PATTERN.fullmatch(value):
        shown = value if value.isprintable() else ascii(value)
        raise InvalidInput(f"invalid cluster code {shown!r}: use {CODE_RULE}", field="code")
    return value


def clean_text(value: str | None, field: str, required: bool = False) -> str | None:
    """NFC, surrounding blanks stripped; refuse control characters and over-long text."""
    text = "" if value is None else nfc(value) if field == "note" else nfc(value).strip()
    if not text.strip():
        if required:
            raise InvalidInput(f"{field} is required and must not be empty", field=field)
        return None
    bad = (_NOTE_CONTROL if field == "note" else _CONTROL).search(text)
    if bad:
        raise InvalidInput(
            f"{field} contains a control character (U+{ord(bad.group()):04X})", field=field
        )
    if field in NAMES:
        _refuse_invisible(text, field)
    limit = LIMITS[field]
    if len(text) > limit:
        raise InvalidInput(
            f"{field} is too long: {len(text)} characters (limit {limit})", field=field
        )
    return text


_HECTARES = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)")


def clean_area(value: str | float | None) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        # Digits with one decimal mark, "." or ","; never what else float() reads
        # ("1e3", "inf", "nan", "1_000"), as Form 02 figures (indicators._number).
        if isinstance(value, str) and not _HECTARES.fullmatch(value.strip()):
            raise ValueError(value)
        area = float(value.strip().replace(",", ".") if isinstance(value, str) else value)
    except ValueError:
        raise InvalidInput(
            f"invalid area {value!r}: give hectares as a number", "area_ha"
        ) from None
    if not math.isfinite(area) or area < 0 or area > 100_000:
        raise InvalidInput(f"invalid area {value!r}: must be between 0 and 100000 ha", "area_ha")
    return area


def clean_hectares(value: str | float | None, field: str) -> float | None:
    """A land figure in hectares (0-100000), as `clean_area` checks the area."""
    try:
        return clean_area(value)
    except InvalidInput as exc:
        raise InvalidInput(str(exc).replace("area", field.replace("_", " "), 1), field) from None


def clean_choice(value: str | None, field: str, choices: tuple[str, ...]) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if text not in choices:
        raise InvalidInput(
            f"invalid {field} {text!r}: use one of {', '.join(choices)}", field=field
        )
    return text


def clean_attribute(name: str, value: str | float | None) -> str | float | None:
    """One cluster attribute (attributes.ATTRIBUTES) in stored form, or a refusal."""
    # Import checks every fact of every row, and most are blank: answer those at once.
    if value is None and name != "name":
        return None
    if name == "area_ha":
        return clean_area(value)
    if name == "industrial_land_ha":
        return clean_hectares(value, name)
    if name in ("developer_kind", "kind"):
        choices = DEVELOPER_KINDS if name == "developer_kind" else CLUSTER_KINDS
        return clean_choice(None if value is None else str(value), name, choices)
    return clean_text(None if value is None else str(value), name, required=name == "name")


def check_land(area_ha: float | None, industrial_land_ha: float | None) -> None:
    """Industrial land is part of the cluster's area (Decree 32 Art. 2.6)."""
    if area_ha is not None and industrial_land_ha is not None and industrial_land_ha > area_ha:
        raise InvalidInput(
            f"industrial land {industrial_land_ha:g} ha is more than the area {area_ha:g} ha",
            field="industrial_land_ha",
        )

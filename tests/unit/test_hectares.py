"""Areas and land figures read as Form 02 figures are: digits and one decimal mark."""

from __future__ import annotations

import pytest

from workflow.errors import InvalidInput
from workflow.validate import clean_area, clean_hectares


@pytest.mark.parametrize(
    ("text", "ha"), [("12,5", 12.5), ("12.5", 12.5), (" 7 ", 7.0), (".5", 0.5), ("75", 75.0)]
)
def test_hectares_with_either_decimal_mark(text: str, ha: float) -> None:
    assert clean_area(text) == ha


@pytest.mark.parametrize("text", ["1e3", "1E3", "inf", "nan", "Infinity", "1_000", "1.234,5"])
def test_what_float_reads_but_a_person_does_not_write_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match=f"invalid area '{text}': give hectares as a number"):
        clean_area(text)
    with pytest.raises(InvalidInput, match="invalid industrial land"):
        clean_hectares(text, "industrial_land_ha")

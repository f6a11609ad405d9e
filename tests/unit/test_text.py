"""Text rules on their own: invisible characters, and folding for --locality and --search."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from workflow.text import INVISIBLE, fold, invisible


def nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def test_every_listed_invisible_character_is_refused() -> None:
    listed = [*range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2065),
              *range(0x2066, 0x206A), 0xFEFF, 0x061C, 0x180E]  # fmt: skip
    for cp in listed:
        assert invisible(f"a{chr(cp)}b") == chr(cp), hex(cp)
        assert chr(cp) in INVISIBLE or unicodedata.category(chr(cp)) == "Cf"
    assert invisible("Cụm công nghiệp Đình Lập") is None


def test_fold_examples() -> None:
    key = fold("Đình Lập")
    assert key == "dinh lap"
    for typed in ("dinh lap", "ĐÌNH LẬP", nfd("Đình Lập"), "  đình   lập ", "DINH\tLAP"):
        assert fold(typed) == key, typed


VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợ" \
    "ùủũúụừửữứựỳỷỹýỵ "  # fmt: skip


@given(st.text())
def test_fold_is_idempotent_and_ignores_normal_form(s: str) -> None:
    assert fold(fold(s)) == fold(s)
    assert fold(nfd(s)) == fold(nfc(s)) == fold(s)


@given(st.text(alphabet=VIETNAMESE + VIETNAMESE.upper() + "0123456789-."))
def test_fold_ignores_case_and_accents_of_vietnamese(s: str) -> None:
    assert fold(s.upper()) == fold(s.lower()) == fold(nfd(s.swapcase())) == fold(s)
    assert fold(s).isascii()

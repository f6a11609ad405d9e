"""One spelling per thing: the normal form text is stored in, and the key it is matched by.

Vietnamese can be typed precomposed (NFC, what most keyboards send) or with combining
accents (NFD, what some macOS tools and copied PDFs give). Both must be one name.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

# Zero-width and bidirectional controls: they make two different strings look the
# same, or make a name display in a different order than it is stored. These are the
# ones seen in spoofing; every other format (Cf) character is refused as well.
INVISIBLE = frozenset(
    chr(cp)
    for cp in (
        *range(0x200B, 0x2010),  # zero-width space, joiners, LRM, RLM
        *range(0x202A, 0x202F),  # bidi embeddings and overrides
        *range(0x2060, 0x2065),  # word joiner, invisible operators
        *range(0x2066, 0x206A),  # bidi isolates
        0xFEFF,  # zero-width no-break space (a BOM inside text)
        0x061C,  # Arabic letter mark
        0x180E,  # Mongolian vowel separator (once a space)
    )
)
# Line and paragraph separators would break one value over several output lines.
_REFUSED_CATEGORIES = frozenset({"Cf", "Zl", "Zp"})


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class _Judged(dict[int, int | None]):
    """A `str.translate` table that drops each character `drop` says to drop.

    Filled as characters are first met, so a whole text is then judged in C, not one
    Python call per character: imports fold and check hundreds of thousands of values.
    """

    def __init__(self, drop: Callable[[str], bool]) -> None:
        super().__init__()
        self.drop = drop

    def __missing__(self, cp: int) -> int | None:
        kept = None if self.drop(chr(cp)) else cp
        self[cp] = kept
        return kept


def _refused(ch: str) -> bool:
    return ch in INVISIBLE or unicodedata.category(ch) in _REFUSED_CATEGORIES


_ONLY_REFUSED = _Judged(lambda ch: not _refused(ch))
_NO_MARKS = _Judged(lambda ch: unicodedata.combining(ch) != 0)


def invisible(text: str) -> str | None:
    """The first character that must not appear in a code or name, or None."""
    if text.isascii():
        return None  # no ASCII character is invisible or a line separator
    refused = text.translate(_ONLY_REFUSED)
    return refused[0] if refused else None


def describe(ch: str) -> str:
    """'U+202E (RIGHT-TO-LEFT OVERRIDE)': the code point a user can look up."""
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" ({name})" if name else "")


def fold(text: str) -> str:
    """The search key: the same for every case, accent and normal form of the text.

    Case is folded before accents are dropped: a few folds (e.g. of U+0345) produce
    or expose combining marks, which must go too for the key to be stable.
    """
    if text.isascii():
        return " ".join(text.lower().split())  # what the steps below do to ASCII
    decomposed = unicodedata.normalize("NFD", nfc(text).casefold())
    bare = decomposed.translate(_NO_MARKS)
    # đ is a letter of its own, not d plus a mark, so no decomposition removes it.
    bare = bare.replace("đ", "d")
    return nfc(" ".join(bare.split()))


# Folded text never holds it (fold turns it into a space), so no search spans two fields.
KEY_SEPARATOR = "\x1f"


def search_keys(code: str, name: str, locality: str | None) -> tuple[str | None, str]:
    """(locality_key, search_key) of a cluster: what --locality and --search match.

    Every write of code, name or locality must store these too, or the row is not found;
    `audit verify` recomputes them.
    """
    locality_key = None if locality is None else fold(locality)
    return locality_key, KEY_SEPARATOR.join((fold(code), fold(name), locality_key or ""))


def place_key(locality: str | None) -> str:
    """One locality however its name was typed, but for its accents: case, spacing and
    normal form aside ("Xã A", "xã  a"). Accents stay: "Cao Loc" may be another place,
    and only a person can tell (circular14 asks when a name without accents is ambiguous)."""
    return " ".join(nfc(locality or "").casefold().split())

"""A province's targets as versioned data (standard library only).

A targets file holds one `[targets]` table (name, version, labels) and any number of
`[[target]]` tables, each of one kind:

- `count`: at least `at_least` clusters in `state` or beyond by `by`, optionally only
  those whose locality is `locality`;
- `coverage`: every locality (or those in `localities`) has at least `at_least` clusters
  in `state` or beyond, with occupancy above `occupancy_above` percent, by `by`;
- `deadline`: the cluster `cluster` is in `state` or beyond by `by`.

"Or beyond" is along the workflow's main line. Every error names the target it is in.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .definition import Definition
from .loader import default_definition

KINDS = ("count", "coverage", "deadline")
_KEYS = {
    "count": {"name", "kind", "state", "at_least", "by", "locality", "label_vi", "label_en"},
    "coverage": {"name", "kind", "state", "at_least", "by", "localities", "occupancy_above",
                 "label_vi", "label_en"},
    "deadline": {"name", "kind", "state", "by", "cluster", "label_vi", "label_en"},
}  # fmt: skip


class TargetsError(ValueError):
    """A targets file is invalid. Carries the offending target's name, if any."""

    def __init__(self, problem: str, target: str | None = None, source: str = "") -> None:
        self.problem, self.target, self.source = problem, target, source
        where = f"{source}: " if source else ""
        what = f"target {target!r}: " if target else ""
        super().__init__(f"invalid targets: {where}{what}{problem}")


@dataclass(frozen=True)
class Target:
    name: str
    kind: str  # one of KINDS
    state: str
    by: date
    at_least: int = 1
    locality: str | None = None  # count: only clusters of this locality
    localities: tuple[str, ...] | None = None  # coverage: these; None means every locality
    occupancy_above: float | None = None  # coverage: percent
    cluster: str | None = None  # deadline: the cluster's code
    label_vi: str = ""
    label_en: str = ""

    def label(self, lang: str) -> str:
        return (self.label_vi if lang == "vi" else self.label_en) or self.name


@dataclass(frozen=True)
class TargetSet:
    name: str
    version: str
    targets: tuple[Target, ...]
    label_vi: str = ""
    label_en: str = ""
    text: str = field(default="", repr=False, compare=False)
    sha256: str = ""

    @property
    def key(self) -> str:
        return f"{self.name}@{self.version}"


def load_targets(path: str | Path, definition: Definition | None = None) -> TargetSet:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TargetsError(f"cannot read {p}: {exc}") from exc
    return parse_targets(text, source=str(p), definition=definition)


def example_path() -> Path:
    """The Lạng Sơn targets shipped as an example (DOMAIN.md, the seed case)."""
    return Path(__file__).parent / "examples" / "lang_son_targets.toml"


def parse_targets(text: str, source: str = "", definition: Definition | None = None) -> TargetSet:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TargetsError(f"not valid TOML: {exc}", source=source) from exc
    d = definition or default_definition()
    try:
        head = raw.get("targets")
        if not isinstance(head, dict):
            raise TargetsError("missing [targets] table with name and version")
        extra = set(raw) - {"targets", "target"}
        if extra:
            raise TargetsError(f"unknown top-level keys: {', '.join(sorted(extra))}")
        items = raw.get("target", [])
        if not isinstance(items, list) or not items:
            raise TargetsError("no [[target]] tables")
        targets = tuple(_target(item, i, d) for i, item in enumerate(items, 1))
        names = [t.name for t in targets]
        for n in names:
            if names.count(n) > 1:
                raise TargetsError("name used twice", n)
        return TargetSet(
            name=_text(head, "name", None, "[targets]"),
            version=_text(head, "version", None, "[targets]"),
            targets=targets,
            label_vi=_text(head, "label_vi", None, "[targets]", required=False),
            label_en=_text(head, "label_en", None, "[targets]", required=False),
            text=text,
            sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        )
    except TargetsError as exc:
        raise TargetsError(exc.problem, exc.target, source) from None


def _text(
    table: dict[str, Any], key: str, target: str | None, where: str = "", required: bool = True
) -> str:
    value = table.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise TargetsError(f"{where + ' ' if where else ''}{key} must be a non-empty text", target)
    return value.strip()


def _target(raw: Any, index: int, d: Definition) -> Target:
    if not isinstance(raw, dict):
        raise TargetsError(f"target #{index} is not a table")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise TargetsError(f"target #{index} has no name")
    name = name.strip()
    kind = raw.get("kind")
    if kind not in KINDS:
        raise TargetsError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}", name)
    unknown = set(raw) - _KEYS[kind]
    if unknown:
        raise TargetsError(f"unknown keys for a {kind} target: {', '.join(sorted(unknown))}", name)
    state = _text(raw, "state", name)
    if state not in d.main_line:
        raise TargetsError(
            f"state {state!r} is not on the main line ({', '.join(d.main_line)})", name
        )
    by = raw.get("by")
    if isinstance(by, str):
        try:
            by = date.fromisoformat(by)
        except ValueError:
            raise TargetsError(f"by {by!r} is not a date (YYYY-MM-DD)", name) from None
    if not isinstance(by, date) or hasattr(by, "hour"):
        raise TargetsError("by must be a date (YYYY-MM-DD)", name)
    at_least = raw.get("at_least", 1)
    if kind != "deadline" and (
        not isinstance(at_least, int) or isinstance(at_least, bool) or at_least < 1
    ):
        raise TargetsError("at_least must be a whole number of at least 1", name)
    vi = _text(raw, "label_vi", name, required=False)
    en = _text(raw, "label_en", name, required=False)
    if kind == "count":
        locality = _text(raw, "locality", name, required=False) or None
        return Target(name, kind, state, by, at_least, locality=locality, label_vi=vi, label_en=en)
    if kind == "deadline":
        return Target(name, kind, state, by, cluster=_text(raw, "cluster", name),
                      label_vi=vi, label_en=en)  # fmt: skip
    occupancy = raw.get("occupancy_above")
    if not isinstance(occupancy, int | float) or isinstance(occupancy, bool):
        raise TargetsError("occupancy_above must be a percentage (0-100)", name)
    if not 0 <= occupancy < 100:
        raise TargetsError("occupancy_above must be a percentage (0-100)", name)
    localities = raw.get("localities")
    if localities is not None and (
        not isinstance(localities, list)
        or not localities
        or not all(isinstance(x, str) and x.strip() for x in localities)
    ):
        raise TargetsError("localities must be a non-empty list of texts", name)
    return Target(
        name, kind, state, by, at_least,
        localities=None if localities is None else tuple(x.strip() for x in localities),
        occupancy_above=float(occupancy), label_vi=vi, label_en=en,
    )  # fmt: skip

"""One spelling per thing: NFC at the boundary, invisible characters refused, folded
matching for --locality and --search on both backends, empty flags refused."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from cli import cli
from db import open_engine
from workflow.text import INVISIBLE, fold, invisible

from .conftest import Ccn, dump


def nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


NAME = "Cụm công nghiệp Đình Lập"
LOCALITY = "Đình Lập"
DEVELOPER = "Công ty Cổ phần Đầu tư Hợp Thành"


def j(result: Any) -> Any:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def codes(result: Any) -> list[str]:
    return [c["code"] for c in j(result)]


# ---------------------------------------------------------------- normalising input


def test_nfd_input_is_stored_as_nfc_and_round_trips(ccn, db_url) -> None:
    assert nfd(NAME) != NAME
    r = ccn("cluster", "add", "DL1", "--name", nfd(NAME), "--locality", nfd(LOCALITY),
            "--developer", nfd(DEVELOPER), "--ref", nfd("QĐ 12/QĐ-UBND"),
            "--note", nfd("Ghi chú"), actor=nfd("chị Lan"))  # fmt: skip
    assert r.exit_code == 0, r.stderr
    eng = open_engine(db_url)
    with eng.connect() as conn:
        row = conn.execute(text("SELECT name, locality, developer FROM clusters")).one()
        entry = conn.execute(text("SELECT actor, ref, note FROM transitions")).one()
    eng.dispose()
    assert tuple(row) == (NAME, LOCALITY, DEVELOPER)
    assert tuple(entry) == ("chị Lan", "QĐ 12/QĐ-UBND", "Ghi chú")
    assert all(unicodedata.is_normalized("NFC", v) for v in (*row, *entry))

    listed = j(ccn("cluster", "list", "--format", "json"))[0]
    assert (listed["name"], listed["locality"]) == (NAME, LOCALITY)
    out = ccn("cluster", "list", "--format", "csv").stdout.lstrip("\ufeff")
    (record,) = list(csv.DictReader(io.StringIO(out)))
    assert (record["name"], record["locality"]) == (NAME, LOCALITY)
    (entry_json,) = j(ccn("history", "DL1", "--format", "json"))
    assert (entry_json["actor"], entry_json["ref"], entry_json["note"]) == (
        "chị Lan", "QĐ 12/QĐ-UBND", "Ghi chú")  # fmt: skip


def test_csv_import_with_nfd_text_is_stored_as_nfc(ccn, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        nfd(f"code,name,locality,developer\nDL1,{NAME},{LOCALITY},{DEVELOPER}\n"),
        encoding="utf-8",
    )
    r = ccn("cluster", "import", str(path))
    assert r.exit_code == 0, r.stderr
    (c,) = j(ccn("cluster", "list", "--format", "json"))
    assert (c["name"], c["locality"]) == (NAME, LOCALITY)
    exported = ccn("cluster", "export").stdout
    assert f"DL1,{NAME},{LOCALITY},,{DEVELOPER}," in exported


@pytest.mark.parametrize("char", ["\u200b", "\u202e", "\u2066", "\ufeff", "\u061c", "\u180e"])
@pytest.mark.parametrize("field", ["code", "name", "locality", "developer", "actor"])
def test_invisible_characters_are_refused_naming_them(ccn, db_url, field, char) -> None:
    before = dump(db_url)
    values = {"code": "DL1", "name": NAME, "locality": LOCALITY, "developer": DEVELOPER,
              "actor": "lan"}  # fmt: skip
    values[field] = values[field][:2] + char + values[field][2:]
    r = ccn("cluster", "add", values["code"], "--name", values["name"],
            "--locality", values["locality"], "--developer", values["developer"],
            actor=values["actor"])  # fmt: skip
    point = f"U+{ord(char):04X}"
    assert r.exit_code == 1
    assert r.stderr.startswith(f"Error: {field} contains an invisible control character {point}")
    assert r.stderr.count("\n") == 1
    assert dump(db_url) == before


def test_csv_import_refuses_a_bidi_override(ccn, db_url, tmp_path: Path) -> None:
    before = dump(db_url)
    path = tmp_path / "in.csv"
    path.write_text(f"code,name,locality\nDL1,{NAME},Đình\u202eLập\n", encoding="utf-8")
    r = ccn("cluster", "import", str(path))
    assert r.exit_code == 1
    assert "line 2: locality contains an invisible control character U+202E" in r.stderr
    assert r.stderr.count("\n") == 1
    assert dump(db_url) == before


def test_every_listed_invisible_character_is_refused() -> None:
    listed = [*range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2065),
              *range(0x2066, 0x206A), 0xFEFF, 0x061C, 0x180E]  # fmt: skip
    for cp in listed:
        assert invisible(f"a{chr(cp)}b") == chr(cp), hex(cp)
        assert chr(cp) in INVISIBLE or unicodedata.category(chr(cp)) == "Cf"
    assert invisible("Cụm công nghiệp Đình Lập") is None


# ---------------------------------------------------------------- matching


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


def seed(ccn: Ccn) -> None:
    for code, name, locality in [
        ("DL1", "Cụm công nghiệp Đình Lập 1", "Đình Lập"),
        ("DL2", "CCN Thái Bình", "xã Đình Lập"),
        ("CL1", "Cụm công nghiệp Hợp Thành 1", "Cao Lộc"),
        ("BS2", "Cụm Bắc Sơn 2 (50%_ lấp đầy)", "Bắc Sơn"),
        ("X_1", "Cụm không rõ địa phương", None),
        ("DINH", "Cụm Lạng Sơn", "Lộc Bình"),
    ]:
        args = ["cluster", "add", code, "--name", name, "--state", "establishment",
                "--since", "2025-01-06"]  # fmt: skip
        if locality is not None:
            args += ["--locality", locality]
        r = ccn(*args)
        assert r.exit_code == 0, r.stderr


SCENARIO = [
    ("cluster", "list", "--format", "json"),
    ("cluster", "list", "--locality", "dinh lap", "--format", "json"),
    ("cluster", "list", "--locality", "LỘC", "--format", "json"),
    ("cluster", "list", "--search", "cum", "--format", "json"),
    ("cluster", "list", "--search", "_", "--format", "csv"),
    ("cluster", "list", "--search", "đ", "--format", "json"),
    ("report", "stalled", "--as-of", "2026-03-02", "--locality", "loc", "--format", "json"),
    ("report", "funnel", "--as-of", "2025-06-30", "--locality", "LAP", "--format", "json"),
]


# ---------------------------------------------------------------- empty flags


@pytest.mark.parametrize(
    ("flags", "option"),
    [
        (["--db", ""], "--db"),
        (["--db", "  "], "--db"),
        (["--actor", ""], "--actor"),
        (["--actor", " "], "--actor"),
    ],
)
def test_empty_flags_are_usage_errors(db_url, flags, option) -> None:
    before = dump(db_url)
    argv = ["--db", db_url, "--actor", "lan", *flags, "cluster", "add", "DL1", "--name", NAME]
    r = CliRunner().invoke(cli, argv)
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("Error: ") and option in r.stderr
    assert r.stderr.count("\n") == 1
    assert dump(db_url) == before


def test_empty_db_flag_does_not_fall_back_to_the_default(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    for argv in (["--db", "", "init"], ["--db", "", "cluster", "list"]):
        r = CliRunner().invoke(cli, argv)
        assert r.exit_code == 2, r.output
        assert r.stderr.count("\n") == 1
    assert not any(tmp_path.iterdir())


def test_empty_environment_variables_count_as_unset(db_url, monkeypatch) -> None:
    from db.engine import resolve_url

    monkeypatch.setenv("CCN_DATABASE_URL", "")
    assert resolve_url(None)[1] == "default"
    monkeypatch.setenv("CCN_ACTOR", "")
    r = CliRunner().invoke(cli, ["--db", db_url, "cluster", "add", "DL1", "--name", NAME])
    assert r.exit_code == 0, r.stderr
    (entry,) = j(CliRunner().invoke(cli, ["--db", db_url, "history", "DL1", "--format", "json"]))
    assert entry["actor"]  # the OS login, as when CCN_ACTOR is not set at all


def test_blank_environment_variables_are_errors(db_url, monkeypatch) -> None:
    before = dump(db_url)
    monkeypatch.setenv("CCN_ACTOR", "  ")
    r = CliRunner().invoke(cli, ["--db", db_url, "cluster", "add", "DL1", "--name", NAME])
    assert (r.exit_code, r.stderr.count("\n")) == (2, 1), r.stderr
    assert "CCN_ACTOR" in r.stderr
    monkeypatch.delenv("CCN_ACTOR")
    monkeypatch.setenv("CCN_DATABASE_URL", " ")
    r = CliRunner().invoke(cli, ["cluster", "list"])
    assert (r.exit_code, r.stderr.count("\n")) == (2, 1), r.stderr
    assert "CCN_DATABASE_URL" in r.stderr
    assert dump(db_url) == before

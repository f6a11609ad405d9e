"""`workflow diff` sees every change of rules: clocks, responsibility, order, optional
milestones, events' requirements and the workflow's settings (review 3)."""

from __future__ import annotations

from states import default_definition, parse_definition
from workflow.definitions import Change, compare

ND32 = default_definition().text


def _changed(*pairs: tuple[str, str]) -> list[Change]:
    text = ND32.replace('version = "nd32-2024"', 'version = "x"')
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return compare(default_definition(), parse_definition(text))


def test_diff_sees_which_clock_a_milestone_pauses_and_who_is_responsible() -> None:
    assert _changed(
        ('pauses = "appraisal_reported"\noptional = true',
         'pauses = "decision_issued"\noptional = true'),
        ('resumes = "appraisal_reported"', 'resumes = "decision_issued"'),
        ('responsible = "UBND tỉnh"', 'responsible = "Chủ tịch UBND tỉnh"'),
    ) == [
        Change("clock", "establishment.dossier_returned", "changed",
               "pauses appraisal_reported", "pauses decision_issued"),
        Change("clock", "establishment.dossier_resubmitted", "changed",
               "resumes appraisal_reported", "resumes decision_issued"),
        Change("responsible", "establishment.decision_issued", "changed",
               "UBND tỉnh", "Chủ tịch UBND tỉnh"),
    ]  # fmt: skip


def test_diff_sees_order_optional_requires_and_settings() -> None:
    first = '[[states.milestones]]\nname = "first_application"'
    notice = '[[states.milestones]]\nname = "notice_published"'
    text = ND32
    a, b = text.index(first), text.index(notice)
    c = text.index("[[states.milestones]]", b + 1)
    swapped = text[:a] + text[b:c] + text[a:b] + text[c:]
    swapped = swapped.replace('counts_from = "first_application"\n', "", 1).replace(
        'limit = { value = 5, unit = "working_days" }\n', "", 1
    )
    changes = compare(
        default_definition(),
        parse_definition(
            swapped.replace('version = "nd32-2024"', 'version = "x"')
            .replace("backdate_limit_days = 30", "backdate_limit_days = 15")
            .replace('name = "commissioned"', 'name = "commissioned"\noptional = true')
            .replace('requires = ["reason"]', 'requires = []', 1)
            .replace("[workflow.roles]",
                     "[workflow.establishment_test]\nmin_occupancy_pct = 60\n\n[workflow.roles]")
        ),
    )  # fmt: skip
    kinds = [(c.kind, c.name, c.old, c.new) for c in changes]
    assert ("order", "establishment", "first_application, notice_published, "
            "applications_closed, dossier_forwarded, dossier_complete, dossier_returned, "
            "dossier_resubmitted, appraisal_reported, decision_issued",
            "notice_published, first_application, applications_closed, dossier_forwarded, "
            "dossier_complete, dossier_returned, dossier_resubmitted, appraisal_reported, "
            "decision_issued") in kinds  # fmt: skip
    assert ("limit", "establishment.notice_published", "5wd after first_application", "-") in kinds
    assert ("optional", "infrastructure.commissioned", "no", "yes") in kinds
    assert ("setting", "backdate_limit_days", "30", "15") in kinds
    assert ("setting", "establishment_test",
            "average simple, min occupancy 50%, max unleased 100 ha",
            "average simple, min occupancy 60%, max unleased 100 ha") in kinds  # fmt: skip
    assert [k for k in kinds if k[0] == "requires" and k[1].startswith("event ")] != []

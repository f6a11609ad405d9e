"""The infrastructure milestones the Circular 14 report counts (Form 04 rows 9-12, 26-27).

An approved detailed (1/500) plan, an approved infrastructure investment project, a
central wastewater plant built, and one meeting environmental standards: each is a
milestone of the `infrastructure` state, recorded with `ccn milestone`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from .milestones import as_of_marks
from .ports import UnitOfWork

DETAILED_PLAN = "detailed_plan_approved"
PROJECT = "infrastructure_project_approved"
WASTEWATER_BUILT = "wastewater_plant_built"
WASTEWATER_COMPLIANT = "wastewater_plant_compliant"
MILESTONES = (DETAILED_PLAN, PROJECT, WASTEWATER_BUILT, WASTEWATER_COMPLIANT)

# code (as stored) -> milestone -> the date it was reached
MilestoneDates = Mapping[str, Mapping[str, date]]


def infrastructure_milestones(uow: UnitOfWork, as_of: date) -> MilestoneDates:
    """Each cluster's infrastructure milestones dated on or before `as_of` (a reverted
    one left out), read inside an open unit of work. Only clusters with irregular
    histories can hold milestones, so only those are walked."""
    out: dict[str, Mapping[str, date]] = {}
    for h in uow.reports.irregular():
        found = as_of_marks(h.entries, MILESTONES, as_of)
        if found:
            out[h.code] = found
    return out

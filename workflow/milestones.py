"""The port through which the Circular 14 report reads infrastructure milestones.

Rows 9-12 and 26-27 of Form 04 count clusters by dated milestones of their
infrastructure: an approved detailed (1/500) plan, an approved infrastructure
investment project, a central wastewater plant built, and one meeting environmental
standards. Until milestones are recorded in ccn this answers None, and the report
says "no data" rather than show a count of 0 it cannot know.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from .ports import UnitOfWork

DETAILED_PLAN = "detailed_plan_approved"
PROJECT = "infrastructure_project_approved"
WASTEWATER_BUILT = "wastewater_plant_built"
WASTEWATER_COMPLIANT = "wastewater_plant_compliant"
MILESTONES = (DETAILED_PLAN, PROJECT, WASTEWATER_BUILT, WASTEWATER_COMPLIANT)

# code (as stored) -> milestone -> the date it was reached
MilestoneDates = Mapping[str, Mapping[str, date]]


def infrastructure_milestones(uow: UnitOfWork, as_of: date) -> MilestoneDates | None:
    """Each cluster's milestones reached on or before `as_of`, read inside an open unit
    of work; None while ccn records no milestones (the milestones work plugs in here)."""
    del uow, as_of
    return None

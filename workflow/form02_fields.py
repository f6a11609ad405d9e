"""The Form 02 indicators a record holds, in the form's order.

Kept apart from workflow/indicators.py so that `ccn --help` can build the options of
`indicators record` without loading the chain, hashing and validation code.
"""

from __future__ import annotations

from typing import NamedTuple


class FieldDef(NamedTuple):
    name: str
    kind: str  # "ha", "bn", "count", "money_m", "choice"
    help: str


FIELDS: tuple[FieldDef, ...] = (
    FieldDef("industrial_land_ready_ha", "ha", "Industrial land ready to lease (ha)."),
    FieldDef("leased_ha", "ha", "Industrial land leased or committed (ha)."),
    FieldDef("investment_approved_bn", "bn", "Approved infrastructure investment (billion VND)."),
    FieldDef("investment_paid_bn", "bn", "Infrastructure investment paid so far (billion VND)."),
    FieldDef("projects", "count", "Tenant investment projects with land."),
    FieldDef("fdi_projects", "count", "Of which foreign-invested."),
    FieldDef("operating_projects", "count", "Of which operating."),
    FieldDef("revenue_bn", "bn", "Revenue in the period (billion VND)."),
    FieldDef("budget_paid_bn", "bn", "Payments to the state budget in the period (billion VND)."),
    FieldDef("employees", "count", "Employees with a labour contract."),
    FieldDef("avg_income_m", "money_m", "Average income (million VND per person per month)."),
    FieldDef("wastewater_plant", "choice", "Central wastewater plant: none, building, built, "
             "compliant."),
)  # fmt: skip

"""The arrows between the packages: `workflow/` knows no SQLAlchemy or click, `states/`
only the standard library. Each check runs in a fresh interpreter, where nothing the
test session loaded can hide an import."""

from __future__ import annotations

import json
import subprocess
import sys

LOADED_BY = """
import importlib, json, pkgutil, sys
before = set(sys.modules)
package = importlib.import_module({package!r})
for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    importlib.import_module(info.name)
{extra}
print(json.dumps(sorted({{name.split(".")[0] for name in set(sys.modules) - before}})))
"""


def loaded_by(package: str, extra: str = "") -> set[str]:
    """Top-level names of the modules that importing every module of `package` loads."""
    code = LOADED_BY.format(package=package, extra=extra)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(json.loads(out))


def test_workflow_loads_neither_sqlalchemy_nor_click() -> None:
    loaded = loaded_by("workflow")
    assert "workflow" in loaded  # the probe did import it
    assert not loaded & {"sqlalchemy", "click"}


def test_states_loads_only_the_standard_library() -> None:
    loaded = loaded_by("states", extra="package.default_definition()")
    assert loaded - set(sys.stdlib_module_names) == {"states"}


def test_services_leave_the_outlook_and_the_page_until_used() -> None:
    # Every command imports the services; `cluster import` of 2,000 rows is benchmarked
    # against raw sqlite3 (tests/system/test_benchmarks.py), so the forecasts, targets
    # and the page must not load with them.
    code = (
        "import json, sys, workflow.services as s\n"
        "print(json.dumps(sorted(n for n in sys.modules if n.startswith('workflow.'))))\n"
        "s.forecast\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    loaded = set(json.loads(out))
    assert "workflow.services" in loaded
    assert not loaded & {"workflow.outlook", "workflow.dashboard", "workflow.forecast",
                         "workflow.targets"}  # fmt: skip

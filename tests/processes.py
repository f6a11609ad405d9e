"""Helpers to run ccn in real OS processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def start_workers(command_lists: list[list[list[str]]], start_file: Path) -> list[Any]:
    procs = []
    for i, cmds in enumerate(command_lists):
        spec = start_file.with_name(f"{start_file.name}.{i}.json")
        spec.write_text(json.dumps(cmds), encoding="utf-8")
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "tests.worker", str(spec), str(start_file)],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
            )
        )
    for p in procs:
        assert p.stdout is not None
        assert p.stdout.readline().strip() == "ready"
    return procs


def run_workers(
    command_lists: list[list[list[str]]], start_file: Path, timeout: float = 300
) -> list[tuple[list[int], str]]:
    """Start all workers at once; return each worker's exit codes and stderr."""
    procs = start_workers(command_lists, start_file)
    start_file.touch()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=timeout)
        codes = [json.loads(line)["code"] for line in out.splitlines() if line.startswith("{")]
        results.append((codes, err))
    return results


def ccn(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        env=env,
    )

"""Runs ccn commands inside one OS process, for the multi-process tests.

    python -m tests.worker COMMANDS.json START_FILE

Imports everything first, says "ready", waits for START_FILE so that all workers
start at the same moment, then runs each command through the real CLI entry
point and prints one JSON line per command with its exit code.
"""

from __future__ import annotations

import json
import os
import sys
import time

import db.uow  # noqa: F401  (import before the start signal: time the work, not imports)
import workflow.services  # noqa: F401
from cli import cli


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as fh:
        commands = json.load(fh)
    start = sys.argv[2]
    print("ready", flush=True)
    while not os.path.exists(start):
        time.sleep(0.001)
    for argv in commands:
        try:
            cli.main(argv, prog_name="ccn")
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        print(json.dumps({"argv": argv, "code": code}), flush=True)


if __name__ == "__main__":
    main()

"""The seed's client calls, unchanged: send taskA, taskB and add, then print each id, status and result."""

from __future__ import annotations

import sys

from tasks import add, taskA, taskB

CALLS = [(taskA, (10, 20), 200), (taskB, (10, 20, 30), 60), (add, (100, 200), 300)]


def main() -> int:
    failures = 0
    for task, args, expected in CALLS:
        result = task.delay(*args)
        try:
            value = result.get(timeout=30)
        except Exception as error:  # a timeout or a task error: report it and go on with the others
            value = f"{type(error).__name__}: {error}"
        ok = value == expected
        failures += not ok
        verdict = "ok" if ok else f"WRONG, expected {expected}"
        print(f"{task.name}{args} -> id {result.id}  status {result.status:<8} result {value!r}  {verdict}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

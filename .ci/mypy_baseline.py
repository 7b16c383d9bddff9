"""Run mypy over carelearn/ and compare its findings with the recorded baseline.

A finding not in the baseline fails (new code must type-check), and so does a baseline entry
that no longer occurs (the baseline may only shrink: remove fixed entries with --update).
Findings are compared without line numbers, so unrelated edits above them do not count.
"""
from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

BASELINE = Path(__file__).with_name("mypy-baseline.txt")
FINDING = re.compile(r"^(?P<path>[^:]+):\d+(?::\d+)?: error: (?P<message>.*)$")


def findings() -> Counter[str]:
    result = subprocess.run([sys.executable, "-m", "mypy"], capture_output=True, text=True)
    found: Counter[str] = Counter()
    for line in result.stdout.splitlines():
        match = FINDING.match(line)
        if match:
            found[f"{match['path']}: {match['message']}"] += 1
    if result.returncode not in (0, 1) or (result.returncode == 1 and not found):
        sys.exit(f"mypy did not run:\n{result.stdout}{result.stderr}")
    return found


def main() -> int:
    found = findings()
    if "--update" in sys.argv:
        BASELINE.write_text("".join(f"{line}\n" for line in sorted(found.elements())))
        print(f"mypy baseline: {sum(found.values())} findings recorded")
        return 0
    recorded = Counter(BASELINE.read_text().splitlines()) if BASELINE.exists() else Counter()
    new, fixed = found - recorded, recorded - found
    for line in sorted(new.elements()):
        print(f"new mypy finding: {line}")
    for line in sorted(fixed.elements()):
        print(f"fixed, remove from .ci/mypy-baseline.txt: {line}")
    print(f"mypy: {sum(found.values())} findings, baseline {sum(recorded.values())}")
    return 1 if new or fixed else 0


if __name__ == "__main__":
    sys.exit(main())

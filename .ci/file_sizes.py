"""No Python file in carelearn/ (migrations aside) grows past MAX_LINES: split it by feature."""
from __future__ import annotations

import sys
from pathlib import Path

MAX_LINES = 420  # "about 400": room for a docstring, not for a second feature
ROOT = Path(__file__).resolve().parent.parent / "carelearn"

too_long = [
    (path, n)
    for path in sorted(ROOT.rglob("*.py"))
    if "migrations" not in path.parts and (n := len(path.read_text().splitlines())) > MAX_LINES
]
for path, n in too_long:
    print(f"{path.relative_to(ROOT.parent)}: {n} lines, more than {MAX_LINES}: split it by feature")
sys.exit(1 if too_long else 0)

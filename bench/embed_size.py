"""How heavy is the widget's JavaScript? Raw and gzipped sizes against the budgets.

embed.js is what every page with comments loads (budget 3 KB gzipped); widget.js is
loaded on first use (posting, replying, editing, older pages, the preview). Both
together stay within 8 KB gzipped. Run by hand or with `make bench`; never a timed test.
"""

from __future__ import annotations

import gzip
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "moderation" / "static"
FIRST_BUDGET = 3 * 1024
TOTAL_BUDGET = 8 * 1024
# Gzipped sizes of typical comment embeds: a tiny loader, a mid-size widget, a big one.
PEERS = {"2.5 KB loader": 2.5 * 1024, "20 KB widget": 20 * 1024, "60 KB widget": 60 * 1024}


def zipped(name: str) -> tuple[int, int]:
    raw = (STATIC / name).read_bytes()
    return len(raw), len(gzip.compress(raw, compresslevel=9))


def main() -> int:
    first_raw, first = zipped("embed.js")
    second_raw, second = zipped("widget.js")
    total = first + second
    print(f"embed.js (first load): {first_raw:,} bytes raw, {first:,} bytes gzipped")
    print(f"  budget 3 KB ({FIRST_BUDGET:,} B): {first / FIRST_BUDGET:.0%} used")
    print(f"widget.js (on first use): {second_raw:,} bytes raw, {second:,} bytes gzipped")
    print(f"all widget JavaScript: {total:,} bytes gzipped")
    print(f"  budget 8 KB ({TOTAL_BUDGET:,} B): {total / TOTAL_BUDGET:.0%} used")
    for name, size in PEERS.items():
        print(f"  first load vs {name}: {first / size:.2f}x")
    over = first > FIRST_BUDGET or total > TOTAL_BUDGET
    if over:
        print("OVER BUDGET")
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())

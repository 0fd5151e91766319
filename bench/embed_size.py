"""How heavy is embed.js? Raw and gzipped size against the budget and some peers.

Run by hand or with `make bench`; never a timed test.
"""

from __future__ import annotations

import gzip
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "moderation" / "static" / "embed.js"
BUDGET = 3 * 1024
# Gzipped sizes of typical comment embeds: a tiny loader, a mid-size widget, a big one.
PEERS = {"2.5 KB loader": 2.5 * 1024, "20 KB widget": 20 * 1024, "60 KB widget": 60 * 1024}


def main() -> int:
    raw = SCRIPT.read_bytes()
    zipped = len(gzip.compress(raw, compresslevel=9))
    print(f"embed.js: {len(raw):,} bytes raw, {zipped:,} bytes gzipped")
    print(f"  budget 3 KB ({BUDGET:,} B): {zipped / BUDGET:.0%} used")
    for name, size in PEERS.items():
        print(f"  vs {name}: {zipped / size:.2f}x")
    if zipped > BUDGET:
        print("OVER BUDGET")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

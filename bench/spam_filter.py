"""How well does the learning filter catch spam? Replays the labelled comments of
``../shared/fixtures/spam/`` (the YouTube Spam Collection, see its SOURCES.md) in time
order: each comment is scored before the filter learns its label, as a moderator's
decision would teach it; figures count after the first 50 decisions.

Targets, on each file and on both: spam recall (sent to the spam tab) at least 0.9, and
at most 1 % of honest comments sent to the spam tab. Also prints how many spam comments
came before the filter could act, and the time to score a comment (median of interleaved
rounds). Run by hand or with `make bench`; never a timed test. The filter
here is a dictionary of its own: the service's database is not touched.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from moderation.spam import evaluation, learning  # noqa: E402

FIXTURES = ROOT.parent / "shared" / "fixtures" / "spam"
FILES = ("Youtube01-Psy.csv", "Youtube05-Shakira.csv")
TARGET_RECALL = 0.9
TARGET_HAM_BINNED = 0.01
ROUNDS = 5


def score_time(comments: list[evaluation.Labelled]) -> float:
    """Median microseconds to tokenise and score one comment on a trained filter."""
    counts = learning.MemoryCounts()
    for comment in comments:
        counts.add(
            learning.tokens(comment.text), learning.SPAM if comment.spam else learning.HAM, 1
        )
    rounds = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for comment in comments:
            learning.score(counts, learning.tokens(comment.text))
        rounds.append((time.perf_counter() - start) / len(comments) * 1e6)
    return statistics.median(rounds)


def verdict(result: evaluation.Replay) -> None:
    """Print how far the figures are from the targets."""
    missed = False
    if result.recall < TARGET_RECALL:
        missed = True
        print(f"  recall target {TARGET_RECALL} missed by {TARGET_RECALL - result.recall:.3f}")
    if result.ham_binned_share > TARGET_HAM_BINNED:
        missed = True
        print(
            f"  honest-binned target {TARGET_HAM_BINNED:.0%} missed by "
            f"{result.ham_binned_share - TARGET_HAM_BINNED:.1%}"
        )
    if not missed:
        print("  both targets met")


def main() -> int:
    if not FIXTURES.is_dir():
        print(f"skipped: {FIXTURES} is missing")
        return 0
    total = evaluation.Replay()
    for name in FILES:
        comments = evaluation.read_labelled(
            (FIXTURES / name).read_text(encoding="utf-8", errors="replace")
        )
        result = evaluation.replay(comments)
        print(f"{name}: {len(comments)} comments")
        for line in evaluation.report(result):
            print(f"  {line}")
        print(f"  scoring: {score_time(comments):.0f} µs a comment (median of {ROUNDS} rounds)")
        verdict(result)
        for field in (
            "scored",
            "spam",
            "ham",
            "binned_spam",
            "binned_ham",
            "held_spam",
            "held_ham",
            "early_spam",
        ):
            setattr(total, field, getattr(total, field) + getattr(result, field))
    print("both files:")
    for line in evaluation.report(total):
        print(f"  {line}")
    verdict(total)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

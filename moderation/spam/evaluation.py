"""Measuring the learning filter: replay labelled comments in time order, scoring each
one before learning from its label, as a moderator's decisions would teach it.

Two CSV shapes are read: ``label,text`` rows without a header (``spam``/``ham``, or
``1``/``0``), and files with a header naming ``CONTENT`` (or ``text``/``body``) and
``CLASS`` (or ``label``), sorted by ``DATE`` when there is one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from . import learning
from .models import DEFAULT_HOLD_THRESHOLD, DEFAULT_SPAM_THRESHOLD

SPAM_LABELS = frozenset({"spam", "1", "true", "yes"})
HAM_LABELS = frozenset({"ham", "0", "false", "no", "not spam", "honest"})
TEXT_COLUMNS = ("content", "text", "body", "comment")
LABEL_COLUMNS = ("class", "label", "spam")
DATE_COLUMNS = ("date", "created_at", "time")
# The decisions the filter sees before it is measured.
WARM_UP = 50


class LabelledFileError(ValueError):
    """The file cannot be read as labelled comments; the message says why."""


@dataclass(frozen=True)
class Labelled:
    text: str
    spam: bool


def _label(value: str, where: str) -> bool:
    value = value.strip().lower()
    if value in SPAM_LABELS:
        return True
    if value in HAM_LABELS:
        return False
    raise LabelledFileError(f"{where}: {value!r} is neither spam nor ham")


def read_labelled(text: str) -> list[Labelled]:
    """The labelled comments of a CSV file's text, in time order."""
    rows = [row for row in csv.reader(io.StringIO(text)) if row]
    if not rows:
        raise LabelledFileError("the file has no rows")
    header = [cell.strip().lower() for cell in rows[0]]
    text_at = next((header.index(c) for c in TEXT_COLUMNS if c in header), None)
    label_at = next((header.index(c) for c in LABEL_COLUMNS if c in header), None)
    if text_at is None or label_at is None:
        if len(rows[0]) < 2:
            raise LabelledFileError("each row needs a label and a text")
        return [Labelled(row[1], _label(row[0], f"row {n}")) for n, row in enumerate(rows, 1)]
    date_at = next((header.index(c) for c in DATE_COLUMNS if c in header), None)
    dated: list[tuple[str, int, Labelled]] = []
    for n, row in enumerate(rows[1:], 2):
        if len(row) <= max(text_at, label_at):
            raise LabelledFileError(f"row {n} has too few columns")
        when = row[date_at] if date_at is not None and date_at < len(row) else ""
        dated.append((when, n, Labelled(row[text_at], _label(row[label_at], f"row {n}"))))
    dated.sort(key=lambda item: (item[0], item[1]))
    return [item[2] for item in dated]


@dataclass
class Replay:
    """What the filter would have done with the comments after the warm-up."""

    scored: int = 0
    spam: int = 0
    ham: int = 0
    # Sent to the spam tab (above the spam threshold, once the filter acts).
    binned_spam: int = 0
    binned_ham: int = 0
    # Held with the filter's reason (above the hold threshold, not binned).
    held_spam: int = 0
    held_ham: int = 0
    # Spam scored before the filter had seen enough decisions of each kind to act: the
    # spam tab's recall cannot rise above the share of the others.
    early_spam: int = 0

    @property
    def precision(self) -> float:
        binned = self.binned_spam + self.binned_ham
        return self.binned_spam / binned if binned else 0.0

    @property
    def recall(self) -> float:
        return self.binned_spam / self.spam if self.spam else 0.0

    @property
    def flagged_recall(self) -> float:
        """Spam binned or held by the filter, of all spam."""
        return (self.binned_spam + self.held_spam) / self.spam if self.spam else 0.0

    @property
    def ham_binned_share(self) -> float:
        return self.binned_ham / self.ham if self.ham else 0.0


def replay(
    comments: Iterable[Labelled],
    *,
    spam_threshold: float = DEFAULT_SPAM_THRESHOLD,
    hold_threshold: float = DEFAULT_HOLD_THRESHOLD,
    warm_up: int = WARM_UP,
) -> Replay:
    """Score each comment, then learn its label; count what happens after ``warm_up``."""
    counts = learning.MemoryCounts()
    result = Replay()
    for n, comment in enumerate(comments):
        tokens = learning.tokens(comment.text)
        if n >= warm_up:
            score = learning.score(counts, tokens)
            acts = score.acts
            binned = score.exceeds(spam_threshold)
            held = not binned and score.exceeds(hold_threshold)
            result.scored += 1
            if comment.spam:
                result.spam += 1
                result.binned_spam += binned
                result.held_spam += held
                result.early_spam += not acts
            else:
                result.ham += 1
                result.binned_ham += binned
                result.held_ham += held
        counts.add(tokens, learning.SPAM if comment.spam else learning.HAM, 1)
    return result


def report(result: Replay, *, warm_up: int = WARM_UP) -> list[str]:
    """The replay's figures, one line each, for people."""
    return [
        f"comments scored after the first {warm_up} decisions: {result.scored} "
        f"({result.spam} spam, {result.ham} honest)",
        f"precision (spam tab): {result.precision:.3f}",
        f"recall (spam tab): {result.recall:.3f}",
        f"recall (spam tab or held by the filter): {result.flagged_recall:.3f}",
        f"spam scored before the filter acts ({learning.MIN_DECISIONS} decisions of each "
        f"kind): {result.early_spam}",
        f"honest comments sent to the spam tab: {result.binned_ham} "
        f"({result.ham_binned_share:.1%})",
        f"honest comments held by the filter: {result.held_ham}",
    ]


# --- retraining the service's filter --------------------------------------------------


@dataclass(frozen=True)
class Retrained:
    spam: int
    ham: int
    tokens: int


def retrain(comments: Iterable[tuple[str, str, str]]) -> Retrained:
    """Rebuild the service's filter from ``comments``, (text, website, label) of every
    decision standing. Gives the same counts as the decisions made one by one."""
    counts = learning.MemoryCounts()
    for body, website, label in comments:
        counts.add(learning.tokens(body, website), label, 1)
    learning.forget_everything()
    learning.load_counts(counts)
    return Retrained(spam=counts.spam, ham=counts.ham, tokens=len(counts.table))

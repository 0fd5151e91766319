"""The filter that learns from the moderators: a token model in the style of
SpamAssassin's and Bogofilter's Bayes, with its statistics in the database.

Each decision (approve: honest, spam: spam) adds the comment's tokens to the counts;
undoing a decision takes them out again, so the model is always the sum of the
decisions standing. A new comment's probability of being spam combines the tokens it
shares with past decisions by Robinson's method and Fisher's chi-square (as SpamBayes
does); a token never seen, or seen as often on both sides, weighs nothing. A token's
share of each side's decisions is weighed against how long that side's comments are:
a long comment carries more words, so a word found in many of them says less.

The counts sit behind a small interface: the database's for the service, a dictionary's
for replaying a labelled file (``spam evaluate``, the bench).
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..core.database import db, insert_unless_present
from .models import FilterToken, FilterTotals

SPAM = "spam"
HAM = "ham"
LABELS = (SPAM, HAM)
# The filter acts (holds or bins) only once it has seen this many decisions of each kind;
# before that, its score is only shown. Until it has seen FULL_CONFIDENCE of each it
# demands more certainty than the owner's thresholds: the margin a threshold leaves
# below 1 shrinks in proportion, so with 10 of each a threshold of 0.99 asks for 0.995.
MIN_DECISIONS = 10
FULL_CONFIDENCE = 20
TOKEN_MAX = 64
TOKENS_PER_COMMENT = 400
# Robinson's constants: how much a rare token leans to the middle (his own 1, rather than
# SpamBayes' 0.45: on the labelled bench files it bins a quarter as many honest comments
# for a little less recall), and how far from 0.5 a token must be to count at all.
STRENGTH = 1.0
NEUTRAL = 0.5
MIN_DEVIATION = 0.1
# Only the strongest tokens are combined (Graham's 15, rather than SpamBayes' 150): a long
# honest comment is not pushed to an extreme by many weakly spammy words together.
MAX_DISCRIMINATORS = 15
WHY_TOKENS = 5
# How much the length of each side's comments discounts a token's share of them: its
# share of the decisions is divided by this power of their average number of tokens. 0
# counts decisions alone (a common word then leans to the side whose comments are
# longer: spam that pastes a paragraph makes "to" and "the" spammy), 1 counts tokens
# alone (a word in every short honest comment then weighs no more than one in a few
# long spam ones); with the square root, half way, one spam threshold serves both
# labelled bench files, which neither end allows.
LENGTH_WEIGHT = 0.5

# A long word also counts by its first letters, a crude stem that lets "subscribed" and
# "subscribers" share what "subscribe" taught; six keep "channel" apart from "change".
STEM = 6
WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# Top-level domains that make a bare "name.tld" count as a link.
LINK_TLDS = frozenset(
    "com net org info biz ly co tk ru de me tv us io xyz top be gl gg to cc ws".split()
)
PUNCTUATION = "()[]{}<>\"'.,;:!?*"
# Markup in a text (a pasted "<br />", "<a href=...>") is not words: read as a space.
TAG_RE = re.compile(r"</?[a-zA-Z][^<>]{0,80}>")


def link_host(chunk: str) -> str | None:
    """The host a piece of text (no spaces, lower case) links to, if it is a link: after
    ``http(s)://`` or ``www.``, or a bare ``name.tld``. String operations only: linear."""
    chunk = chunk.strip(PUNCTUATION)
    for prefix in ("https://", "http://"):
        if prefix in chunk:
            chunk = chunk.split(prefix, 1)[1]
            break
    else:
        if "www." in chunk:
            chunk = "www." + chunk.split("www.", 1)[1]
        elif "." not in chunk or "/" in chunk.split(".", 1)[0]:
            return None
    for stop in "/?#<>\"'":
        chunk = chunk.split(stop, 1)[0]
    host = chunk.strip(PUNCTUATION).removeprefix("www.")
    name, _, tld = host.rpartition(".")
    if not name or not tld.isalpha():
        return None
    return host


def link_marks(chunk: str, host: str) -> list[str]:
    """The shape of a link (``chunk``, no spaces, lower case, to ``host``): whether it goes
    past the host to a path, a query or a fragment, and whether those carry digits (an id,
    a referral code). The filter learns what each shape means, as any other token."""
    rest = chunk.strip(PUNCTUATION).partition(host)[2]
    marks = []
    if rest.strip("/" + PUNCTUATION):
        marks.append("link:path")
    if "?" in rest:
        marks.append("link:query")
    if "#" in rest:
        marks.append("link:fragment")
    if any(c.isdigit() for c in rest):
        marks.append("link:digits")
    return marks


# --- tokens -----------------------------------------------------------------------------


def tokens(body: str, website: str = "") -> list[str]:
    """The features of a comment: its words (and which comes first), their stems, pairs of
    words side by side and with one word between ("check … out"), the hosts its links
    (and their top-level domains) and website point to, the links' shapes and number, and
    a few marks (links, shouting, runs of "!", invisible characters). Each once, in order.
    Letters disguised as others (full-width "ｗｗｗ.ｅｘａｍｐｌｅ.ｃｏｍ", ligatures, HTML
    entities such as "&#39;") count as the plain letters they stand for; markup tags as
    spaces."""
    found: dict[str, None] = {}
    # Invisible characters (zero-width spaces, byte-order marks) are noted, then dropped,
    # so that "vi\u200bsit" is still "visit".
    body = TAG_RE.sub(" ", html.unescape(body))
    visible = "".join(c for c in body if unicodedata.category(c) != "Cf")
    invisible = len(visible) != len(body)
    body = unicodedata.normalize("NFKC", visible)
    lowered = body.lower()
    links = 0
    for chunk in lowered.split():
        host = link_host(chunk)
        if host is None:
            continue
        bare = not any(mark in chunk for mark in ("http://", "https://", "www."))
        if bare and host.rpartition(".")[2] not in LINK_TLDS:
            continue  # "e.g." or "end.Next": not a link
        links += 1
        found["has:link"] = None
        found["url:" + host] = None
        found["tld:" + host.rpartition(".")[2]] = None  # a host never seen, on a known TLD
        for mark in link_marks(chunk, host):
            found[mark] = None
    if links:
        found[f"links:{min(links, 3)}"] = None  # one, two, three or more
    host = urlsplit(website.strip().lower()).hostname if website.strip() else None
    if host:
        found["site:" + host.removeprefix("www.")] = None
    letters = [c for c in body if c.isalpha()]
    if len(letters) > 10 and sum(c.isupper() for c in letters) / len(letters) > 0.5:
        found["has:shouting"] = None
    if "!!" in body:
        found["has:exclamations"] = None
    if invisible:
        found["has:invisible"] = None
    words = [w for w in WORD_RE.findall(lowered) if 1 < len(w) <= 30]
    if words:
        # How a comment opens says much of a short one ("Subscribe…", "Follow me…").
        found["first:" + words[0]] = None
    for word in words:
        found[word] = None
    for first, second in zip(words, words[1:], strict=False):
        found[f"{first} {second}"] = None
    for word in words:
        if len(word) > STEM:
            found["stem:" + word[:STEM]] = None
    # Pairs with a word between ("check me out" and "check us out" share "check _ out"),
    # last: the first to go from a text too long to count whole.
    for first, third in zip(words, words[2:], strict=False):
        found[f"{first} _ {third}"] = None
    return [t[:TOKEN_MAX] for t in found][:TOKENS_PER_COMMENT]


# --- the counts -------------------------------------------------------------------------


class Counts(Protocol):
    def sizes(self) -> tuple[int, int, int, int]:
        """(spam decisions, honest decisions, tokens of the spam decisions, tokens of the
        honest ones), each token once per decision: the sum of each side's token counts."""
        ...

    def lookup(self, tokens: Iterable[str]) -> Mapping[str, tuple[int, int]]:
        """(spam, honest) counts of the tokens seen before."""
        ...

    def add(self, tokens: Iterable[str], label: str, amount: int) -> None:
        """Count one decision (``amount`` 1) or take one back (-1)."""
        ...


class MemoryCounts:
    """Counts in a dictionary: for replays that must not touch the service's filter."""

    def __init__(self) -> None:
        self.spam = 0
        self.ham = 0
        self.spam_tokens = 0
        self.ham_tokens = 0
        self.table: dict[str, list[int]] = {}

    def sizes(self) -> tuple[int, int, int, int]:
        return self.spam, self.ham, self.spam_tokens, self.ham_tokens

    def lookup(self, tokens: Iterable[str]) -> Mapping[str, tuple[int, int]]:
        return {t: (c[0], c[1]) for t in tokens if (c := self.table.get(t))}

    def add(self, tokens: Iterable[str], label: str, amount: int) -> None:
        index = 0 if label == SPAM else 1
        unique = dict.fromkeys(tokens)
        for token in unique:
            self.table.setdefault(token, [0, 0])[index] += amount
        if label == SPAM:
            self.spam += amount
            self.spam_tokens += amount * len(unique)
        else:
            self.ham += amount
            self.ham_tokens += amount * len(unique)


TOTALS_ID = 1


# Read on every post: built once.
_SIZES = select(
    FilterTotals.spam, FilterTotals.ham, FilterTotals.spam_tokens, FilterTotals.ham_tokens
).where(FilterTotals.id == TOTALS_ID)


class DatabaseCounts:
    """The service's counts, shared by every worker: one upsert per decision, in the
    caller's transaction (tokens in sorted order, so two decisions at once cannot
    deadlock on PostgreSQL)."""

    def sizes(self) -> tuple[int, int, int, int]:
        row = db.session.execute(_SIZES).first()
        if row is None:
            return 0, 0, 0, 0
        return int(row.spam), int(row.ham), int(row.spam_tokens), int(row.ham_tokens)

    def lookup(self, tokens: Iterable[str]) -> Mapping[str, tuple[int, int]]:
        wanted = list(tokens)
        if not wanted:
            return {}
        rows = db.session.execute(
            select(FilterToken.token, FilterToken.spam, FilterToken.ham).where(
                FilterToken.token.in_(wanted)
            )
        )
        return {row.token: (int(row.spam), int(row.ham)) for row in rows}

    def add(self, tokens: Iterable[str], label: str, amount: int) -> None:
        column = FilterToken.spam if label == SPAM else FilterToken.ham
        values = [
            {
                "token": t,
                "spam": amount if label == SPAM else 0,
                "ham": amount if label == HAM else 0,
            }
            for t in sorted(set(tokens))
        ]
        if values:
            dialect = db.session.get_bind().dialect.name
            insert = pg_insert if dialect == "postgresql" else sqlite_insert
            statement = insert(FilterToken).values(values)
            db.session.execute(
                statement.on_conflict_do_update(
                    index_elements=[FilterToken.token],
                    set_={column.key: column + getattr(statement.excluded, column.key)},
                )
            )
        insert_unless_present(
            FilterTotals,
            {"id": TOTALS_ID, "spam": 0, "ham": 0, "spam_tokens": 0, "ham_tokens": 0},
        )
        total = FilterTotals.spam if label == SPAM else FilterTotals.ham
        length = FilterTotals.spam_tokens if label == SPAM else FilterTotals.ham_tokens
        db.session.execute(
            update(FilterTotals)
            .where(FilterTotals.id == TOTALS_ID)
            .values({total.key: total + amount, length.key: length + amount * len(values)})
        )


# --- scoring ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    """A comment's probability of being spam, and the tokens that weighed most."""

    probability: float
    # (token, its own spam probability), the strongest first.
    tokens: tuple[tuple[str, float], ...]
    spam_decisions: int
    ham_decisions: int

    @property
    def known(self) -> bool:
        """The filter has seen both kinds of decision, so the score means something."""
        return self.spam_decisions > 0 and self.ham_decisions > 0

    @property
    def acts(self) -> bool:
        """Seen enough decisions of each kind to hold or bin on its own."""
        return min(self.spam_decisions, self.ham_decisions) >= MIN_DECISIONS

    @property
    def confidence(self) -> float:
        """How far the filter trusts itself, from 0 to 1 (once it has seen
        ``FULL_CONFIDENCE`` decisions of each kind)."""
        return min(1.0, min(self.spam_decisions, self.ham_decisions) / FULL_CONFIDENCE)

    def exceeds(self, threshold: float) -> bool:
        """The filter acts on this threshold: it has seen enough, and the probability is
        above it, by more while it has seen fewer than ``FULL_CONFIDENCE`` of each."""
        return self.acts and self.probability > 1.0 - (1.0 - threshold) * self.confidence

    def why(self) -> str:
        """``"check out ↑spam, love ↓spam"``: what pushed the score, for the queue."""
        words = [t for t, _ in self.tokens if not t.startswith("stem:")]
        parts: dict[str, None] = {}
        for token, p in self.tokens:
            if token.startswith("stem:"):
                stem = token.removeprefix("stem:")
                if any(word.startswith(stem) for word in words):
                    continue  # the word itself says it
                token = stem + "…"
            # The opening word is shown as the word; a pair with a word between as "a … b".
            token = token.removeprefix("first:").replace(" _ ", " … ")
            parts[f"{token} {'↑' if p > 0.5 else '↓'}"] = None
            if len(parts) == WHY_TOKENS:
                break
        return ", ".join(parts)[:300]


def _chi2q(x2: float, freedom: int) -> float:
    """The chance of a chi-square of ``x2`` or more with ``freedom`` (even) degrees."""
    m = x2 / 2.0
    term = total = math.exp(-m)
    for i in range(1, freedom // 2):
        term *= m / i
        total += term
    return min(total, 1.0)


def side_weight(decisions: int, tokens: int) -> float:
    """What a token's count on one side is divided by: the side's decisions, times its
    comments' average number of tokens (at least 1) to the power ``LENGTH_WEIGHT``."""
    if decisions <= 0:
        return 0.0
    return decisions * max(1.0, tokens / decisions) ** LENGTH_WEIGHT


def token_probability(spam: int, ham: int, spam_total: float, ham_total: float) -> float:
    """Robinson's f(w): the token's spam ratio, pulled towards 0.5 while it is rare.
    ``spam_total`` and ``ham_total`` are what each side's count is divided by (see
    ``side_weight``)."""
    # Counts below zero (a lesson taken back under tokens it was not taught with, before a
    # retrain) count as none.
    spam, ham = max(spam, 0), max(ham, 0)
    spam_ratio = spam / spam_total if spam_total > 0 else 0.0
    ham_ratio = ham / ham_total if ham_total > 0 else 0.0
    p = spam_ratio / (spam_ratio + ham_ratio) if spam_ratio + ham_ratio else NEUTRAL
    n = spam + ham
    return (STRENGTH * NEUTRAL + n * p) / (STRENGTH + n)


def score(counts: Counts, comment_tokens: Iterable[str]) -> Score:
    """How likely a comment with these tokens is spam, given the decisions so far."""
    spam_total, ham_total, spam_tokens, ham_tokens = counts.sizes()
    unique = list(dict.fromkeys(comment_tokens))
    if not spam_total or not ham_total:
        return Score(NEUTRAL, (), spam_total, ham_total)
    seen = counts.lookup(unique)
    spam_weight = side_weight(spam_total, spam_tokens)
    ham_weight = side_weight(ham_total, ham_tokens)
    weighed = []
    for token in unique:
        if token not in seen:
            continue  # never seen: neutral
        f = token_probability(*seen[token], spam_weight, ham_weight)
        if abs(f - NEUTRAL) >= MIN_DEVIATION:
            weighed.append((token, min(max(f, 1e-6), 1 - 1e-6)))
    weighed.sort(key=lambda item: (-abs(item[1] - NEUTRAL), item[0]))
    weighed = weighed[:MAX_DISCRIMINATORS]
    if not weighed:
        return Score(NEUTRAL, (), spam_total, ham_total)
    n = len(weighed)
    ham_evidence = _chi2q(-2.0 * sum(math.log(f) for _, f in weighed), 2 * n)
    spam_evidence = _chi2q(-2.0 * sum(math.log(1.0 - f) for _, f in weighed), 2 * n)
    probability = (1.0 + ham_evidence - spam_evidence) / 2.0
    return Score(probability, tuple(weighed), spam_total, ham_total)


# --- learning ---------------------------------------------------------------------------


def label_for(status: str) -> str | None:
    """The lesson of a status: approved teaches honest, spam teaches spam, others nothing."""
    return {"approved": HAM, "spam": SPAM}.get(status)


def relearn(
    counts: Counts, comment_tokens: list[str], before: str | None, after: str | None
) -> None:
    """Move one comment's lesson from ``before`` to ``after`` (either may be None)."""
    if before == after:
        return
    if before is not None:
        counts.add(comment_tokens, before, -1)
    if after is not None:
        counts.add(comment_tokens, after, 1)


def forget_everything() -> None:
    """Empty the service's filter (before a retrain)."""
    db.session.execute(delete(FilterToken))
    db.session.execute(delete(FilterTotals))


def load_counts(counts: MemoryCounts) -> None:
    """Write counts built in memory as the service's filter (after ``forget_everything``)."""
    rows = [
        {"token": token, "spam": spam, "ham": ham}
        for token, (spam, ham) in sorted(counts.table.items())
        if spam or ham
    ]
    for start in range(0, len(rows), 500):
        db.session.execute(insert(FilterToken), rows[start : start + 500])
    db.session.add(
        FilterTotals(
            id=TOTALS_ID,
            spam=counts.spam,
            ham=counts.ham,
            spam_tokens=counts.spam_tokens,
            ham_tokens=counts.ham_tokens,
        )
    )
    db.session.flush()

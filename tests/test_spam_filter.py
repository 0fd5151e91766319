"""The learning filter: its token model, what teaches it (every way a moderator decides,
bulk and email links too), when it acts, and the commands that rebuild and measure it."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from moderation import comments as domain
from moderation.comments.models import Comment, Status
from moderation.extensions import db
from moderation.spam import evaluation, learning
from moderation.spam.models import FilterToken

from .conftest import Auth
from .helpers import post_comment

SPAMMY = "Check out my channel and subscribe http://cheap.example"
HONEST = "What a touching film about a father and his daughter"


def memory(decisions: list[tuple[str, bool]]) -> learning.MemoryCounts:
    counts = learning.MemoryCounts()
    for text, spam in decisions:
        counts.add(learning.tokens(text), learning.SPAM if spam else learning.HAM, 1)
    return counts


def model() -> dict[str, tuple[int, int]]:
    rows = db.session.scalars(db.select(FilterToken)).all()
    return {row.token: (row.spam, row.ham) for row in rows if row.spam or row.ham}


def totals() -> tuple[int, int]:
    """(spam decisions, honest decisions)."""
    return learning.DatabaseCounts().sizes()[:2]


def token_totals() -> tuple[int, int]:
    """The tokens counted on each side."""
    return learning.DatabaseCounts().sizes()[2:]


def lengths_match_the_model() -> bool:
    """The tokens counted on each side are the sums of the model's counts."""
    counted = model().values()
    sums = (sum(spam for spam, _ in counted), sum(ham for _, ham in counted))
    return token_totals() == sums


def test_tokens_are_words_pairs_and_link_hosts() -> None:
    tokens = learning.tokens("Visit WWW.Cheap.example/now, it's GREAT", "https://www.my.example/x")
    assert "url:cheap.example" in tokens and "site:my.example" in tokens
    assert "tld:example" in tokens
    assert "has:link" in tokens and "visit" in tokens and "it's" in tokens
    assert "visit www" in tokens and "stem:cheap" not in tokens  # short words are their stem
    assert "stem:subscr" in learning.tokens("subscribers") == learning.tokens("subscribers")
    assert tokens == list(dict.fromkeys(tokens))  # each once


def test_pairs_with_a_word_between_and_the_shape_of_links_are_tokens() -> None:
    tokens = learning.tokens("check us out: http://x.example/watch?v=123#top and y.com")
    assert "check _ out" in tokens and "us _ http" in tokens
    assert {"link:path", "link:query", "link:fragment", "link:digits"} <= set(tokens)
    assert "links:2" in tokens
    plain = learning.tokens("see www.x.example/ now")
    assert "links:1" in plain and not any(t.startswith("link:") for t in plain)


def test_markup_and_entities_are_read_as_the_text_they_stand_for() -> None:
    tokens = learning.tokens("Avicii&#39;s song<br />so good &amp; <b>new</b>")
    assert tokens == learning.tokens("Avicii's song so good & new")
    assert "39" not in tokens and "br" not in tokens and "avicii's" in tokens


def test_a_word_between_lets_one_pattern_teach_another() -> None:
    # "check" and "out" alone are as common on both sides; only the pattern says spam.
    counts = memory(
        [("check me out", True)] * 3
        + [("check this song", False), ("out of this world", False)] * 3
    )
    tokens = learning.tokens("check us out")
    score = learning.score(counts, tokens)
    assert score.tokens[0][0] == "check _ out"
    without = learning.score(counts, [t for t in tokens if t != "check _ out"])
    assert score.probability > 0.8 > without.probability


def test_the_first_word_weighs_on_its_own() -> None:
    assert "first:check" in learning.tokens("Check this out") == learning.tokens("Check this out")
    # "follow" and "now" are as common on both sides; only spam opened with "follow".
    counts = memory([("follow me now", True)] * 3 + [("now follow the song", False)] * 3)
    score = learning.score(counts, learning.tokens("follow along"))
    assert score.probability > 0.8 and score.tokens[0][0] == "first:follow"
    assert learning.score(counts, learning.tokens("along follow")).probability == 0.5


def test_a_link_shape_learned_weighs_on_a_host_never_seen() -> None:
    counts = memory(
        [(f"https://a{n}.example/ref?id={n}", True) for n in range(3)]
        + [("see https://wiki.example/ too", False)] * 3
    )
    shaped = learning.score(counts, learning.tokens("https://new.example/ref?id=9"))
    bare = learning.score(counts, learning.tokens("https://new.example/"))
    assert shaped.probability > bare.probability
    assert "link:query" in dict(shaped.tokens)


def test_a_count_below_zero_weighs_nothing() -> None:
    counts = memory([(SPAMMY, True), (HONEST, False)])
    counts.add(["never-taught"], learning.SPAM, -1)  # taken back under other tokens
    score = learning.score(counts, ["never-taught"])
    assert score.probability == 0.5 and score.tokens == ()


def test_disguised_letters_invisible_characters_and_exclamations_are_tokens() -> None:
    tokens = learning.tokens("ｖｉｓｉｔ ｗｗｗ.ｃｈｅａｐ.ｅｘａｍｐｌｅ\ufeff no\u200bw!!!")
    assert "visit" in tokens and "now" in tokens
    assert "url:cheap.example" in tokens and "has:link" in tokens
    assert "has:invisible" in tokens and "has:exclamations" in tokens
    plain = learning.tokens("visit my page now!")
    assert "has:invisible" not in plain and "has:exclamations" not in plain


def test_training_moves_the_score_the_right_way() -> None:
    counts = memory([(SPAMMY, True), (HONEST, False)])
    before = learning.score(counts, learning.tokens("subscribe to my channel")).probability
    counts.add(learning.tokens("please subscribe to my channel"), learning.SPAM, 1)
    after = learning.score(counts, learning.tokens("subscribe to my channel")).probability
    assert after > before > 0.5
    honest = learning.score(counts, learning.tokens("a father and his daughter")).probability
    assert honest < 0.5


def test_unknown_tokens_are_neutral() -> None:
    counts = memory([(SPAMMY, True), (HONEST, False)])
    score = learning.score(counts, learning.tokens("zebra quantum marmalade"))
    assert score.probability == 0.5 and score.tokens == ()


def test_each_side_counts_the_tokens_of_its_decisions() -> None:
    counts = memory([("check my channel", True), ("lovely", False), ("so lovely", False)])
    assert counts.sizes()[2:] == (
        len(learning.tokens("check my channel")),
        len(learning.tokens("lovely")) + len(learning.tokens("so lovely")),
    )
    counts.add(learning.tokens("so lovely"), learning.HAM, -1)
    assert counts.sizes()[3] == len(learning.tokens("lovely"))


def test_a_sides_count_is_discounted_by_the_length_of_its_comments() -> None:
    assert learning.side_weight(10, 160) == 10 * 16**learning.LENGTH_WEIGHT
    assert learning.side_weight(10, 5) == 10  # shorter than one token: decisions alone
    assert learning.side_weight(0, 0) == 0


def test_a_common_word_does_not_lean_to_the_side_with_the_longer_comments() -> None:
    # Every spam comment is long and has "the"; every other honest one is a quarter as
    # long and has it too. Counting decisions alone, "the" would say spam (8 of 8 against
    # 4 of 8); weighed by length, it is as common among the words of either side.
    counts = learning.MemoryCounts()
    for n in range(8):
        counts.add(["the"] + [f"spam{n} {k}" for k in range(39)], learning.SPAM, 1)
        honest = [f"honest{n} {k}" for k in range(9)]
        counts.add((["the"] if n % 2 else ["a"]) + honest, learning.HAM, 1)
    score = learning.score(counts, ["the"])
    assert score.probability == 0.5 and score.tokens == ()
    assert learning.token_probability(8, 4, 8, 8) > 0.6  # by decisions alone


def test_nothing_to_say_before_both_kinds_of_decision() -> None:
    counts = memory([(SPAMMY, True)])
    score = learning.score(counts, learning.tokens(SPAMMY))
    assert score.probability == 0.5 and not score.known and not score.acts


def test_it_acts_only_after_ten_decisions_of_each_kind(app: Flask) -> None:
    from moderation.spam.checks import blocklist_rules, check_submission

    def binned(counts: learning.MemoryCounts) -> bool:
        score = learning.score(counts, learning.tokens(SPAMMY))
        return check_submission(
            name="x",
            email="x@example.org",
            website="",
            body=SPAMMY,
            honeypot="",
            rules=blocklist_rules([]),
            score=score,
        ).spam

    counts = memory([(SPAMMY + f" {n}", True) for n in range(10)] + [(HONEST, False)] * 9)
    assert learning.score(counts, learning.tokens(SPAMMY)).probability > 0.995
    assert not binned(counts)  # 9 honest decisions: only a score
    counts.add(learning.tokens(HONEST), learning.HAM, 1)
    assert binned(counts)


def test_it_asks_for_more_certainty_while_it_has_seen_little() -> None:
    def score(probability: float, each: int) -> learning.Score:
        return learning.Score(probability, (), each, each)

    assert not score(0.999, 9).exceeds(0.99)  # not enough seen to act at all
    assert not score(0.993, 10).exceeds(0.99)  # half-way: 0.99 asks for 0.995
    assert score(0.996, 10).exceeds(0.99)
    assert not score(0.992, 15).exceeds(0.99) and score(0.992, 20).exceeds(0.99)
    assert score(0.993, 200).exceeds(0.99) and not score(0.99, 200).exceeds(0.99)
    assert score(0.85, 20).exceeds(0.8) and not score(0.85, 10).exceeds(0.8)


def test_the_settings_page_says_when_the_filter_acts(logged_in: Auth) -> None:
    counts = learning.DatabaseCounts()

    def sentence() -> str:
        text = logged_in.client.get("/moderation/settings").text
        return re.sub(
            r"\s+", " ", text.split("The learning filter has seen", 1)[1].split("</p>")[0]
        )

    assert "It acts only after 10 of each" in sentence()
    for _ in range(10):
        counts.add(["spammy"], learning.SPAM, 1)
        counts.add(["honest"], learning.HAM, 1)
    db.session.commit()
    assert "asking for more certainty until it has seen 20 of each" in sentence()
    for _ in range(10):
        counts.add(["spammy"], learning.SPAM, 1)
        counts.add(["honest"], learning.HAM, 1)
    db.session.commit()
    assert sentence().endswith("It acts on the thresholds below.")


def test_why_names_the_tokens_that_weighed_most() -> None:
    counts = memory([(SPAMMY, True), (HONEST, False)] * 3)
    why = learning.score(counts, learning.tokens("subscribe to my channel")).why()
    assert "subscribe ↑" in why and "stem:" not in why
    why = learning.score(counts, learning.tokens("new subscribers")).why()
    assert why == "subscr… ↑"  # a word never seen, known by its stem
    counts = memory([("check me out", True)] * 3 + [("a lovely song", False)] * 3)
    why = learning.score(counts, learning.tokens("check us out")).why()
    assert why == "check ↑, check … out ↑, out ↑"  # the first word once, as a word


def test_every_decision_trains_and_undoing_it_untrains(
    app: Flask, make_comment: Callable[..., Comment]
) -> None:
    comment = make_comment(body=SPAMMY)
    assert totals() == (0, 0)
    domain.mark_spam(comment)
    db.session.commit()
    assert totals() == (1, 0) and model()["subscribe"] == (1, 0)
    assert token_totals()[0] > 0 and lengths_match_the_model()
    domain.approve(comment)  # a moderator changes their mind
    db.session.commit()
    assert totals() == (0, 1) and model()["subscribe"] == (0, 1)
    assert token_totals()[0] == 0 and lengths_match_the_model()
    domain.reject(comment)  # rejected teaches nothing
    db.session.commit()
    assert totals() == (0, 0) and model() == {}
    assert token_totals() == (0, 0)


def test_an_edit_retrains_on_the_new_text_and_a_deletion_forgets(
    app: Flask, make_comment: Callable[..., Comment]
) -> None:
    comment = make_comment(Status.APPROVED, body="old words here")
    domain.edit_comment(comment, "new words here", None)
    db.session.commit()
    assert "old" not in model() and model()["new"] == (0, 1)
    domain.delete_comment(comment, None)
    db.session.commit()
    assert totals() == (0, 0) and model() == {}


def test_site_replies_teach_nothing(
    app: Flask, make_comment: Callable[..., Comment], moderator: Any
) -> None:
    parent = make_comment(Status.APPROVED, body=HONEST)
    before = totals()
    domain.moderator_reply(parent, moderator, "Thank you!")
    db.session.commit()
    assert totals() == before


def test_bulk_decisions_train(logged_in: Auth, make_comment: Callable[..., Comment]) -> None:
    spam = [make_comment(body=f"{SPAMMY} {n}") for n in range(3)]
    response = logged_in.post(
        "/moderation/bulk",
        {"action": "spam", "selected": [f"{c.id}:{c.version}" for c in spam]},
    )
    assert response.status_code == 303
    assert totals() == (3, 0)
    assert model()["subscribe"] == (3, 0)


def test_the_retrained_model_is_the_same(
    app: Flask, make_comment: Callable[..., Comment], runner: FlaskCliRunner
) -> None:
    for n in range(4):
        domain.mark_spam(make_comment(body=f"{SPAMMY} {n}"))
        domain.approve(make_comment(body=f"{HONEST} {n}"))
    changed = make_comment(body="first thoughts")
    domain.approve(changed)
    domain.edit_comment(changed, "second thoughts", None)
    domain.mark_spam(changed)
    domain.delete_comment(make_comment(Status.APPROVED, body="gone for good"), None)
    db.session.commit()
    incremental, counted = model(), totals()
    lengths = token_totals()
    assert lengths_match_the_model()
    result = runner.invoke(args=["spam", "retrain"])
    assert result.exit_code == 0, result.output
    assert "Retrained on 5 spam and 4 approved comments" in result.output
    db.session.expire_all()
    assert model() == incremental and totals() == counted == (5, 4)
    assert token_totals() == lengths


def test_a_new_comment_gets_its_score_shown_and_acts_once_trained(
    logged_in: Auth,
    client: Any,
    form_token: Callable[..., str],
    make_comment: Callable[..., Comment],
) -> None:
    for n in range(learning.MIN_DECISIONS):
        domain.mark_spam(make_comment(body=f"{SPAMMY} number {n}"))
        domain.approve(make_comment(body=f"{HONEST}, take {n}"))
    db.session.commit()
    posted = post_comment(client, form_token(), body="Check out my channel and subscribe!")
    comment = db.session.get(Comment, posted.json["id"])
    assert comment is not None and comment.spam_score is not None
    assert comment.spam_score > 0.99
    assert comment.status == Status.SPAM and "filter-spam" in comment.held_rules
    page = logged_in.client.get("/moderation/?status=spam&reason=filter-spam")
    assert f'id="comment-{comment.id}"' in page.text
    assert "Spam score:" in page.text and "subscribe ↑" in page.text
    honest = post_comment(client, form_token(), body="A touching film, a father and daughter")
    kept = db.session.get(Comment, honest.json["id"])
    assert kept is not None and kept.status == Status.PENDING and kept.spam_score < 0.5  # type: ignore[operator]


def test_email_link_decisions_train(
    notify_app: Flask, article: Any, moderator: Any, mailbox: Any, form_token: Callable[..., str]
) -> None:
    from moderation.notify import worker

    from .test_notify import link

    client = notify_app.test_client()
    post_comment(client, form_token(), body=SPAMMY)
    contextvars.Context().run(worker.send_due, notify_app)
    db.session.expire_all()
    spam_link = link(mailbox.wait_for(1)[0], "Spam")
    assert client.post(spam_link).status_code == 200
    db.session.expire_all()
    assert totals() == (1, 0) and model()["subscribe"] == (1, 0)


# --- measuring -------------------------------------------------------------------------


def write_csv(path: Path, rows: list[tuple[str, str]], header: bool = False) -> Path:
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        if header:
            writer.writerow(["COMMENT_ID", "AUTHOR", "DATE", "CONTENT", "CLASS"])
            for n, (label, text) in enumerate(rows):
                # Written newest first: the replay sorts by date.
                writer.writerow(
                    [
                        n,
                        "someone",
                        f"2015-01-{31 - n % 28:02d}T{n % 24:02d}:00",
                        text,
                        "1" if label == "spam" else "0",
                    ]
                )
        else:
            writer.writerows(rows)
    return path


def labelled(n: int) -> list[tuple[str, str]]:
    rows = []
    for i in range(n):
        rows.append(
            ("spam", f"check out my channel and subscribe now {i} http://cheap{i % 3}.example")
        )
        rows.append(("ham", f"this song brings back memories of summer {i} so beautiful"))
    return rows


def test_evaluate_replays_a_file_and_prints_the_figures(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "labelled.csv", labelled(60))
    result = runner.invoke(args=["spam", "evaluate", str(path)])
    assert result.exit_code == 0, result.output
    assert "comments scored after the first 50 decisions: 70 (35 spam, 35 honest)" in result.output
    precision = float(re.search(r"precision \(spam tab\): ([0-9.]+)", result.output)[1])  # type: ignore[index]
    recall = float(re.search(r"recall \(spam tab\): ([0-9.]+)", result.output)[1])  # type: ignore[index]
    assert precision == 1.0 and recall > 0.9
    assert "honest comments sent to the spam tab: 0 (0.0%)" in result.output
    assert totals() == (0, 0)  # the service's own filter is left alone


def test_evaluate_reads_a_file_with_a_header_in_time_order(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "dated.csv", labelled(5), header=True)
    comments = evaluation.read_labelled(path.read_text())
    assert len(comments) == 10
    dates = [row.split(",")[2] for row in path.read_text().splitlines()[1:]]
    assert dates != sorted(dates)  # the file is not in time order; the replay is


def test_evaluate_refuses_a_file_it_cannot_read(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("maybe,some text\n")
    result = runner.invoke(args=["spam", "evaluate", str(path)])
    assert result.exit_code == 1 and "neither spam nor ham" in result.output


@pytest.mark.parametrize("flag", ["--spam-threshold=1.5", "--warm-up=-1"])
def test_evaluate_refuses_bad_options(runner: FlaskCliRunner, tmp_path: Path, flag: str) -> None:
    path = write_csv(tmp_path / "labelled.csv", labelled(3))
    assert runner.invoke(args=["spam", "evaluate", flag, str(path)]).exit_code == 2

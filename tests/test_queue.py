"""The dashboard's queries and its domain helpers, without HTTP."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from moderation import comments as domain
from moderation.accounts.models import Moderator
from moderation.comments.models import Article, Comment, ModerationEvent, Status
from moderation.dashboard import queries as queue
from moderation.extensions import db

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def at(comment: Comment, minutes: int) -> Comment:
    comment.created_at = T0 + timedelta(minutes=minutes)
    db.session.commit()
    return comment


def ids(page: queue.Page[Comment]) -> list[int]:
    return [c.id for c in page.items]


def test_pending_comes_first_and_oldest_first(make_comment: Callable[..., Comment]) -> None:
    late = at(make_comment(), 30)
    early = at(make_comment(), 10)
    approved = at(make_comment(Status.APPROVED), 0)
    spam = at(make_comment(Status.SPAM), 5)
    assert ids(queue.queue(queue.QueueFilter())) == [early.id, late.id]
    everything = queue.queue(queue.QueueFilter(status=None))
    assert ids(everything) == [early.id, late.id, approved.id, spam.id]


def test_other_tabs_show_the_latest_decisions_first(make_comment: Callable[..., Comment]) -> None:
    old = at(make_comment(Status.APPROVED), 0)
    new = at(make_comment(Status.APPROVED), 60)
    make_comment(Status.REJECTED)
    assert ids(queue.queue(queue.QueueFilter(status=Status.APPROVED))) == [new.id, old.id]


def test_counts_per_status_follow_article_and_search(
    make_comment: Callable[..., Comment], article: Article
) -> None:
    domain.create_article("other")
    make_comment(name="Ada")
    make_comment(Status.APPROVED, name="Ada")
    make_comment(Status.SPAM, name="Bob")
    make_comment(article_id="other")
    assert queue.status_counts() == {
        Status.PENDING: 2,
        Status.APPROVED: 1,
        Status.REJECTED: 0,
        Status.SPAM: 1,
    }
    in_article = queue.status_counts(queue.QueueFilter(article_id=article.id))
    assert in_article[Status.PENDING] == 1
    assert queue.status_counts(queue.QueueFilter(search="ada"))[Status.SPAM] == 0


def test_search_looks_at_names_emails_and_text(make_comment: Callable[..., Comment]) -> None:
    by_name = make_comment(name="Margarethe Vogel")
    by_email = make_comment(email="film.buff@margarethe.example")
    by_text = make_comment(body="A story about MARGARETHE and her father")
    make_comment(name="Someone else", body="Nothing to see")

    def search(text: str) -> set[int]:
        return set(ids(queue.queue(queue.QueueFilter(search=text))))

    assert search("margarethe") == {by_name.id, by_email.id, by_text.id}
    assert search("margarethe father") == {by_text.id}
    assert search("buff@") == {by_email.id}


def test_search_wildcards_are_taken_literally(make_comment: Callable[..., Comment]) -> None:
    percent = make_comment(body="100% agree")
    make_comment(body="1000 agree")
    assert ids(queue.queue(queue.QueueFilter(search="100%"))) == [percent.id]
    assert ids(queue.queue(queue.QueueFilter(search="_"))) == []


def test_filter_by_article(make_comment: Callable[..., Comment]) -> None:
    domain.create_article("other")
    make_comment()
    elsewhere = make_comment(article_id="other")
    assert ids(queue.queue(queue.QueueFilter(article_id="other"))) == [elsewhere.id]


def test_pagination(make_comment: Callable[..., Comment]) -> None:
    made = [at(make_comment(), minute).id for minute in range(7)]
    first = queue.queue(queue.QueueFilter(per_page=3))
    assert ids(first) == made[:3]
    assert (first.total, first.pages, first.has_prev, first.has_next) == (7, 3, False, True)
    last = queue.queue(queue.QueueFilter(per_page=3, page=3))
    assert ids(last) == made[6:] and (last.first_index, last.last_index) == (7, 7)
    beyond = queue.queue(queue.QueueFilter(per_page=3, page=99))
    assert beyond.page == 3 and ids(beyond) == made[6:]


def test_parse_filter_ignores_what_it_cannot_read() -> None:
    parsed = queue.parse_filter(
        {"status": "bogus", "page": "-3", "article": "../etc", "q": "  two   words "}
    )
    assert parsed == queue.QueueFilter(status=Status.PENDING, article_id=None, search="two words")
    assert queue.parse_filter({"status": "all"}).status is None
    assert queue.parse_filter({"status": "spam", "page": "x"}).page == 1
    assert queue.parse_filter({"page": "2", "article": "a-film-review"}).args() == {
        "status": "pending",
        "article": "a-film-review",
        "page": 2,
    }


def test_audit_log_lists_every_action_newest_first(
    make_comment: Callable[..., Comment], make_moderator: Callable[..., Moderator]
) -> None:
    moderator = make_moderator()
    comment = make_comment()
    domain.approve(comment, moderator)
    db.session.commit()
    domain.reject(comment, moderator)
    db.session.commit()
    events = queue.audit_log().items
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("reject", "approved", "rejected"),
        ("approve", "pending", "approved"),
    ]
    assert all(e.moderator == moderator for e in events)
    assert [e.action for e in queue.events_for(comment)] == ["approve", "reject"]


def test_articles_with_counts(make_comment: Callable[..., Comment], article: Article) -> None:
    domain.create_article("quiet", title="Nobody comments here")
    make_comment()
    make_comment(Status.APPROVED)
    make_comment(Status.APPROVED)
    rows = {row.article.id: row for row in queue.articles_with_counts().items}
    assert rows[article.id].counts[Status.APPROVED] == 2
    assert rows[article.id].total == 3
    assert rows["quiet"].total == 0


# --- domain helpers the dashboard uses --------------------------------------------


def test_moderate_many_skips_comments_changed_since_they_were_seen(
    make_comment: Callable[..., Comment], make_moderator: Callable[..., Moderator]
) -> None:
    moderator = make_moderator()
    fresh, stale = make_comment(), make_comment()
    seen = stale.version
    domain.reject(stale, None)
    db.session.commit()
    result = domain.moderate_many([(fresh, fresh.version), (stale, seen)], "approve", moderator)
    db.session.commit()
    assert result.done == [fresh.id] and result.conflicts == [stale.id]
    assert (fresh.status, stale.status) == (Status.APPROVED, Status.REJECTED)


def test_moderate_many_deletes(make_comment: Callable[..., Comment]) -> None:
    one, two = make_comment(), make_comment()
    domain.moderate_many([(one, None), (two, None)], "delete", None)
    db.session.commit()
    assert db.session.scalars(db.select(Comment)).all() == []
    assert (
        db.session.scalar(
            db.select(db.func.count())
            .select_from(ModerationEvent)
            .where(ModerationEvent.action == "delete")
        )
        == 2
    )


def test_replying_to_a_pending_comment_approves_it(
    make_comment: Callable[..., Comment], make_moderator: Callable[..., Moderator]
) -> None:
    moderator = make_moderator()
    parent = make_comment()
    reply = domain.reply_from_dashboard(parent, moderator, "Thanks, *Ada*!")
    db.session.commit()
    assert parent.status is Status.APPROVED
    assert reply.status is Status.APPROVED and reply.by_moderator_id == moderator.id
    assert [c.id for c in domain.approved_comments(parent.article_id)] == [parent.id, reply.id]


@pytest.mark.parametrize("status", [Status.SPAM, Status.REJECTED])
def test_no_reply_to_spam_or_rejected(
    make_comment: Callable[..., Comment], make_moderator: Callable[..., Moderator], status: Status
) -> None:
    parent = make_comment(status)
    with pytest.raises(domain.DomainError, match="restore and approve"):
        domain.reply_from_dashboard(parent, make_moderator(), "Hello")


def test_editing_and_closing_an_article_is_logged(article: Article) -> None:
    domain.edit_article(article, title="New title", url="https://blog.example/new")
    domain.close_article(article, True)
    domain.close_article(article, True)
    db.session.commit()
    assert (article.title, article.url, article.closed) == (
        "New title",
        "https://blog.example/new",
        True,
    )
    assert [e.action for e in reversed(queue.audit_log(article_id=article.id).items)] == [
        "edit article",
        "close",
    ]

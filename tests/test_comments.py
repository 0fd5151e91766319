"""The domain, without HTTP."""

from collections.abc import Callable
from typing import Any, cast

import pytest

from moderation import comments as domain
from moderation.comments.models import Article, Comment, ModerationEvent, Status
from moderation.extensions import db


def submission(**kw: object) -> domain.Submission:
    fields: dict[str, object] = {
        "name": "Ann",
        "email": "ann@example.org",
        "website": "",
        "body": "Lovely *film*",
    }
    fields.update(kw)
    return domain.Submission(**fields)  # type: ignore[arg-type]


def test_submitted_comment_is_pending_and_rendered(article: Article) -> None:
    comment = domain.submit_comment(article, submission())
    db.session.commit()
    assert comment.status is Status.PENDING
    assert comment.html == "<p>Lovely <em>film</em></p>"
    assert domain.approved_comments(article.id) == []


def test_approved_comments_are_oldest_first_and_only_approved(
    make_comment: Callable[..., Comment], article: Article
) -> None:
    first = make_comment(Status.APPROVED)
    make_comment(Status.PENDING)
    make_comment(Status.SPAM)
    make_comment(Status.REJECTED)
    last = make_comment(Status.APPROVED)
    assert domain.approved_comments(article.id) == [first, last]
    assert domain.approved_count(article.id) == 2


def test_reply_needs_an_approved_parent_of_the_same_article(
    make_comment: Callable[..., Comment], article: Article
) -> None:
    pending = make_comment(Status.PENDING)
    with pytest.raises(domain.InvalidParent):
        domain.submit_comment(article, submission(parent_id=pending.id))
    other = domain.create_article("other-post")
    with pytest.raises(domain.InvalidParent):
        domain.submit_comment(other, submission(parent_id=make_comment(Status.APPROVED).id))
    with pytest.raises(domain.InvalidParent):
        domain.submit_comment(article, submission(parent_id=999_999))
    parent = make_comment(Status.APPROVED)
    reply = domain.submit_comment(article, submission(parent_id=parent.id))
    assert reply.parent_id == parent.id


def test_replies_nest_no_deeper_than_the_limit(
    make_comment: Callable[..., Comment], article: Article
) -> None:
    top = make_comment(Status.APPROVED)
    second = make_comment(Status.APPROVED, parent=top)
    domain.submit_comment(article, submission(parent_id=second.id), max_depth=3)
    with pytest.raises(domain.InvalidParent, match="deep"):
        domain.submit_comment(article, submission(parent_id=second.id), max_depth=2)


def test_closed_article_refuses_comments(article: Article) -> None:
    domain.close_article(article, True)
    with pytest.raises(domain.CommentsClosed):
        domain.submit_comment(article, submission())
    with pytest.raises(domain.CommentsClosed):
        domain.article_for_comment(article.id, auto_create=True)


def test_article_created_on_first_comment_only_when_allowed(app: object) -> None:
    with pytest.raises(domain.ArticleNotFound):
        domain.article_for_comment("new-post", auto_create=False)
    article = domain.article_for_comment(
        "new-post",
        title="New",
        url="https://b.example/new",
        auto_create=True,
        origins=["https://b.example"],
    )
    assert article.title == "New" and domain.get_article("new-post") is article


@pytest.mark.parametrize("bad", ["", "has space", "../etc", "a" * 201, "-leading", "ünïcode"])
def test_article_ids_are_slugs(app: object, bad: str) -> None:
    assert not domain.is_valid_article_id(bad)
    with pytest.raises(domain.DomainError):
        domain.create_article(bad)


def test_status_changes_are_logged(make_comment: Callable[..., Comment]) -> None:
    comment = make_comment()
    domain.approve(comment, None)
    domain.reject(comment, None)
    db.session.commit()
    events = db.session.scalars(
        db.select(ModerationEvent)
        .where(ModerationEvent.comment_id == comment.id)
        .order_by(ModerationEvent.id)
    ).all()
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("approve", "pending", "approved"),
        ("reject", "approved", "rejected"),
    ]


def test_stale_version_is_a_conflict(make_comment: Callable[..., Comment]) -> None:
    comment = make_comment()
    seen = comment.version
    domain.approve(comment, None, expected_version=seen)
    db.session.commit()
    with pytest.raises(domain.ConflictError):
        domain.reject(comment, None, expected_version=seen)


def test_build_thread_nests_replies(make_comment: Callable[..., Comment], article: Article) -> None:
    top = make_comment(Status.APPROVED)
    reply = make_comment(Status.APPROVED, parent=top)
    other = make_comment(Status.APPROVED)
    tree = domain.build_thread(domain.approved_comments(article.id))
    assert [n.comment for n in tree] == [top, other]
    assert [n.comment for n in tree[0].replies] == [reply]


def test_public_comment_has_no_private_fields(make_comment: Callable[..., Comment]) -> None:
    comment = make_comment(Status.APPROVED, email="secret-person@example.org")
    comment.remote_addr = "203.0.113.9"
    public = domain.public_comment(comment)
    assert set(public) == {
        "id",
        "parent_id",
        "author",
        "website",
        "html",
        "created_at",
        "by_moderator",
    }
    assert "secret-person" not in repr(public) and "203.0.113.9" not in repr(public)


def test_deleting_keeps_replies_and_the_log(make_comment: Callable[..., Comment]) -> None:
    top = make_comment(Status.APPROVED)
    reply = make_comment(Status.APPROVED, parent=top)
    top_id = top.id
    domain.delete_comment(top, None)
    db.session.commit()
    assert db.session.get(Comment, top_id) is None
    assert db.session.get(Comment, reply.id).parent_id is None
    event = db.session.scalars(
        db.select(ModerationEvent).where(ModerationEvent.action == "delete")
    ).one()
    assert event.comment_id is None and f"#{top_id}" in event.detail


def test_public_version_changes_exactly_when_readers_would_see_a_change(
    make_comment: Callable[..., Comment], article: Article, make_moderator: Callable[..., object]
) -> None:
    states = [domain.public_version(article.id)]

    def changed() -> bool:
        db.session.commit()
        states.append(domain.public_version(article.id))
        return states[-1] != states[-2]

    comment = make_comment(Status.PENDING)
    assert not changed(), "a pending comment is invisible"
    domain.approve(comment, None)
    assert changed()
    domain.edit_comment(comment, "Edited text", None)
    assert changed()
    hidden = make_comment(Status.APPROVED)
    assert changed()
    domain.reject(hidden, None)
    assert changed()
    domain.delete_comment(hidden, None)
    assert changed(), "its published replies, if any, lose their parent"
    domain.moderator_reply(comment, make_moderator(), "Thanks!")  # type: ignore[arg-type]
    assert changed()
    domain.close_article(article, True)
    assert changed()
    assert not changed()


def test_a_thread_whose_top_was_rejected_starts_over_as_readers_see_it(
    make_comment: Callable[..., Comment], article: Article
) -> None:
    top = make_comment(Status.APPROVED)
    middle = make_comment(Status.APPROVED, parent=top)
    bottom = make_comment(Status.APPROVED, parent=middle)
    with pytest.raises(domain.InvalidParent, match="deep"):
        domain.submit_comment(article, submission(parent_id=bottom.id), max_depth=3)
    domain.reject(top, None)
    db.session.commit()
    # "middle" now shows at the top level, "bottom" under it: a reply to it is depth 3.
    tree = domain.build_thread(domain.approved_comments(article.id))
    assert [n.comment for n in tree] == [middle]
    reply = domain.submit_comment(article, submission(parent_id=bottom.id), max_depth=3)
    assert reply.parent_id == bottom.id


def _nested(nodes: list[domain.ThreadNode]) -> str:
    """The threads written the way the page nests them: each comment, then its replies
    in a list of their own."""
    return "".join(
        f"<li>{n.comment}" + (f"<ol>{_nested(n.replies)}</ol>" if n.replies else "") for n in nodes
    )


def _flat(shown: list[domain.InOrder]) -> str:
    return "".join(f"<li>{s.comment}" + ("<ol>" if s.opens else "</ol>" * s.closes) for s in shown)


def test_comments_in_order_write_the_same_nesting_as_the_threads() -> None:
    import random

    rng = random.Random(7)
    for _ in range(200):
        # A random page: up to 30 comments, each answering an earlier one or none.
        nodes: list[domain.ThreadNode] = []
        roots: list[domain.ThreadNode] = []
        for n in range(rng.randrange(0, 30)):
            node = domain.ThreadNode(cast(Any, n), [])
            parent = rng.choice(nodes) if nodes and rng.random() < 0.6 else None
            (parent.replies if parent else roots).append(node)
            nodes.append(node)
        shown = domain.in_order(roots)
        assert _flat(shown) == _nested(roots)
        depth_of = {n.comment: 1 for n in roots}
        for node in nodes:  # a parent comes before its replies
            for reply in node.replies:
                depth_of[reply.comment] = depth_of[node.comment] + 1
        assert [(s.comment, s.depth) for s in shown] == [(c, depth_of[c]) for c, *_ in shown]
        assert len(shown) == len(nodes)


def test_a_deep_thread_closes_each_list_after_its_last_reply() -> None:
    leaf = domain.ThreadNode(cast(Any, "c"), [])
    middle = domain.ThreadNode(cast(Any, "b"), [leaf])
    top = domain.ThreadNode(cast(Any, "a"), [middle])
    after = domain.ThreadNode(cast(Any, "d"), [])
    assert domain.in_order([top, after]) == [
        domain.InOrder(cast(Any, "a"), 1, True, 0),
        domain.InOrder(cast(Any, "b"), 2, True, 0),
        domain.InOrder(cast(Any, "c"), 3, False, 2),
        domain.InOrder(cast(Any, "d"), 1, False, 0),
    ]

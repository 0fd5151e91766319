"""The tables: articles, their comments, what moderators did, spent form tokens."""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.database import Model, UTCDateTime, string_enum, utcnow
from ..core.text import EMAIL_MAX

if TYPE_CHECKING:
    from ..accounts.models import Moderator


class Status(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SPAM = "spam"


ARTICLE_ID_MAX = 200
NAME_MAX = 100
WEBSITE_MAX = 200
BODY_MAX = 10_000
TITLE_MAX = 300
URL_MAX = 500
SOURCE_MAX = 32
SOURCE_ID_MAX = 255


def text_digest(body: str) -> str:
    """A short fingerprint of a comment's text, for finding the same text again through
    an index (the texts themselves are compared as well: a match is exact)."""
    return hashlib.blake2b(body.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _digest_of_inserted_body(context: Any) -> str | None:
    """The digest of the text a Core insert writes (the ORM sets it with the text)."""
    body = context.get_current_parameters().get("body")
    return text_digest(body) if isinstance(body, str) else None


class Article(Model):
    __tablename__ = "article"

    id: Mapped[str] = mapped_column(String(ARTICLE_ID_MAX), primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX), default="")
    url: Mapped[str] = mapped_column(String(URL_MAX), default="")
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Goes up by one with every change readers would see (a comment published or
    # withdrawn, an approved one edited, a deletion, a site reply, the title, address or
    # closing): the public pages' validators are keyed on it. Only ever changed by
    # ``articles.bump_version``'s ``version = version + 1``; not an optimistic lock.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The title and address were given by a reader's first comment (from an address the
    # owner allows): the dashboard marks them until a moderator edits or confirms them.
    details_from_reader: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )

    comments: Mapped[list[Comment]] = relationship(back_populates="article", passive_deletes=True)

    def __repr__(self) -> str:
        return f"<Article {self.id!r}>"


class Comment(Model):
    __tablename__ = "comment"
    __table_args__ = (
        # "Approved comments of article X, oldest first" is one range scan of this index.
        Index("ix_comment_article_status_created", "article_id", "status", "created_at", "id"),
        # The moderation queue: pending first, oldest first.
        Index("ix_comment_status_created", "status", "created_at"),
        # One author's comments: the duplicate check on a post (one article, the same
        # text, the last day: a point, however many comments the author wrote there) and
        # whether an address has a published comment, however busy the article.
        Index(
            "ix_comment_email_article_digest_created",
            "email",
            "article_id",
            "body_digest",
            "created_at",
        ),
        # An imported comment is stored once: a second import of the same file adds nothing.
        UniqueConstraint("source", "source_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[str] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE"), index=False
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="SET NULL"), index=True
    )
    author_name: Mapped[str] = mapped_column(String(NAME_MAX))
    # Empty only for an imported comment whose source had no address for its author.
    email: Mapped[str] = mapped_column(String(EMAIL_MAX))
    website: Mapped[str] = mapped_column(String(WEBSITE_MAX), default="")
    body: Mapped[str] = mapped_column(Text)
    # ``text_digest(body)``, kept with the text whichever way it is written.
    body_digest: Mapped[str | None] = mapped_column(String(32), default=_digest_of_inserted_body)
    html: Mapped[str] = mapped_column(Text)
    status: Mapped[Status] = mapped_column(
        string_enum(Status, "comment_status"),
        default=Status.PENDING,
    )
    # Why the spam checks flagged it, for the moderators ("" when nothing did).
    held_reason: Mapped[str] = mapped_column(String(500), default="")
    # The codes of the rules that fired (``spam.checks.REASONS``), separated by spaces,
    # for the queue's filter by reason.
    held_rules: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # The learning filter's probability that it is spam when it arrived, and the tokens
    # that weighed most ("casino +, thanks -"); None when the filter had nothing to say.
    spam_score: Mapped[float | None] = mapped_column(Float)
    spam_tokens: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # What this comment taught the filter: "spam", "ham", or None (no decision yet).
    trained_as: Mapped[str | None] = mapped_column(String(8))
    remote_addr: Mapped[str | None] = mapped_column(String(45))
    # Written by a moderator from the dashboard: published at once, shown as the site's.
    by_moderator_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderator.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The reader ticked "Email me when someone replies": once their address is
    # confirmed, they hear of approved replies (and of this comment's approval).
    notify_replies: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The language the reader wrote in (the widget's, see ``i18n.reader_locale``): their
    # mails about it speak it. None for comments from before it was kept, imported or
    # written in the dashboard: MODERATION_DEFAULT_LOCALE.
    locale: Mapped[str | None] = mapped_column(String(16))
    # Optimistic locking: two moderators saving the same comment cannot overwrite each other.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Where an imported comment came from ("wordpress", "disqus", …) and its id there;
    # both empty for a comment posted here.
    source: Mapped[str | None] = mapped_column(String(SOURCE_MAX))
    source_id: Mapped[str | None] = mapped_column(String(SOURCE_ID_MAX))

    article: Mapped[Article] = relationship(back_populates="comments")
    parent: Mapped[Comment | None] = relationship(remote_side=[id])
    by_moderator: Mapped[Moderator | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Comment {self.id} {self.status.value}>"


@event.listens_for(Comment.body, "set")
def _keep_digest_with_body(target: Comment, value: object, old: object, initiator: Any) -> None:
    if isinstance(value, str):
        target.body_digest = text_digest(value)


class ModerationEvent(Model):
    """One line of the audit log: who did what to which comment, and when."""

    __tablename__ = "moderation_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Kept when the comment is deleted for good, so the log still says it happened.
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="SET NULL"), index=True
    )
    article_id: Mapped[str | None] = mapped_column(
        ForeignKey("article.id", ondelete="SET NULL"), index=True
    )
    moderator_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderator.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    comment: Mapped[Comment | None] = relationship()
    moderator: Mapped[Moderator | None] = relationship()


class SpentToken(Model):
    """A form token that already carried a comment: each token is good for one post."""

    __tablename__ = "spent_token"

    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    # Past this moment the token has expired anyway, and the row can go.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

"""What the domain raises when one of its rules says no.

The exceptions know nothing of HTTP: ``errors.status_for`` maps them to status codes.
"""

from __future__ import annotations

from .i18n import Text


class DomainError(Exception):
    """A rule of the domain said no; ``message`` is fit to show to the person (a
    :class:`~.i18n.Text`, in their language once shown)."""

    field: str | None = None

    def __init__(self, message: str | Text, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field


class ArticleNotFound(DomainError):
    """No such article, and none may be created."""


class CommentsClosed(DomainError):
    """The article takes no new comments."""


class InvalidParent(DomainError):
    field = "parent_id"


class ConflictError(DomainError):
    """Someone else changed the comment in the meantime."""


class DuplicateComment(DomainError):
    """The same author sent the same text to the same article a moment ago."""

    field = "body"


class NotFound(DomainError):
    """What the request names does not exist (any more)."""


class Forbidden(DomainError):
    """The person may not do this (any more)."""


class LinkUsed(DomainError):
    """A link that works once was used already."""


class EditRefused(DomainError):
    """A reader's edit token does not allow this: forged, for another comment, or the
    time to change the comment has passed."""

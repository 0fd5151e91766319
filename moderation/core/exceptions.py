"""What the domain raises when one of its rules says no."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain said no; ``message`` is fit to show to the person."""

    status_code = 400
    field: str | None = None

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field


class ArticleNotFound(DomainError):
    status_code = 404


class CommentsClosed(DomainError):
    status_code = 403


class InvalidParent(DomainError):
    field = "parent_id"


class ConflictError(DomainError):
    """Someone else changed the comment in the meantime."""

    status_code = 409

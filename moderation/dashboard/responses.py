"""What every dashboard view answers with: the moderator, redirects, JSON or a flash."""

from __future__ import annotations

from typing import Any, cast

from flask import abort, flash, jsonify, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import comments as domain
from ..accounts.models import Moderator
from ..comments.actions import status_name
from ..comments.models import Article, Comment
from ..core.database import db, is_id
from ..core.text import is_local_url
from ..errors import status_for, wants_json
from . import queries


def me() -> Moderator:
    return cast(Moderator, current_user._get_current_object())  # type: ignore[attr-defined]


def back(target: str | None, default: str) -> str:
    return target if target and is_local_url(target) else default


def queue_url() -> str:
    return url_for(".queue_view")


def comment_state(comment: Comment | None, comment_id: int) -> dict[str, Any]:
    if comment is None:
        return {"id": comment_id, "deleted": True}
    return {
        "id": comment.id,
        "status": comment.status.value,
        "status_label": status_name(comment.status),
        "version": comment.version,
    }


def done(message: object, comment: Comment | None, comment_id: int, target: str) -> Any:
    """After a change was committed: JSON for scripts, flash and redirect for pages."""
    if wants_json():
        counts = queries.status_counts()
        return jsonify(
            message=str(message),
            comment=comment_state(comment, comment_id),
            counts={status.value: n for status, n in counts.items()},
        )
    flash(str(message), "success")
    return redirect(target, code=303)


def refused(exc: domain.DomainError, comment_id: int, target: str) -> Any:
    """A conflict or a refusal: nothing changed; say so, with the comment as it is now."""
    db.session.rollback()
    if wants_json():
        comment = db.session.get(Comment, comment_id)
        response = jsonify(
            error=str(exc.message),
            status=status_for(exc),
            comment=comment_state(comment, comment_id),
        )
        response.status_code = status_for(exc)
        return response
    flash(str(exc.message), "error")
    return redirect(target, code=303)


def invalid(form: Any) -> Any:
    """A form that cannot be read (missing version, bad selection): a 400."""
    messages = [m for field_errors in form.errors.values() for m in field_errors]
    abort(400, " ".join(str(m) for m in messages) or _("The form could not be read."))


def comment_or_404(comment_id: int) -> Comment:
    if not is_id(comment_id):
        abort(404, _("There is no comment #%(id)s.", id=comment_id))
    return db.get_or_404(
        Comment, comment_id, description=_("There is no comment #%(id)s.", id=comment_id)
    )


def article_or_404(article_id: str) -> Article:
    article = domain.get_article(article_id)
    if article is None:
        abort(404, domain.unknown_article_message(article_id))
    return article

"""The articles: the list with counts, one article's page, closing and reopening."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from .. import comments as domain
from ..core.text import clean_line
from ..extensions import db
from . import bp, queries
from .forms import ActionForm, ArticleForm
from .responses import article_or_404, back, me


@bp.get("/articles")
@login_required
def articles_view() -> ResponseReturnValue:
    search = clean_line(request.args.get("q") or "", queries.SEARCH_MAX)
    page = queries.articles_with_counts(search, queries.parse_page(request.args.get("page")))
    args = {"q": search} if search else {}
    return render_template("dashboard/articles.html", page=page, search=search, args=args)


@bp.route("/articles/<article_id>", methods=["GET", "POST"])
@login_required
def article_view(article_id: str) -> ResponseReturnValue:
    article = article_or_404(article_id)
    form = ArticleForm(obj=article)
    if form.validate_on_submit():
        domain.edit_article(
            article, title=form.title.data or "", url=form.url.data or "", moderator=me()
        )
        db.session.commit()
        flash(_("Article %(id)s saved.", id=article.id), "success")
        return redirect(url_for(".article_view", article_id=article.id), code=303)
    status = 400 if form.errors else 200
    html = render_template(
        "dashboard/article.html",
        article=article,
        form=form,
        counts=queries.status_counts(queries.QueueFilter(article_id=article.id)),
        events=queries.audit_log(1, 20, article_id=article.id).items,
    )
    return html, status


@bp.post("/articles/<article_id>/confirm")
@login_required
def article_confirm(article_id: str) -> ResponseReturnValue:
    """The moderator vouches for the title and address a reader's first comment gave."""
    article = article_or_404(article_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    domain.confirm_article(article, me())
    db.session.commit()
    flash(_("The title and address of %(id)s are confirmed.", id=article.id), "success")
    return redirect(url_for(".article_view", article_id=article.id), code=303)


@bp.post("/articles/<article_id>/<any(close, reopen):action>")
@login_required
def article_close(article_id: str, action: str) -> ResponseReturnValue:
    article = article_or_404(article_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    domain.close_article(article, action == "close", me())
    db.session.commit()
    if article.closed:
        flash(_("Comments on %(id)s are closed.", id=article.id), "success")
    else:
        flash(_("Comments on %(id)s are open again.", id=article.id), "success")
    target = back(request.form.get("next"), url_for(".article_view", article_id=article.id))
    return redirect(target, code=303)

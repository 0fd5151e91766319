"""Data: download everything, and one person's data shown, anonymised or deleted.

Any moderator may use this page for now; once there are roles, it is the owner's.
"""

from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, render_template, stream_with_context, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from .. import comments as domain
from ..core.database import utcnow
from ..extensions import db
from ..importers.export import export_chunks
from ..privacy.person import erase_person, export_person
from . import bp
from .forms import ActionForm, PersonForm
from .responses import me
from .settings import owner_required


def _counted(name: str, count: int) -> str:
    """How many rows of one kind an erasure touched, in the moderator's words (another
    area's kind by its name)."""
    if name == "comments":
        return ngettext("%(num)d comment", "%(num)d comments", count)
    if name == "email_address":
        return ngettext("%(num)d email record", "%(num)d email records", count)
    return f"{count} {name}"


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@bp.get("/data")
@owner_required
def data_view() -> ResponseReturnValue:
    return render_template("dashboard/data.html", form=PersonForm(), export_form=ActionForm())


@bp.post("/data/export")
@owner_required
def data_export() -> ResponseReturnValue:
    """Everything, as the `export` command writes it, streamed as it is read."""
    if not ActionForm().validate_on_submit():
        abort(400, _("This form is out of date; reload the page."))
    domain.record(None, me(), "export", detail="everything, from the dashboard")
    db.session.commit()
    name = f"comments-export-{utcnow():%Y-%m-%d}.json"
    return Response(
        stream_with_context(export_chunks()),
        mimetype="application/json",
        headers=_attachment(name),
    )


@bp.post("/data/person")
@owner_required
def data_person() -> ResponseReturnValue:
    form = PersonForm()
    if not form.validate_on_submit():
        html = render_template("dashboard/data.html", form=form, export_form=ActionForm())
        return html, 400
    email = form.email.data or ""
    if form.action.data == "export":
        document = json.dumps(export_person(email), ensure_ascii=False, indent=2)
        return Response(document, mimetype="application/json", headers=_attachment("person.json"))
    erased = erase_person(email, delete_them=form.action.data == "delete", moderator=me())
    db.session.commit()
    if erased.counts:
        counts = ", ".join(_counted(name, count) for name, count in erased.counts.items())
        if erased.deleted:
            flash(_("That person's data is deleted: %(counts)s.", counts=counts), "success")
        else:
            flash(_("That person's data is anonymised: %(counts)s.", counts=counts), "success")
    else:
        flash(_("Nothing was stored about that address."), "success")
    return redirect(url_for(".data_view"), code=303)

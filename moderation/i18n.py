"""Languages: the one place that picks the locale of a request, the catalogs, and the
dates and counts formatted for it (Flask-Babel).

Readers get the widget's ``data-lang``, else the blog page's ``<html lang>`` (the widget
sends either as ``?lang=``), else their browser's ``Accept-Language``, else
``MODERATION_DEFAULT_LOCALE``. Moderators get the language they chose in the dashboard,
else their browser's.

The ``.po`` files in ``moderation/translations`` are the source; the ``.mo`` files are
compiled from them when a wheel is built (``hatch_build.py``) and, in a checkout, when
the app starts and finds one missing or older than its ``.po``.
"""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel import dates as babel_dates
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations
from flask import Flask, Response, current_app, g, has_request_context, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import (
    force_locale,
    format_datetime,
    format_number,
    format_timedelta,
    get_locale,
    get_timezone,
    get_translations,
)
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2.runtime import Context
from jinja2.utils import pass_context
from markupsafe import Markup

from .core import i18n
from .core.database import utcnow
from .core.i18n import LOCALES, Text, match_locale, reader_locale
from .extensions import babel

log = logging.getLogger(__name__)

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"
DASHBOARD_PREFIX = "/moderation"


def moderator_locale() -> str | None:
    if g.get("database_unavailable") or not current_user.is_authenticated:
        return None
    return match_locale(getattr(current_user, "locale", None))


def select_locale() -> str:
    """The language of this request; the only place that decides it."""
    default: str = current_app.config["DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    if request.path == DASHBOARD_PREFIX or request.path.startswith(DASHBOARD_PREFIX + "/"):
        chosen = moderator_locale()
        if chosen:
            return chosen
        locale, g.locale_from_browser = reader_locale(
            None, request.headers.get("Accept-Language"), default
        )
        return locale
    locale, g.locale_from_browser = reader_locale(
        request.args.get("lang"), request.headers.get("Accept-Language"), default
    )
    return locale


def add_vary(response: Response) -> Response:
    """``Vary: Accept-Language`` on every answer whose language came from that header
    (or could have: a moderator without a choice)."""
    if g.get("locale_from_browser"):
        response.vary.add("Accept-Language")
    return response


def locale_name() -> str:
    """The request's locale as a string (``pt_BR``), for ETags and logs."""
    return str(get_locale() or current_app.config["DEFAULT_LOCALE"])


def language_tag() -> str:
    """The request's language as ``<html lang>`` wants it (``pt-BR``)."""
    return locale_name().replace("_", "-")


def lang_param() -> str | None:
    """The language the request asked for with ``?lang=``, for the links and forms of a
    page to keep it (None when it asked for none that is shipped)."""
    if not has_request_context():
        return None
    return match_locale(request.args.get("lang"))


def text_direction() -> str:
    """``rtl`` for Arabic and other right-to-left languages, else ``ltr``."""
    locale = get_locale()
    return "rtl" if locale is not None and locale.character_order == "right-to-left" else "ltr"


def language_names() -> list[tuple[str, str]]:
    """Every shipped locale with its name in its own language, for a language picker."""
    return [
        (code, (Locale.parse(code).get_display_name(code) or code).capitalize()) for code in LOCALES
    ]


# --- templates' gettext -------------------------------------------------------------------


def _catalog() -> NullTranslations:
    """The messages of the language being spoken (``force_locale``'s too), each language's
    looked up once per app: Flask-Babel's own lookup finds the domain, the context and
    the locale's name again for every message, and a page says some thirty."""
    locale = get_locale()
    if locale is None:
        return get_translations()
    kept: dict[Locale, NullTranslations] = current_app.extensions.setdefault(
        "moderation.catalogs", {}
    )
    catalog = kept.get(locale)
    if catalog is None:
        catalog = kept[locale] = get_translations()
    return catalog


# Jinja's "new style" gettext (what Flask-Babel installs), one call deep: the message is
# markup once autoescaped, and always a format string, its variables escaped.
@pass_context
def template_gettext(context: Context, string: str, /, **variables: Any) -> str:
    text = _catalog().ugettext(string)
    return (Markup(text) if context.eval_ctx.autoescape else text) % variables


@pass_context
def template_ngettext(
    context: Context, singular: str, plural: str, num: int, /, **variables: Any
) -> str:
    variables.setdefault("num", num)
    text = _catalog().ungettext(singular, plural, num)
    return (Markup(text) if context.eval_ctx.autoescape else text) % variables


# --- dates --------------------------------------------------------------------------------

RECENT = timedelta(days=7)


def since(moment: datetime) -> str:
    """How long ago, in the request's language ("3 hours ago"), then the date after a
    week."""
    elapsed = utcnow() - moment
    if elapsed < RECENT:
        return format_timedelta(-elapsed, add_direction=True)
    return format_datetime(moment, "medium")


def exact_time(moment: datetime) -> str:
    """The date and time in the request's language, in UTC unless configured otherwise."""
    return format_datetime(moment, "long")


class Days:
    """The day of each comment of one list, in the request's language ("Dec 1, 2026") and
    time zone: what the list shows until its script writes each time the reader's way
    (``<time datetime>`` holds the exact moment). The language and zone are looked up
    once per list, and each day is formatted once, since many comments share one."""

    def __init__(self) -> None:
        zone = get_timezone()
        # UTC (the default) needs no conversion: the stored moments are UTC already.
        self.zone = None if str(zone) == "UTC" else zone
        self.locale = str(get_locale() or "en")

    def __call__(self, moment: datetime) -> str:
        if self.zone is not None:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            moment = moment.astimezone(self.zone)
        return _formatted_day(moment.date(), self.locale)


def as_day(moment: datetime, list_days: Days) -> str:
    """``moment | as_day(list_days)``, after ``{% set list_days = days() %}`` once per list."""
    return list_days(moment)


@lru_cache(maxsize=1024)
def _formatted_day(when: date, locale: str) -> str:
    return babel_dates.format_date(when, "medium", locale=locale)


class Numbered:
    """A lazy validator message whose numbers are written the reader's way (10,000 in
    English, 10.000 in German): WTForms fills it with ``message % {"max": 10000}``."""

    def __init__(self, message: LazyString) -> None:
        self.message = message

    def __mod__(self, values: dict[str, Any]) -> str:
        numbers = {k: format_number(v) if isinstance(v, int) else v for k, v in values.items()}
        return str(self.message) % numbers


# --- catalogs -----------------------------------------------------------------------------


def compile_catalogs(directory: Path = TRANSLATIONS) -> list[Path]:
    """Compile every ``.po`` whose ``.mo`` is missing or older; returns those written.

    Writes each file whole (a temporary file renamed into place), so two workers starting
    at once never read half a catalog.
    """
    written = []
    for po in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        handle, temporary = tempfile.mkstemp(dir=po.parent, suffix=".mo.tmp")
        with os.fdopen(handle, "wb") as target:
            write_mo(target, catalog, use_fuzzy=False)
        os.replace(temporary, mo)
        written.append(mo)
    return written


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, with translatable texts written as the text in the request's
    language (never as escaped HTML)."""

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, Text | LazyString):
            return str(o)
        return DefaultJSONProvider.default(o)


def init_app(app: Flask) -> None:
    try:
        written = compile_catalogs()
    except OSError as exc:  # a read-only install: its wheel carries the compiled catalogs
        log.warning("Could not compile the message catalogs: %s", exc.strerror)
    else:
        if written:
            log.info("Compiled %d message catalog(s)", len(written))
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(
        _=template_gettext, gettext=template_gettext, ngettext=template_ngettext
    )
    i18n.use_translations(get_translations, force_locale)
    app.json = JSONProvider(app)
    app.after_request(add_vary)
    app.add_template_filter(since, "since")
    app.add_template_filter(exact_time, "exact_time")
    app.add_template_global(Days, "days")
    app.add_template_filter(as_day, "as_day")
    app.add_template_global(language_tag, "language_tag")
    app.add_template_global(text_direction, "text_direction")
    app.add_template_global(lang_param, "lang_param")
    app.add_template_global(language_names, "language_names")

"""Sentences for people, marked for translation by the code that does not know who reads
them (the domain, the shared validators).

``_("Comment #%(id)s saved.", id=12)`` is a :class:`Text`: it keeps the English message
and its values, and becomes a string in the reader's language only when it is shown
(``str()``, a template, a JSON answer). Which language that is, the app decides: it hands
:func:`use_translations` a function returning the current catalog. Without one (the shell,
a test of the domain alone), the text is English.

``pybabel extract`` finds both markers (``_`` and ``_n``, see ``babel.cfg``).
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from markupsafe import Markup, escape
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

Catalog = gettext.NullTranslations
_catalog: Callable[[], Catalog] = gettext.NullTranslations


def _no_switch(locale: str) -> AbstractContextManager[Any]:
    return nullcontext()


_switch: Callable[[str], AbstractContextManager[Any]] = _no_switch


def use_translations(
    source: Callable[[], Catalog],
    switch: Callable[[str], AbstractContextManager[Any]] | None = None,
) -> None:
    """Where :class:`Text` finds the catalog of the language being spoken, and
    (``switch``) how to speak another one for a while (see :func:`speaking`)."""
    global _catalog, _switch
    _catalog = source
    if switch is not None:
        _switch = switch


@contextmanager
def speaking(locale: str) -> Iterator[None]:
    """Everything shown inside the block (texts, templates, dates) in ``locale``,
    whatever the request asked for: a mail speaks its recipient's language."""
    with _switch(locale):
        yield


class Text:
    """A message to translate when shown; ``%(name)s`` placeholders take ``params``.

    A plural message counts ``num``: ``_n("%(num)d comment", "%(num)d comments", num=3)``.
    Calling a text gives a copy with more values: ``DONE(id=12)``.
    """

    __slots__ = ("singular", "plural", "params")

    def __init__(self, singular: str, plural: str | None = None, **params: Any) -> None:
        self.singular = singular
        self.plural = plural
        self.params = params

    def __call__(self, **params: Any) -> Text:
        return Text(self.singular, self.plural, **{**self.params, **params})

    def translated(self, catalog: Catalog) -> str:
        if self.plural is None:
            template = catalog.gettext(self.singular)
        else:
            template = catalog.ngettext(self.singular, self.plural, int(self.params["num"]))
        if not self.params:
            return template
        # A text among the values (a field's name) speaks the same language.
        values = {
            name: value.translated(catalog) if isinstance(value, Text) else value
            for name, value in self.params.items()
        }
        return template % values

    @property
    def english(self) -> str:
        """The text untranslated, for the logs."""
        return self.translated(gettext.NullTranslations())

    def __str__(self) -> str:
        return self.translated(_catalog())

    def __html__(self) -> Markup:
        return escape(str(self))

    def __add__(self, other: object) -> str:
        return str(self) + str(other)

    def __radd__(self, other: object) -> str:
        return str(other) + str(self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Text):
            return (self.singular, self.plural, self.params) == (
                other.singular,
                other.plural,
                other.params,
            )
        return isinstance(other, str) and str(self) == other

    def __hash__(self) -> int:
        return hash((self.singular, self.plural))

    def __contains__(self, part: str) -> bool:
        return part in str(self)

    def __len__(self) -> int:
        return len(str(self))

    def __repr__(self) -> str:
        return f"Text({self.english!r})"


def _(message: str, **params: Any) -> Text:
    """Mark ``message`` for translation; it is translated when shown."""
    return Text(message, **params)


def _n(singular: str, plural: str, **params: Any) -> Text:
    """A message with a singular and plural forms, chosen by ``num``."""
    return Text(singular, plural, **params)


def to_json(message: str | Text) -> dict[str, Any]:
    """A text as plain JSON values, to keep until it is shown (a mail's subject, written
    now, sent later in its recipient's language)."""
    if isinstance(message, Text):
        return {"message": message.singular, "plural": message.plural, "params": message.params}
    return {"message": message, "plural": None, "params": {}, "verbatim": True}


def from_json(value: dict[str, Any]) -> str | Text:
    """The text :func:`to_json` kept."""
    if value.get("verbatim"):
        return str(value.get("message", ""))
    return Text(str(value["message"]), value.get("plural"), **dict(value.get("params") or {}))


def english(message: object) -> str:
    """``message`` untranslated, for the logs (which are read in one language)."""
    return message.english if isinstance(message, Text) else str(message)


# --- the languages shipped, and how a language tag finds one of them ---------------------

# Each has a catalog in moderation/translations/ (English is the source language).
LOCALES = ("en", "ko", "tr", "de", "fr", "es", "pt_BR", "ja", "fil", "ar")
# Tags with no catalog of their own, read as their closest one.
CLOSEST = {"pt": "pt_BR", "tl": "fil"}
_BY_TAG = {locale.lower().replace("_", "-"): locale for locale in LOCALES}


def match_locale(tag: str | None) -> str | None:
    """The shipped locale a language tag asks for (``ko-KR`` → ``ko``, ``pt-br`` →
    ``pt_BR``, ``tl`` → ``fil``), or None."""
    if not tag:
        return None
    tag = tag.strip().lower().replace("_", "-")
    if len(tag) > 35:  # longer than any real tag: someone is poking at us
        return None
    if tag in _BY_TAG:
        return _BY_TAG[tag]
    primary = tag.split("-", 1)[0]
    return _BY_TAG.get(primary) or CLOSEST.get(primary)


def browser_locale(accept_language: str | None) -> str | None:
    """The first shipped language of an ``Accept-Language`` header, by quality."""
    for tag, _quality in parse_accept_header(accept_language, LanguageAccept):
        found = match_locale(tag)
        if found:
            return found
    return None


def reader_locale(asked: str | None, accept_language: str | None, default: str) -> tuple[str, bool]:
    """A reader's language: the one asked for (the widget's ``data-lang`` or the blog
    page's ``<html lang>``, sent as ``?lang=``), else the browser's, else ``default``.

    The second value says whether ``Accept-Language`` decided, so that the answer is
    sent with ``Vary: Accept-Language``. (The app's locale selector and anything that
    answers for it, such as a cache in front of it, ask this function.)
    """
    found = match_locale(asked)
    if found:
        return found, False
    return browser_locale(accept_language) or default, True

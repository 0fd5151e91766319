"""Templates escape every value they write, wherever it is written, and speak the
language of the moment."""

from __future__ import annotations

from flask import Flask, render_template_string
from markupsafe import Markup, escape


def test_templates_escape_every_output_the_same(app: Flask) -> None:
    source = (
        "{% set block %}<p>{{ value }}</p>{% endset %}"
        "{% macro show(v) %}<i>{{ v }}</i>{% endmacro %}"
        "{{ value }}|{{ block }}|{{ show(value) }}|{{ value | e }}|{{ value | safe }}"
        "{% autoescape false %}|{{ value }}{% endautoescape %}"
    )
    with app.test_request_context():
        for value in ("<x> & 'y'", Markup("<b>ok</b>"), 7, None):
            shown = escape(value)
            raw = str(value)
            expected = f"{shown}|<p>{shown}</p>|<i>{shown}</i>|{shown}|{raw}|{raw}"
            assert render_template_string(source, value=value) == expected


def test_a_template_without_autoescape_writes_text_as_it_is(app: Flask) -> None:
    plain = app.jinja_env.overlay(autoescape=False).from_string("{{ value }}|{{ number }}")
    assert plain.render(value="<x> & 'y'", number=7) == "<x> & 'y'|7"


def test_templates_speak_the_language_of_the_moment(app: Flask) -> None:
    from flask_babel import force_locale

    # The message is the template's own markup; only its variables are escaped.
    source = (
        "{{ _('Reply') }}|{{ ngettext('%(num)d comment', '%(num)d comments', 2) }}"
        "|{{ _('<%(x)s>', x='&') }}"
    )
    with app.test_request_context("/?lang=de"):
        assert render_template_string(source) == "Antworten|2 Kommentare|<&amp;>"
        with force_locale("en"):
            assert render_template_string(source) == "Reply|2 comments|<&amp;>"
        assert render_template_string(source).startswith("Antworten|")

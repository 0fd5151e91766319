"""The catalogs and the markup: every message people see is marked for translation, and
every shipped language translates every marked message."""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from moderation.core.i18n import LOCALES
from moderation.i18n import TRANSLATIONS, compile_catalogs

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {
    "_": None,
    "_n": (1, 2),
    "_l": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def extracted() -> dict[str | tuple[str, ...], set[str]]:
    """Every marked message in the code and the templates, as ``make i18n`` finds them,
    with its placeholders."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    messages: dict[str | tuple[str, ...], set[str]] = {}
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        key = tuple(message) if isinstance(message, tuple) else message
        last = key[-1] if isinstance(key, tuple) else key
        messages[key] = set(PLACEHOLDER.findall(last))
    return messages


@pytest.fixture(scope="module")
def marked() -> dict[str | tuple[str, ...], set[str]]:
    found = extracted()
    assert len(found) > 200, "the extraction found almost nothing: is babel.cfg right?"
    return found


def catalog(locale: str):  # type: ignore[no-untyped-def]
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def test_every_shipped_language_has_a_catalog() -> None:
    shipped = {path.parent.parent.name for path in TRANSLATIONS.glob("*/LC_MESSAGES/*.po")}
    assert shipped == set(LOCALES)


@pytest.mark.parametrize("locale", LOCALES)
def test_each_catalog_translates_every_marked_message(
    locale: str, marked: dict[str | tuple[str, ...], set[str]]
) -> None:
    entries = {
        (tuple(m.id) if isinstance(m.id, list | tuple) else m.id): m
        for m in catalog(locale)
        if m.id
    }
    missing = [key for key in marked if key not in entries]
    assert not missing, f"{locale}: run `make i18n` and translate {missing[:5]}"
    plural = get_plural(locale)
    for key, placeholders in marked.items():
        entry = entries[key]
        assert not entry.fuzzy, f"{locale}: {key!r} is marked fuzzy"
        forms = list(entry.string) if isinstance(key, tuple) else [entry.string]
        assert all(forms), f"{locale}: {key!r} is not translated"
        if isinstance(key, tuple):
            assert len(forms) == plural.num_plurals, f"{locale}: {key!r} needs every plural form"
            for form in forms:  # a form for one thing may say "one" instead of the number
                assert set(PLACEHOLDER.findall(form)) <= placeholders, (locale, form)
        else:
            assert set(PLACEHOLDER.findall(forms[0])) == placeholders, (locale, key, forms[0])
        # Some translations reach a page unescaped (lazy form labels): no markup in them.
        assert not any(set("<>&") & set(form) for form in forms), (locale, key)


@pytest.mark.parametrize("locale", [locale for locale in LOCALES if locale != "en"])
def test_translations_are_not_english_copied_over(locale: str) -> None:
    """A catalog written in the language: only names, codes and the like stay English."""
    entries = [m for m in catalog(locale) if m.id and not isinstance(m.id, list | tuple)]
    same = [m.id for m in entries if m.string == m.id and len(m.id.split()) > 1]
    assert len(same) <= 3, f"{locale} leaves these in English: {same}"


def test_the_committed_template_lists_what_the_code_marks(
    marked: dict[str | tuple[str, ...], set[str]],
) -> None:
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        template = {
            (tuple(m.id) if isinstance(m.id, list | tuple) else m.id)
            for m in read_po(handle)
            if m.id
        }
    assert template == set(marked), "run `make i18n`"


def test_catalogs_compile_when_missing_or_older(tmp_path: Path) -> None:
    source = TRANSLATIONS / "ko" / "LC_MESSAGES" / "messages.po"
    target = tmp_path / "ko" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "messages.po").write_bytes(source.read_bytes())
    assert compile_catalogs(tmp_path) == [target / "messages.mo"]
    assert (target / "messages.mo").stat().st_size > 1000
    assert compile_catalogs(tmp_path) == []  # up to date: left alone


# --- what is not marked ----------------------------------------------------------------

# Text in the markup of templates (between tags, and in the attributes people read).
HUMAN_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "data-confirm", "label"}
LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)  # a printed literal with a word in it
# The demo page is a blog's own article, the owner's words, not the service's.
NOT_THE_SERVICE = {"demo.html"}


# Keys and commands are what they are in every language.
VERBATIM = {"kbd", "code"}


# In a feed, only these elements hold words for people (the rest: ids, dates, links).
FEED_TEXT = {"title", "subtitle", "summary"}


class TextFinder(HTMLParser):
    def __init__(self, only: set[str] | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.verbatim = 0
        self.only = only
        self.tag = ""

    def handle_data(self, data: str) -> None:
        if self.only is not None and self.tag not in self.only:
            return
        if LETTERS.search(data) and not self.verbatim:
            self.found.append(data.strip())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tag = tag
        self.verbatim += tag in VERBATIM
        for name, value in attrs:
            if name in HUMAN_ATTRIBUTES and value and LETTERS.search(value):
                self.found.append(f"{name}={value!r}")

    def handle_endtag(self, tag: str) -> None:
        self.verbatim -= tag in VERBATIM and self.verbatim > 0


JINJA = jinja2.Environment(extensions=["jinja2.ext.i18n"])


def _printed_literals(node: jinja2.nodes.Node) -> list[str]:
    """String literals a template prints as they are (``{{ "comments" }}``, either side of
    ``{{ "a" if x else "b" }}``), without looking into calls (their arguments are not
    printed: ``_("…")`` is the marked kind)."""
    if isinstance(node, jinja2.nodes.Const):
        value = node.value
        return [value] if isinstance(value, str) and WORD.search(value) else []
    if isinstance(node, jinja2.nodes.Call | jinja2.nodes.Filter | jinja2.nodes.Test):
        return []
    found = []
    for child in node.iter_child_nodes():
        found.extend(_printed_literals(child))
    return found


def untranslated_in_template(source: str, only: set[str] | None = None) -> list[str]:
    """Human text in a template that does not go through gettext: in its markup, and in
    the string literals its expressions print between tags."""
    markup: list[str] = []
    expressions: list[str] = []
    expression: list[str] | None = None
    for _lineno, kind, value in JINJA.lex(source):
        if kind == "data":
            markup.append(value)
        elif kind == "variable_begin":
            seen = "".join(markup)
            in_tag = seen.rfind("<") > seen.rfind(">")  # an attribute's value
            expression = None if in_tag else []
            markup.append(" ")
        elif kind == "variable_end":
            if expression is not None:
                expressions.append("".join(expression))
            expression = None
        elif expression is not None:
            expression.append(value)
        elif kind == "block_begin":
            markup.append(" ")
    finder = TextFinder(only)
    finder.feed("".join(markup))
    found = finder.found
    for text in expressions:
        for output in JINJA.parse("{{ " + text + " }}").find_all(jinja2.nodes.Output):
            for child in output.nodes:
                found.extend(_printed_literals(child))
    return found


# Pages, mails and messages that still speak English only: none now. Every other file is
# held to the checks below; a file listed here leaves the list once its words are marked
# and translated (the tests fail while it stays listed with nothing left to mark).
AWAITING_TRANSLATION: frozenset[str] = frozenset()


def _held_to(problems: dict[str, list[str]], kind: str) -> dict[str, list[str]]:
    """The problems outside the files awaiting translation; a listed file with nothing
    left to mark must leave the list."""
    done = sorted(
        name
        for name in AWAITING_TRANSLATION
        if name.startswith("templates/") == (kind == "templates") and name not in problems
    )
    assert not done, f"remove from AWAITING_TRANSLATION: {done}"
    return {name: found for name, found in problems.items() if name not in AWAITING_TRANSLATION}


def test_templates_mark_every_text_for_translation() -> None:
    problems = {}
    for path in sorted((ROOT / "templates").rglob("*.*ml")):
        if path.name in NOT_THE_SERVICE:
            continue
        only = FEED_TEXT if path.suffix == ".xml" else None
        found = untranslated_in_template(path.read_text(), only)
        if found:
            problems[str(path.relative_to(ROOT))] = found
    problems = _held_to(problems, "templates")
    assert not problems, f"wrap these in _(): {problems}"


def test_the_template_check_finds_unmarked_text() -> None:
    assert untranslated_in_template("<p>No comments yet.</p>") == ["No comments yet."]
    assert untranslated_in_template('<a title="Reply">{{ _("Reply") }}</a>') == ["title='Reply'"]
    assert untranslated_in_template('{{ "comment" if n == 1 else "comments" }}') == [
        "comment",
        "comments",
    ]
    assert untranslated_in_template("<p>{{ _('Hello') }} {{ name }} · #{{ id }}</p>") == []


# Sentences in Python: a capital, words, and a closing stop, e.g. "Comment #12 saved."
# (or a quoted name first: "'sort' must be 'oldest' or 'newest'.")
SENTENCE = re.compile(r"^(?:[A-Z]|['\"][^'\"\s]+['\"] )[^\n]*\s[^\n]*[.!?:…]$")
MARKERS = {"_", "_n", "_l", "gettext", "ngettext", "lazy_gettext", "lazy_ngettext"}
# Not for readers, moderators or mail recipients: the logs, the shell, the site owner's
# configuration, and programming errors.
NOT_FOR_PEOPLE_CALLS = {"debug", "info", "warning", "error", "exception", "critical", "echo"}
NOT_FOR_PEOPLE_ERRORS = {
    "RuntimeError",
    "ValueError",
    "TypeError",
    "ConfigError",
    "OperationalError",
    "ClickException",
    "BadParameter",
    "UsageError",
}
# (urls.py: the refusal of a wrong Host, answered before the app, to whoever set up the
# address.)
OPERATOR_MODULES = {"cli", "config.py", "__init__.py", "ratelimits.py", "urls.py"}


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def untranslated_in_python(source: str) -> list[str]:
    """Sentences in Python code that are not marked for translation."""
    tree = ast.parse(source)
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            if isinstance(body[0].value, ast.Constant):
                skip.add(id(body[0].value))  # a docstring
        if isinstance(node, ast.Call):
            called = _name(node.func)
            if (
                called in MARKERS
                or called in NOT_FOR_PEOPLE_CALLS
                or called in NOT_FOR_PEOPLE_ERRORS
            ):
                for inner in ast.walk(node):
                    skip.add(id(inner))
    found = []
    nodes = sorted(
        (n for n in ast.walk(tree) if hasattr(n, "lineno")),
        key=lambda n: (n.lineno, n.col_offset),
    )
    for node in nodes:
        if id(node) in skip:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        elif isinstance(node, ast.JoinedStr):
            text = "".join(
                str(part.value) if isinstance(part, ast.Constant) else "{}" for part in node.values
            )
            for part in node.values:
                skip.add(id(part))
        else:
            continue
        if "\n" not in text and SENTENCE.match(text.strip()):
            found.append(text)
    return found


def test_python_marks_every_sentence_for_translation() -> None:
    problems = {}
    for path in sorted((ROOT / "moderation").rglob("*.py")):
        relative = path.relative_to(ROOT / "moderation")
        if relative.parts[0] in OPERATOR_MODULES:
            continue
        found = untranslated_in_python(path.read_text())
        if found:
            problems[str(relative)] = found
    problems = _held_to(problems, "python")
    assert not problems, f"mark these with _() or gettext: {problems}"


def test_the_python_check_finds_unmarked_sentences() -> None:
    source = '''
def view():
    """A docstring. It is fine."""
    log.info("Comment stored as pending.")
    flash("Comment saved.")
    flash(_("Comment saved."))
    raise ValueError("Not for people.")
    abort(400, f"'{name}' must be a number.")
    return f"Comment #{1} approved."
'''
    assert untranslated_in_python(source) == [
        "Comment saved.",
        "'{}' must be a number.",
        "Comment #{} approved.",
    ]

"""Readers and moderators in their own language: which one a request gets, and what is
said in it (pages, JSON errors, form errors, dates, the dashboard)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import refresh

from moderation.accounts.models import Moderator
from moderation.comments.models import Article
from moderation.core.database import db, utcnow
from moderation.core.i18n import _, _n, match_locale
from moderation.i18n import Days, since

from .conftest import Auth


@pytest.mark.parametrize(
    ("tag", "locale"),
    [
        ("ko", "ko"),
        ("ko-KR", "ko"),
        ("pt-BR", "pt_BR"),
        ("pt_br", "pt_BR"),
        ("pt-PT", "pt_BR"),
        ("tl", "fil"),
        ("fil-PH", "fil"),
        ("ar-EG", "ar"),
        ("EN-gb", "en"),
        ("xx", None),
        ("", None),
        ("k" * 100, None),
    ],
)
def test_language_tags_find_the_closest_shipped_catalog(tag: str, locale: str | None) -> None:
    assert match_locale(tag) == locale


def error_of(client: FlaskClient, query: str = "", **headers: str) -> str:
    response = client.get("/api/articles/no%20such/comments" + query, headers=headers)
    assert response.status_code == 404
    return str(response.json["error"])


def test_the_widget_language_beats_the_browser_which_beats_the_default(
    make_app: object,
) -> None:
    app = make_app(DEFAULT_LOCALE="de")  # type: ignore[operator]
    client = app.test_client()
    assert error_of(client, "?lang=ko", **{"Accept-Language": "fr"}).startswith("그런 글은")
    assert error_of(client, "", **{"Accept-Language": "fr-CA,fr;q=0.9"}).startswith(
        "Cet article n’existe pas"
    )
    # The first shipped one, in the order of preference.
    assert error_of(client, "", **{"Accept-Language": "zz, tr;q=0.8, ko;q=0.5"}).startswith(
        "Böyle bir yazı yok"
    )
    assert error_of(client, "?lang=xx").startswith("Diesen Artikel gibt es nicht")
    assert error_of(client).startswith("Diesen Artikel gibt es nicht")


def test_an_unknown_default_locale_stops_the_start(make_app: object) -> None:
    from moderation.config import ConfigError

    with pytest.raises(ConfigError, match="DEFAULT_LOCALE"):
        make_app(DEFAULT_LOCALE="klingon")  # type: ignore[operator]


def test_answers_that_follow_the_browser_say_so_to_caches(client: FlaskClient) -> None:
    by_browser = client.get("/embed/an-article", headers={"Accept-Language": "ja"})
    assert "Accept-Language" in by_browser.headers.get("Vary", "")
    assert '<html lang="ja" dir="ltr">' in by_browser.text
    by_widget = client.get("/embed/an-article?lang=ja")
    assert "Accept-Language" not in by_widget.headers.get("Vary", "")


def test_the_fragment_has_one_validator_per_language(client: FlaskClient, article: Article) -> None:
    path = f"/embed/{article.id}/fragment"
    korean = client.get(path + "?lang=ko")
    arabic = client.get(path + "?lang=ar")
    assert korean.headers["ETag"] != arabic.headers["ETag"]
    again = client.get(path + "?lang=ko", headers={"If-None-Match": korean.headers["ETag"]})
    assert again.status_code == 304
    stale = client.get(path + "?lang=ar", headers={"If-None-Match": korean.headers["ETag"]})
    assert stale.status_code == 200


def test_the_widgets_words_are_said_in_each_pages_language(
    client: FlaskClient, article: Article
) -> None:
    """The words the widget's script says are rendered once per language and kept: each
    page still says them in its own language, whichever was asked for first."""
    path = f"/embed/{article.id}/fragment"
    german = client.get(path + "?lang=de").text
    korean = client.get(path + "?lang=ko").text
    english = client.get(path).text
    assert "<p data-k=delete>Löschen</p>" in german
    assert "<p data-k=delete>삭제</p>" in korean
    assert "<p data-k=delete>Delete</p>" in english
    assert "<p data-k=delete>Löschen</p>" in client.get(f"/embed/{article.id}?lang=de").text


def test_form_errors_come_back_in_the_readers_language(
    client: FlaskClient, article: Article
) -> None:
    response = client.post(
        f"/api/articles/{article.id}/comments?lang=ko",
        json={"name": "", "email": "not an address", "body": "", "token": ""},
    )
    assert response.status_code == 400
    answer = response.json
    assert answer["error"] == "표시된 칸을 고쳐 주세요."
    assert answer["errors"]["name"] == ["이름을 입력해 주세요."]
    assert answer["errors"]["body"] == ["댓글을 써 주세요."]
    assert answer["errors"]["email"] == ["you@example.com 같은 올바른 이메일 주소를 입력하세요."]


def test_error_pages_speak_the_language_and_arabic_reads_right_to_left(
    client: FlaskClient,
) -> None:
    page = client.get("/no/such/page", headers={"Accept-Language": "ar"})
    assert page.status_code == 404
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "لا يوجد شيء هنا." in page.text


def test_plurals_follow_each_languages_rules(app: Flask) -> None:
    done = _n("%(num)d comment approved.", "%(num)d comments approved.")
    said = {}
    for lang in ("en", "ko", "ar"):
        with app.test_request_context(f"/embed/x?lang={lang}"):
            refresh()  # the test's app context is shared by these requests
            said[lang] = [str(done(num=n)) for n in (1, 2, 5, 11, 100)]
    assert said["en"] == [
        "1 comment approved.",
        "2 comments approved.",
        "5 comments approved.",
        "11 comments approved.",
        "100 comments approved.",
    ]
    assert said["ko"] == [f"댓글 {n}개를 승인했습니다." for n in (1, 2, 5, 11, 100)]
    # Arabic: one, two, a few (3-10), many (11-99), and the rest each have their form.
    assert said["ar"] == [
        "تمت الموافقة على تعليق واحد.",
        "تمت الموافقة على تعليقين.",
        "تمت الموافقة على 5 تعليقات.",
        "تمت الموافقة على 11 تعليقًا.",
        "تمت الموافقة على 100 تعليق.",
    ]


def test_domain_messages_are_english_outside_a_request() -> None:
    assert str(_("There is no such article.")) == "There is no such article."


def test_relative_times_and_dates_are_in_the_language(app: Flask) -> None:
    three_hours_ago = utcnow() - timedelta(hours=3)
    long_ago = utcnow() - timedelta(days=40)
    with app.test_request_context("/embed/x?lang=ko"):
        refresh()  # the test's app context is shared by these requests
        assert since(three_hours_ago) == "3시간 전"
    with app.test_request_context("/embed/x?lang=de"):
        refresh()  # the test's app context is shared by these requests
        assert since(three_hours_ago) == "vor 3 Stunden"
        assert str(long_ago.year) in since(long_ago)
    with app.test_request_context("/embed/x?lang=tr"):
        refresh()  # the test's app context is shared by these requests
        assert since(three_hours_ago) == "3 saat önce"


def test_a_list_shows_each_day_in_the_language_and_the_zone(
    app: Flask, make_app: Callable[..., Flask]
) -> None:
    late = datetime(2026, 12, 1, 20, 30, tzinfo=UTC)  # already December 2 in Seoul
    with app.test_request_context("/embed/x?lang=de"):
        refresh()
        day = Days()
        assert (day(late), day(late.replace(tzinfo=None))) == ("01.12.2026", "01.12.2026")
    with make_app(BABEL_DEFAULT_TIMEZONE="Asia/Seoul").test_request_context("/embed/x?lang=ko"):
        assert Days()(late) == "2026. 12. 2."


# --- the dashboard ---------------------------------------------------------------------


def test_the_dashboard_follows_the_browser_until_the_moderator_chooses(
    logged_in: Auth, moderator: Moderator, app: Flask
) -> None:
    client = logged_in.client
    queue = client.get("/moderation/", headers={"Accept-Language": "es"})
    assert "Cola de moderación" in queue.text
    chosen = logged_in.post(
        "/moderation/language",
        {"locale": "ja", "next": "/moderation/log"},
        headers={"Accept-Language": "es"},
    )
    assert chosen.status_code == 303 and chosen.headers["Location"].endswith("/moderation/log")
    log = client.get("/moderation/log", headers={"Accept-Language": "es"})
    assert "ダッシュボードをこの言語で表示します。" in log.text
    assert '<html lang="ja"' in log.text
    with app.app_context():
        assert db.session.get(Moderator, moderator.id).locale == "ja"  # type: ignore[union-attr]
    # Back to the browser's.
    logged_in.post("/moderation/language", {"locale": ""})
    assert (
        "Cola de moderación" in client.get("/moderation/", headers={"Accept-Language": "es"}).text
    )


def test_a_language_that_is_not_shipped_is_refused(logged_in: Auth) -> None:
    refused = logged_in.post("/moderation/language", {"locale": "tlh"})
    assert refused.status_code == 400
    no_token = logged_in.client.post(
        "/moderation/language", data={"locale": "ko"}, headers={"Accept-Language": "ko"}
    )
    assert no_token.status_code == 400
    assert "양식이 만료되었거나 이 사이트에서 보낸 것이 아닙니다." in no_token.text


def test_moderation_messages_are_translated(
    logged_in: Auth, make_comment: object, app: Flask
) -> None:
    comment = make_comment()  # type: ignore[operator]
    logged_in.post("/moderation/language", {"locale": "ar"})
    page = logged_in.client.get("/moderation/")
    assert 'dir="rtl"' in page.text and "قائمة انتظار الإشراف" in page.text
    done = logged_in.post(
        f"/moderation/comments/{comment.id}/approve",
        {"version": comment.version},
        headers={"Accept": "application/json"},
    )
    assert done.json["message"] == f"تمت الموافقة على التعليق #{comment.id}."
    assert done.json["comment"]["status_label"] == "موافَق عليه"


def test_the_readers_language_is_decided_by_one_function() -> None:
    from moderation.core.i18n import reader_locale

    assert reader_locale("ar", "ko", "en") == ("ar", False)
    assert reader_locale("", "zz, ko-KR;q=0.9, de;q=0.8", "en") == ("ko", True)
    assert reader_locale("xx", "de;q=0.2, fr;q=0.9", "en") == ("fr", True)
    assert reader_locale(None, None, "tr") == ("tr", True)


def test_why_a_comment_was_held_is_told_in_the_moderators_language(
    logged_in: Auth, app: Flask, article: Article
) -> None:
    from moderation import comments as domain
    from moderation.spam.checks import check_submission

    verdict = check_submission(
        name="Reader",
        email="reader@example.org",
        website="",
        body="casino http://a.example http://b.example http://c.example http://d.example",
        honeypot="",
        blocklist=["casino"],
    )
    # Every reason is stored in English and told in the reader's language; a rule's
    # quotes the owner's words as they are.
    assert verdict.reason == "4 links in the text; matched word 'casino' in the text"
    submission = domain.Submission(
        name="Reader", email="reader@example.org", website="", body="casino", parent_id=None
    )
    domain.submit_comment(article, submission, held_reason=verdict.reason + "; imported note")
    db.session.commit()
    page = logged_in.client.get("/moderation/", headers={"Accept-Language": "de"})
    assert (
        "4 Links im Text; Wort &#39;casino&#39; im Feld Text gefunden; imported note" in page.text
    )
    # The queue's filter by reason speaks German too.
    assert '<option value="hold-word">Zurückgehalten: Wortregel</option>' in page.text
    assert "Held: word rule" not in page.text


def test_a_stored_rules_reason_is_told_in_the_moderators_language(
    logged_in: Auth, article: Article, app: Flask
) -> None:
    from moderation import comments as domain
    from moderation.spam.checks import check_submission
    from moderation.spam.rules import current_rules

    logged_in.post(
        "/moderation/settings/rules",
        {"action": "hold", "kind": "word", "pattern": "in the text", "look_in": ["body"]},
    )
    logged_in.post(
        "/moderation/settings/rules",
        {"action": "spam", "kind": "domain", "pattern": "spam.example"},
    )
    with app.test_request_context("/embed/a-film-review?lang=de"):  # a German reader posts
        verdict = check_submission(
            name="Reader",
            email="x@spam.example",
            website="",
            body="in the text",
            honeypot="",
            rules=current_rules(),
        )
        assert str(verdict.reasons[0]) == "Wort 'in the text' im Feld Text gefunden (Regel #1)"
    # Stored in English all the same.
    assert verdict.reason == (
        "matched word 'in the text' in the text (rule #1); "
        "matched blocked domain 'spam.example' (rule #2)"
    )
    comment = domain.submit_comment(
        article,
        domain.Submission(
            name="Reader", email="x@spam.example", website="", body="in the text", parent_id=None
        ),
        held_reason=verdict.reason,
    )
    db.session.commit()
    logged_in.post("/moderation/language", {"locale": "fr"})
    page = logged_in.client.get(f"/moderation/comments/{comment.id}")
    assert (
        "mot &#39;in the text&#39; trouvé dans le champ texte (règle #1); "
        "domaine bloqué &#39;spam.example&#39; trouvé (règle #2)"
    ) in page.text


def test_the_owners_pages_speak_the_moderators_language(logged_in: Auth) -> None:
    logged_in.post("/moderation/language", {"locale": "de"})
    logged_in.post(
        "/moderation/settings/rules",
        {"action": "spam", "kind": "word", "pattern": "casino", "look_in": ["name", "body"]},
    )
    settings = logged_in.client.get("/moderation/settings")
    assert "Regel #1 hinzugefügt: Spam Wort &#39;casino&#39; in Name, Text." in settings.text
    assert '<h2 id="rules-title">Spam-Regeln</h2>' in settings.text
    assert "Einstellungen speichern" in settings.text and "Save the settings" not in settings.text
    refused = logged_in.post(
        "/moderation/settings/rules",
        {"action": "hold", "kind": "regex", "pattern": "(a+)+$", "look_in": ["body"]},
    )
    assert refused.status_code == 400 and "schreib ihn einfacher" in refused.text

    logged_in.post("/moderation/language", {"locale": "ar"})
    moderators = logged_in.client.get("/moderation/settings/moderators")
    assert "دعوة شخص" in moderators.text and "آخر دخول" in moderators.text
    assert ">المالك</option>" in moderators.text

    logged_in.post("/moderation/language", {"locale": "ja"})
    outbox = logged_in.client.get("/moderation/outbox")
    assert "送信待ちのものはありません。" in outbox.text
    account = logged_in.client.get("/moderation/account")
    assert "サイトの返信の署名" in account.text
    data = logged_in.client.get("/moderation/data")
    assert "すべてダウンロード(JSON)" in data.text and "<code>docs/export-schema.json</code>" in (
        data.text
    )


def test_pages_without_javascript_keep_the_language_they_were_asked_in(
    client: FlaskClient, article: Article
) -> None:
    page = client.get(f"/embed/{article.id}?lang=tr")
    assert '<html lang="tr" dir="ltr">' in page.text
    assert f'action="/embed/{article.id}?lang=tr#leave-reply"' in page.text
    assert "Yanıt bırakın" in page.text


def test_feeds_and_previews_speak_the_language_asked_for(
    client: FlaskClient, make_comment: object, article: Article
) -> None:
    from moderation.comments.models import Status

    make_comment(Status.APPROVED, name="Ada")  # type: ignore[operator]
    feed = client.get(f"/feeds/articles/{article.id}.atom?lang=de")
    assert "<title>Kommentare zu A film review</title>" in feed.text
    assert "<title>Ada zu A film review</title>" in feed.text
    preview = client.post("/api/preview?lang=ja", data={})
    assert preview.status_code == 400
    assert preview.json["error"] == "プレビューする本文を送信してください。"


def test_templates_speak_the_language_of_the_moment(app: Flask) -> None:
    """Templates' own gettext follows the request's language and ``force_locale``, as
    Flask-Babel's does: a message is the template's markup, its variables escaped, and
    left as text where nothing is escaped (the mails' plain parts)."""
    from flask import render_template_string
    from flask_babel import force_locale

    source = (
        "{{ _('Reply') }}|{{ ngettext('%(num)d comment', '%(num)d comments', 2) }}"
        "|{{ _('<%(x)s>', x='&') }}"
    )
    plain = app.jinja_env.overlay(autoescape=False).from_string(source)
    with app.test_request_context("/?lang=de"):
        assert render_template_string(source) == "Antworten|2 Kommentare|<&amp;>"
        assert plain.render() == "Antworten|2 Kommentare|<&>"
        with force_locale("en"):
            assert render_template_string(source) == "Reply|2 comments|<&amp;>"
        assert render_template_string(source).startswith("Antworten|")

"""Each mail speaks its recipient's language: a reader's the one they wrote their comment
in, a moderator's the one they chose for the dashboard, else the default; sent through a
real SMTP server (aiosmtpd on loopback), subject and both parts."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from moderation.accounts.models import Moderator
from moderation.comments.models import Comment
from moderation.core.database import utcnow
from moderation.extensions import db
from moderation.notify import is_confirmed, worker
from moderation.notify.models import NotificationPreference

from .conftest import ARTICLE_ID, MODERATOR_EMAIL, Auth
from .receivers import Mailbox, WebhookReceiver, html_of, links_in, notify_config, text_of


def send(app: Flask) -> worker.Round:
    """One round of the worker, in its own context (as ``flask outbox send``)."""
    result = contextvars.Context().run(worker.send_due, app)
    db.session.expire_all()
    return result


def post(
    client: Any, token: str, lang: str | None = None, headers: Any = None, **fields: Any
) -> Any:
    """A reader's comment through the API, as the widget sends it (``?lang=``)."""
    data = {"name": "Ada Reader", "email": "ada@example.org", "body": "What a film.", **fields}
    query = f"?lang={lang}" if lang else ""
    response = client.post(
        f"/api/articles/{ARTICLE_ID}/comments{query}",
        json={**data, "token": token},
        headers=headers or {},
    )
    assert response.status_code == 202, response.text
    return response.get_json()


def path_of(url: str) -> str:
    assert url.startswith("http://localhost/"), url
    return url.removeprefix("http://localhost")


@pytest.fixture
def app(notify_app: Flask) -> Flask:
    return notify_app


@pytest.fixture
def setup(app: Flask, article: Any, moderator: Moderator) -> Flask:
    return app


def test_a_reader_who_wrote_in_korean_gets_the_confirmation_and_the_reply_in_korean(
    setup: Flask, client: Any, form_token: Any, mailbox: Mailbox, logged_in: Auth
) -> None:
    from moderation import comments as domain

    ada = post(client, form_token(), lang="ko-KR", notify=True)
    assert db.session.get(Comment, ada["id"]).locale == "ko"
    send(setup)
    # The moderator chose no language: their mail is in the default one.
    [to_moderator] = mailbox.to(MODERATOR_EMAIL)
    assert to_moderator["Subject"] == "New comment by Ada Reader on A film review"

    [confirmation] = mailbox.to("ada@example.org")
    assert confirmation["Subject"] == "A film review의 답글 알림을 받으려면 주소를 확인하세요"
    text, html = text_of(confirmation), html_of(confirmation)
    assert '<html lang="ko" dir="ltr">' in html
    for part in (text, html):
        assert "확인하기 전까지는 이 주소로 다른 메일을 보내지 않습니다." in part
        assert "네, 답글이 달리면 이메일로 알려 주세요" in part
        assert "Confirm your address" not in part
    assert re.search(r"링크는 \d+일 동안 유효합니다\.", text)

    domain.approve(db.session.get(Comment, ada["id"]), None)  # before she confirms
    db.session.commit()

    # The link opens its page in Korean, and the button keeps it.
    confirm = path_of(links_in(text)[-1])
    assert "lang=ko" in confirm
    page = client.get(confirm)
    assert page.status_code == 200 and '<html lang="ko"' in page.text
    assert "네, 답글이 달리면 이메일로 알려 주세요" in page.text
    confirmed = client.post(confirm)
    assert confirmed.status_code == 200 and "주소가 확인되었습니다" in confirmed.text
    db.session.expire_all()
    assert is_confirmed("ada@example.org")

    # Bo replies in English; Ada hears of it in Korean.
    reply = post(
        client,
        form_token(),
        lang="en",
        name="Bo",
        email="bo@example.org",
        body="I *disagree*.",
        parent_id=ada["id"],
    )
    answer = logged_in.post(
        f"/moderation/comments/{reply['id']}/approve",
        {"version": db.session.get(Comment, reply["id"]).version},
    )
    assert answer.status_code == 303
    send(setup)
    [_, replied] = mailbox.to("ada@example.org")
    assert replied["Subject"] == "Bo 님이 A film review에 남긴 댓글에 답글을 남겼습니다"
    text, html = text_of(replied), html_of(replied)
    for part in (text, html):
        assert "Bo 님이 댓글에 답글을 남겼습니다" in part
        assert "읽고 답하기" in part
        assert "수신 거부: 지금 바로 메일을 그만 받습니다." in part
        assert "replied to your comment" not in part
    assert "I disagree." in text and "<em>disagree</em>" in html

    # The unsubscribe page speaks Korean too.
    unsubscribe = path_of(replied["List-Unsubscribe"].strip("<>"))
    assert "수신 거부" in client.get(unsubscribe).text
    done = client.post(unsubscribe)
    assert done.status_code == 200 and "더 이상 메일을 보내지 않습니다." in done.text


def test_a_readers_published_comment_is_announced_in_the_language_they_wrote_in(
    setup: Flask, client: Any, form_token: Any, mailbox: Mailbox
) -> None:
    from moderation import comments as domain
    from moderation.notify.addresses import address_for, confirm

    confirm(address_for("ada@example.org"))
    db.session.commit()
    # No ``?lang=``: the browser's language decides, as for the widget itself.
    ada = post(client, form_token(), headers={"Accept-Language": "ko;q=0.9, en;q=0.1"}, notify=True)
    domain.approve(db.session.get(Comment, ada["id"]), None)
    db.session.commit()
    send(setup)
    [published] = mailbox.to("ada@example.org")
    assert published["Subject"] == "A film review에 남긴 댓글이 게시되었습니다"
    assert "누군가 답글을 달면 알려 드리겠습니다." in text_of(published)
    assert "댓글이 게시되었습니다" in html_of(published)


def test_a_moderator_who_chose_german_gets_the_new_comment_mail_in_german(
    setup: Flask,
    client: Any,
    form_token: Any,
    mailbox: Mailbox,
    moderator: Moderator,
    make_moderator: Callable[..., Moderator],
) -> None:
    from moderation.accounts.moderators import set_locale

    set_locale(moderator, "de")
    make_moderator(email="other@example.com")  # no language chosen: the default
    db.session.commit()
    post(client, form_token(), lang="ko", name="Ada Reader")
    send(setup)

    [mail] = mailbox.to(MODERATOR_EMAIL)
    assert mail["Subject"] == "Neuer Kommentar von Ada Reader zu A film review"
    text, html = text_of(mail), html_of(mail)
    assert '<html lang="de" dir="ltr">' in html
    for part in (text, html):
        assert "Neuer Kommentar wartet auf Freigabe" in part
        assert "jeder Kommentar wartet auf einen Moderator" in part
        assert "In der Moderation öffnen" in part
        assert "New comment waiting for moderation" not in part
    for label in ("Freigeben", "Ablehnen", "Spam"):
        assert re.search(rf"^{label}: http://localhost/moderation/email/\S", text, re.MULTILINE)
    assert ">Freigeben</a>" in html

    [other] = mailbox.to("other@example.com")
    assert other["Subject"] == "New comment by Ada Reader on A film review"
    assert "New comment waiting for moderation" in text_of(other)


def test_a_digest_speaks_its_moderators_language(
    setup: Flask, client: Any, form_token: Any, mailbox: Mailbox, moderator: Moderator
) -> None:
    from moderation.accounts.moderators import set_locale
    from moderation.notify.preferences import set_preference

    set_locale(moderator, "de")
    set_preference(moderator.id, "digest", 30)
    db.session.commit()
    post(client, form_token(), name="First Reader", body="The first one.")
    post(client, form_token(), name="Second Reader", body="The second one.")
    send(setup)
    db.session.execute(
        update(NotificationPreference).values(last_digest_at=utcnow() - timedelta(minutes=31))
    )
    db.session.commit()
    send(setup)
    send(setup)
    [digest] = mailbox.messages
    assert digest["Subject"] == "2 neue Kommentare warten auf Freigabe"
    assert "First Reader zu A film review" in html_of(digest)
    assert "Du bekommst eine Zusammenfassung neuer Kommentare." in text_of(digest)


@pytest.fixture
def french_app(
    make_app: Callable[..., Flask], mailbox: Mailbox, webhook_receiver: WebhookReceiver
) -> Iterator[Flask]:
    app = make_app(**notify_config(mailbox, webhook_receiver), DEFAULT_LOCALE="fr")
    with app.app_context():
        yield app


def test_a_comment_from_before_languages_were_kept_gets_the_default_language(
    french_app: Flask, mailbox: Mailbox
) -> None:
    from moderation import comments as domain
    from moderation.notify.addresses import address_for, confirm

    article = domain.create_article(ARTICLE_ID, title="A film review")
    confirm(address_for("old@example.org"))
    comment = domain.submit_comment(
        article,
        domain.Submission(
            name="Old Reader", email="old@example.org", website="", body="Long ago.", notify=True
        ),
    )
    assert comment.locale is None
    domain.approve(comment, None)
    db.session.commit()
    send(french_app)
    [published] = mailbox.to("old@example.org")
    assert published["Subject"] == "Votre commentaire sur A film review est publié"
    assert "Nous vous préviendrons quand quelqu’un y répondra." in text_of(published)


def test_an_arabic_moderators_mail_is_laid_out_right_to_left(
    setup: Flask, client: Any, form_token: Any, mailbox: Mailbox, moderator: Moderator
) -> None:
    from moderation.accounts.moderators import set_locale

    set_locale(moderator, "ar")
    db.session.commit()
    post(client, form_token())
    send(setup)
    [mail] = mailbox.messages
    assert mail["Subject"] == "تعليق جديد من Ada Reader على A film review"
    html = html_of(mail)
    assert '<html lang="ar" dir="rtl">' in html
    assert "text-align:right" in html and "border-right:4px" in html
    assert "text-align:left" not in html and "border-left" not in html

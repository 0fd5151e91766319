from moderation.comments.rendering import render_comment


def test_markdown_subset() -> None:
    html = render_comment("Hello *there* and **you**.\n\n> quoted\n\n`code`")
    assert "<em>there</em>" in html
    assert "<strong>you</strong>" in html
    assert "<blockquote>" in html
    assert "<code>code</code>" in html


def test_links_get_nofollow_ugc_noopener() -> None:
    html = render_comment("[site](https://example.com)")
    assert 'href="https://example.com"' in html
    assert 'rel="nofollow ugc noopener"' in html


def test_raw_html_is_shown_as_text() -> None:
    html = render_comment("<script>alert(1)</script><b onmouseover=x>bold</b>")
    assert "<script" not in html and "<b" not in html
    assert "&lt;script&gt;" in html


def test_dangerous_link_schemes_are_dropped() -> None:
    for text in ("[x](javascript:alert(1))", "[x](data:text/html,hi)", "[x](vbscript:msgbox)"):
        html = render_comment(text)
        assert "<a" not in html and "href" not in html


def test_images_and_headings_are_not_rendered() -> None:
    html = render_comment("# Big\n\n![img](https://example.com/x.png)")
    assert "<h1" not in html and "<img" not in html


def test_sanitizer_catches_links_markdown_lets_through() -> None:
    html = render_comment("<https://example.com/a?b=1&c=2>")
    assert html.count("<a ") == 1 and "nofollow" in html

"""Identicons: the same picture for the same email, and no way back to the email."""

import re

from moderation.comments.avatars import (
    AvatarSheet,
    gravatar_img,
    identicon_svg,
    identity_digest,
)

EMAIL = "Reader.Name+films@Example.org"


def cells(svg: str) -> str:
    match = re.search(r' d="([^"]+)"', svg)
    assert match
    return match.group(1)


def test_same_email_and_secret_give_the_same_picture() -> None:
    assert identicon_svg(EMAIL, "secret") == identicon_svg(EMAIL, "secret")
    # Case and surrounding spaces do not make another person.
    assert identicon_svg(f"  {EMAIL.lower()} ", "secret") == identicon_svg(EMAIL, "secret")


def test_different_emails_give_different_pictures() -> None:
    pictures = {identicon_svg(f"reader{n}@example.org", "secret") for n in range(50)}
    assert len(pictures) == 50
    patterns = {cells(svg) for svg in pictures}
    assert len(patterns) > 40  # the pattern alone tells most people apart


def test_another_secret_gives_another_picture() -> None:
    assert identicon_svg(EMAIL, "secret") != identicon_svg(EMAIL, "another secret")
    assert identity_digest(EMAIL, "a") != identity_digest(EMAIL, "b")


def test_output_holds_no_email_and_no_plain_hash_of_it() -> None:
    import hashlib

    svg = str(identicon_svg(EMAIL, "secret"))
    normalized = EMAIL.lower()
    for secret_part in (EMAIL, normalized, "Reader.Name", "example.org", "@"):
        assert secret_part.lower() not in svg.lower()
    for algorithm in ("md5", "sha1", "sha256"):
        digest = hashlib.new(algorithm, normalized.encode()).hexdigest()
        assert digest[:8] not in svg
    assert identity_digest(EMAIL, "secret").hex()[:8] not in svg


def test_identicon_is_a_decorative_inline_svg_that_is_mirrored() -> None:
    svg = str(identicon_svg(EMAIL, "secret"))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'aria-hidden="true"' in svg and "<script" not in svg and "href" not in svg
    # A stroke per run of cells, half a cell in from the square's edge: M{x}.5 {y + 1}h{n}.
    runs = re.findall(r"M(\d?)\.5 (\d)h(\d)", cells(svg))
    assert runs and "".join(f"M{x}.5 {y}h{n}" for x, y, n in runs) == cells(svg)
    grid = {(int(x or 0) + step, int(y) - 1) for x, y, n in runs for step in range(int(n))}
    assert all(0 <= x < 5 and 0 <= y < 5 for x, y in grid)
    assert grid == {(4 - x, y) for x, y in grid}  # left and right halves mirror


def test_a_page_draws_each_commenter_once() -> None:
    sheet = AvatarSheet("secret", prefix="post-")
    uses = [sheet.of(email) for email in (EMAIL, "other@example.org", EMAIL.upper())]
    assert uses[0] == uses[2] != uses[1]
    assert re.fullmatch(r'<svg aria-hidden="true"><use href="#post-a[0-9a-f]{6}"/></svg>', uses[0])
    symbols = str(sheet.symbols())
    assert symbols.count("<symbol ") == 2 and "example.org" not in symbols
    assert cells(symbols) == cells(identicon_svg(EMAIL, "secret"))
    assert AvatarSheet("secret").symbols() == ""  # nothing drawn, nothing sent


def test_gravatar_only_when_asked_and_without_the_email() -> None:
    for sheet in (AvatarSheet("secret"), AvatarSheet("secret", inline=True)):
        assert "<svg" in sheet.of(EMAIL) and "gravatar" not in sheet.of(EMAIL)
    img = str(AvatarSheet("secret", gravatar=True).of(EMAIL))
    assert img == str(gravatar_img(EMAIL))
    assert img.startswith('<img class="mc-avatar" src="https://gravatar.com/avatar/')
    assert 'alt=""' in img and 'referrerpolicy="no-referrer"' in img
    assert EMAIL.lower() not in img.lower() and "example.org" not in img

"""What the blogs and their readers see: the embed page, its fragment, the widget
script, the JSON API and the demo blog page.

Nothing here needs a cookie: the comment POST is proven by a signed form token.
"""

from __future__ import annotations

from flask import Blueprint

from ..extensions import csrf

bp = Blueprint("public", __name__)
csrf.exempt(bp)

from . import api, assets, demo, embed, feeds, own  # noqa: E402,F401  (the views register on bp)

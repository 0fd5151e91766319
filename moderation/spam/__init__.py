"""Why a comment should be held back for a closer look, or binned: the owner's rules
and a filter that learns from the moderators' decisions."""

from . import models as models  # noqa: F401  (the tables, for the migrations)

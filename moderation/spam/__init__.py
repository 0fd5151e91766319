"""Why a comment should be held back for a closer look, or binned."""

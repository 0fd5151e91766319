"""Moderator emails stored lower-cased

Lookups ignored case while the unique constraint did not, so two accounts could
differ only by case. Every stored email is lower-cased here (in Python, so non-ASCII
letters are lowered as the app lowers them); two accounts that would collide stop the
upgrade with their ids, for the owner to disable or rename one first.

Revision ID: 3b1d2f0c9a71
Revises: 10675bc6eeaf
Create Date: 2026-11-25 09:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '3b1d2f0c9a71'
down_revision = '10675bc6eeaf'
branch_labels = None
depends_on = None

moderator = sa.table('moderator', sa.column('id', sa.Integer), sa.column('email', sa.String))


def upgrade():
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(moderator.c.id, moderator.c.email).order_by(moderator.c.id)
    ).all()
    seen = {}
    for row_id, email in rows:
        lowered = email.strip().lower()
        if lowered in seen:
            raise RuntimeError(
                f"Moderators #{seen[lowered]} and #{row_id} have the same email but for "
                f"its case ({email!r}); change one of them, then upgrade again."
            )
        seen[lowered] = row_id
    for row_id, email in rows:
        if email != email.strip().lower():
            connection.execute(
                moderator.update()
                .where(moderator.c.id == row_id)
                .values(email=email.strip().lower())
            )


def downgrade():
    # Lower-cased addresses work as they are; there is nothing to undo.
    pass

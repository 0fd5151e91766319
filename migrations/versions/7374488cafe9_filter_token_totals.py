"""The learning filter counts the tokens of each side's decisions; spam threshold 0.965

A token's share of each side's decisions is now weighed against how long that side's
comments are, which needs the number of tokens each side's decisions carried: the sum
of the token counts, filled in here from the counts already kept. The scores move
towards the honest side a little, so a spam threshold left at the old default (0.99)
becomes the new one (0.965); a threshold the owner chose stays as it is. The downgrade
puts 0.99 back where it finds 0.965.

Revision ID: 7374488cafe9
Revises: 4d8a1f6b2e90
Create Date: 2026-12-03 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7374488cafe9'
down_revision = '4d8a1f6b2e90'
branch_labels = None
depends_on = None

OLD_THRESHOLD = 0.99
NEW_THRESHOLD = 0.965

totals = sa.table(
    'spam_filter_totals',
    sa.column('spam_tokens', sa.Integer),
    sa.column('ham_tokens', sa.Integer),
)
token = sa.table('spam_filter_token', sa.column('spam', sa.Integer), sa.column('ham', sa.Integer))
settings = sa.table(
    'spam_settings',
    sa.column('spam_threshold', sa.Float),
    sa.column('version', sa.Integer),
)


def _move_threshold(before, after):
    op.execute(
        settings.update()
        .where(settings.c.spam_threshold == before)
        .values(spam_threshold=after, version=settings.c.version + 1)
    )


def upgrade():
    with op.batch_alter_table('spam_filter_totals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('spam_tokens', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('ham_tokens', sa.Integer(), server_default='0', nullable=False))
    # Each decision added one to each of its tokens: the sums are the tokens counted.
    op.execute(
        totals.update().values(
            spam_tokens=sa.select(sa.func.coalesce(sa.func.sum(token.c.spam), 0)).scalar_subquery(),
            ham_tokens=sa.select(sa.func.coalesce(sa.func.sum(token.c.ham), 0)).scalar_subquery(),
        )
    )
    with op.batch_alter_table('spam_filter_totals', schema=None) as batch_op:
        batch_op.alter_column('spam_tokens', server_default=None)
        batch_op.alter_column('ham_tokens', server_default=None)
    _move_threshold(OLD_THRESHOLD, NEW_THRESHOLD)


def downgrade():
    _move_threshold(NEW_THRESHOLD, OLD_THRESHOLD)
    with op.batch_alter_table('spam_filter_totals', schema=None) as batch_op:
        batch_op.drop_column('ham_tokens')
        batch_op.drop_column('spam_tokens')

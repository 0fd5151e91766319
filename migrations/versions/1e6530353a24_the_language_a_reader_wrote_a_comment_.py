"""The language a reader wrote a comment in, for their mails (none: the default)

Revision ID: 1e6530353a24
Revises: e2fd3e54d116
Create Date: 2026-12-01 21:26:35.836667

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1e6530353a24'
down_revision = 'e2fd3e54d116'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_column('locale')

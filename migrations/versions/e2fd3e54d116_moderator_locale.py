"""The dashboard language each moderator chooses (none: the browser's)

Revision ID: e2fd3e54d116
Revises: a0759921ab0a
Create Date: 2026-12-01 17:53:46.495975

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e2fd3e54d116'
down_revision = 'a0759921ab0a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('moderator', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('moderator', schema=None) as batch_op:
        batch_op.drop_column('locale')

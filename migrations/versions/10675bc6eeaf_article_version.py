"""Article version, the public pages' validator

Revision ID: 10675bc6eeaf
Revises: 0f678ccaa68e
Create Date: 2026-11-27 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '10675bc6eeaf'
down_revision = '0f678ccaa68e'
branch_labels = None
depends_on = None


def upgrade():
    # Existing articles start at 1: readers' cached copies were keyed differently, so
    # their first revalidation after the upgrade is a 200 anyway.
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.drop_column('version')

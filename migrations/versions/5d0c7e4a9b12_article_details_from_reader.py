"""Mark articles whose title and address a reader's first comment gave

Revision ID: 5d0c7e4a9b12
Revises: 3f2c95b1745f
Create Date: 2026-11-28 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d0c7e4a9b12'
down_revision = '3f2c95b1745f'
branch_labels = None
depends_on = None


def upgrade():
    # Existing articles are not marked: whoever created them, their details have been
    # shown as they are so far, and a moderator can still edit them.
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('details_from_reader', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.drop_column('details_from_reader')

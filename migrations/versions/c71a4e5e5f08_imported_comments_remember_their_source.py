"""Imported comments remember their source

Each imported comment keeps the system it came from and its id there, unique together,
so a second import of the same file adds nothing. Comments posted here leave both empty.

Revision ID: c71a4e5e5f08
Revises: 5d0c7e4a9b12
Create Date: 2026-12-01 17:52:34.425951

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c71a4e5e5f08'
down_revision = '5d0c7e4a9b12'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('source_id', sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_comment_source'), ['source', 'source_id'])



def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_comment_source'), type_='unique')
        batch_op.drop_column('source_id')
        batch_op.drop_column('source')


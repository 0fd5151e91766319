"""Rate-limit counters shared by the worker processes

Without Redis, Flask-Limiter's counters live in this table (one row per fixed window of
one limit), so every gunicorn worker counts the same hits.

Revision ID: 3f2c95b1745f
Revises: 3b1d2f0c9a71
Create Date: 2026-11-25 10:09:02.201874

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f2c95b1745f'
down_revision = '3b1d2f0c9a71'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'rate_limit_counter',
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        # Unix time at which the window ends.
        sa.Column('expires_at', sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limit_counter')),
    )
    with op.batch_alter_table('rate_limit_counter', schema=None) as batch_op:
        # Expired windows are deleted by range.
        batch_op.create_index(
            batch_op.f('ix_rate_limit_counter_expires_at'), ['expires_at'], unique=False
        )


def downgrade():
    with op.batch_alter_table('rate_limit_counter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_limit_counter_expires_at'))
    op.drop_table('rate_limit_counter')

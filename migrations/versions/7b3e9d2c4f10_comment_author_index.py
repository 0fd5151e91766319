"""One author's comments by address: the duplicate check and returning authors

Revision ID: 7b3e9d2c4f10
Revises: 1e6530353a24
Create Date: 2026-12-02 01:45:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '7b3e9d2c4f10'
down_revision = '1e6530353a24'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_comment_email_article_created',
        'comment',
        ['email', 'article_id', 'created_at'],
        unique=False,
    )


def downgrade():
    op.drop_index('ix_comment_email_article_created', table_name='comment')

"""The text's digest in the author index: a post's duplicate check reads one point

Revision ID: 4d8a1f6b2e90
Revises: 7b3e9d2c4f10
Create Date: 2026-12-07 10:15:00.000000

"""
import hashlib

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '4d8a1f6b2e90'
down_revision = '7b3e9d2c4f10'
branch_labels = None
depends_on = None

BATCH = 1000


def digest(body):
    # The same as moderation.comments.models.text_digest, fixed here as it was written.
    return hashlib.blake2b(body.encode('utf-8', 'surrogatepass'), digest_size=16).hexdigest()


def upgrade():
    op.add_column('comment', sa.Column('body_digest', sa.String(length=32), nullable=True))
    comment = sa.table(
        'comment',
        sa.column('id', sa.Integer),
        sa.column('body', sa.Text),
        sa.column('body_digest', sa.String),
    )
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(comment.c.id, comment.c.body)
            .where(comment.c.id > last)
            .order_by(comment.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        connection.execute(
            comment.update()
            .where(comment.c.id == sa.bindparam('row_id'))
            .values(body_digest=sa.bindparam('digest')),
            [{'row_id': row.id, 'digest': digest(row.body or '')} for row in rows],
        )
        last = rows[-1].id
    op.drop_index('ix_comment_email_article_created', table_name='comment')
    op.create_index(
        'ix_comment_email_article_digest_created',
        'comment',
        ['email', 'article_id', 'body_digest', 'created_at'],
        unique=False,
    )


def downgrade():
    op.drop_index('ix_comment_email_article_digest_created', table_name='comment')
    op.create_index(
        'ix_comment_email_article_created',
        'comment',
        ['email', 'article_id', 'created_at'],
        unique=False,
    )
    with op.batch_alter_table('comment') as batch_op:
        batch_op.drop_column('body_digest')

"""The outbox, readers' confirmed addresses, moderators' notification choices

Revision ID: c3651231c6b9
Revises: 5d0c7e4a9b12
Create Date: 2026-12-01 17:53:16.027059

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3651231c6b9'
down_revision = '5d0c7e4a9b12'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('email_address',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmation_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('unsubscribed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_address')),
    sa.UniqueConstraint('email', name=op.f('uq_email_address_email'))
    )
    op.create_table('notification_preference',
    sa.Column('moderator_id', sa.Integer(), nullable=False),
    sa.Column('frequency', sa.Enum('each', 'digest', 'none', name='notification_frequency', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('digest_minutes', sa.Integer(), nullable=False),
    sa.Column('last_digest_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['moderator_id'], ['moderator.id'], name=op.f('fk_notification_preference_moderator_id_moderator'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('moderator_id', name=op.f('pk_notification_preference'))
    )
    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.Enum('mail', 'webhook', 'event', name='outbox_channel', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('recipient', sa.String(length=2000), nullable=False),
    sa.Column('topic', sa.String(length=100), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('state', sa.Enum('waiting', 'sending', 'sent', 'failed', 'held', 'dropped', name='outbox_state', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claim', sa.String(length=32), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('digest_moderator_id', sa.Integer(), nullable=True),
    sa.Column('digest_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['digest_id'], ['outbox_message.id'], name=op.f('fk_outbox_message_digest_id_outbox_message'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['digest_moderator_id'], ['moderator.id'], name=op.f('fk_outbox_message_digest_moderator_id_moderator'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_message_dedupe_key')),
    sa.UniqueConstraint('uid', name=op.f('uq_outbox_message_uid'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_message_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_outbox_message_held', ['digest_moderator_id', 'state'], unique=False)
        batch_op.create_index('ix_outbox_message_state_next_attempt', ['state', 'next_attempt_at'], unique=False)

    # Existing comments asked for nothing: nobody is mailed who did not tick the box.
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_replies', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_column('notify_replies')

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_state_next_attempt')
        batch_op.drop_index('ix_outbox_message_held')
        batch_op.drop_index(batch_op.f('ix_outbox_message_created_at'))

    op.drop_table('outbox_message')
    op.drop_table('notification_preference')
    op.drop_table('email_address')

"""hot-path indexes: a counter's open ticket and the wait estimate's recent service times stay cheap with years of history

Revision ID: 3b47d03be3fa
Revises: 9c4e2a7b1d36
Create Date: 2026-12-02 04:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '3b47d03be3fa'
down_revision = '9c4e2a7b1d36'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        # (counter_id, status) replaces (counter_id): it serves every lookup by counter too.
        batch_op.drop_index(batch_op.f('ix_ticket_counter_id'))
        batch_op.create_index('ix_ticket_counter_status', ['counter_id', 'status'], unique=False)
        batch_op.create_index('ix_ticket_service_recent', ['service_id', 'status', 'finished_at', 'serving_started_at'],
                              unique=False)
        batch_op.create_index('ix_ticket_agency_recent',
                              ['queue_agency_id', 'status', 'finished_at', 'serving_started_at'], unique=False)
        batch_op.create_index('ix_ticket_day_finished', ['queue_agency_id', 'business_date', 'status', 'finished_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_day_finished')
        batch_op.drop_index('ix_ticket_agency_recent')
        batch_op.drop_index('ix_ticket_service_recent')
        batch_op.drop_index('ix_ticket_counter_status')
        batch_op.create_index(batch_op.f('ix_ticket_counter_id'), ['counter_id'], unique=False)

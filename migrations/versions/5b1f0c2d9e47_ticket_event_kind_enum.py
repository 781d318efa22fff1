"""ticket_event.kind: one of the known kinds (TicketEventKind), checked by the database

Revision ID: 5b1f0c2d9e47
Revises: 73a1a9feef0b
Create Date: 2026-12-02 01:10:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '5b1f0c2d9e47'
down_revision = '73a1a9feef0b'
branch_labels = None
depends_on = None

KINDS = ('issued', 'called', 'recalled', 'serving', 'finished', 'no_show', 'transferred', 'cancelled', 'requeued')


def upgrade():
    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_ticket_event_kind'),
                                         "kind IN (" + ", ".join(f"'{kind}'" for kind in KINDS) + ")")


def downgrade():
    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_ticket_event_kind'), type_='check')

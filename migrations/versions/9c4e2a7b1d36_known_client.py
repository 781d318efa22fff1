"""known_client: addresses each account signed in from, spared by the login lock and the per-address wait

Revision ID: 9c4e2a7b1d36
Revises: 5b1f0c2d9e47
Create Date: 2026-12-03 09:00:00

"""
from alembic import op
import sqlalchemy as sa

import mpp_app.models  # custom column types (UTCDateTime)

# revision identifiers, used by Alembic.
revision = '9c4e2a7b1d36'
down_revision = '5b1f0c2d9e47'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('known_client',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('last_login_at', mpp_app.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_known_client_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_known_client')),
    sa.UniqueConstraint('user_id', 'client', name=op.f('uq_known_client_user_id_client'))
    )


def downgrade():
    op.drop_table('known_client')

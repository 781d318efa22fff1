"""reference_version: a token that triggers change on every write to the reference data, so each
server process can cache catalogue, counters, hours and settings and know when to read them again

Revision ID: 5e2d8c41a7f0
Revises: 3b47d03be3fa
Create Date: 2026-12-02 06:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5e2d8c41a7f0'
down_revision = '3b47d03be3fa'
branch_labels = None
depends_on = None

# Tables whose rows the per-process cache holds. A counter's state and holder change all day and
# are not cached: only its configuration columns count.
TABLES = ("agency", "service", "counter_service", "opening_hours", "closure", "special_hours", "setting")
COUNTER_COLUMNS = "number, name, agency_id, active"

SQLITE_BUMP = ("INSERT INTO reference_version (id, token) VALUES (1, lower(hex(randomblob(16)))) "
               "ON CONFLICT (id) DO UPDATE SET token = excluded.token;")
POSTGRES_FUNCTION = """
CREATE FUNCTION reference_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reference_version (id, token) VALUES (1, md5(random()::text || clock_timestamp()::text))
    ON CONFLICT (id) DO UPDATE SET token = excluded.token;
    RETURN NULL;
END $$
"""


def _sqlite_triggers():
    for table in TABLES:
        for operation in ("INSERT", "UPDATE", "DELETE"):
            yield f"reference_{table}_{operation.lower()}", f"AFTER {operation} ON {table}"
    for operation in ("INSERT", "DELETE"):
        yield f"reference_counter_{operation.lower()}", f"AFTER {operation} ON counter"
    yield "reference_counter_update", f"AFTER UPDATE OF {COUNTER_COLUMNS} ON counter"


def upgrade():
    op.create_table(
        'reference_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_version')),
    )
    op.execute("INSERT INTO reference_version (id, token) VALUES (1, 'initial')")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        for table in TABLES:
            op.execute(f"CREATE TRIGGER reference_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION reference_changed()")
        op.execute(f"CREATE TRIGGER reference_changed AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF "
                   f"{COUNTER_COLUMNS} ON counter FOR EACH STATEMENT EXECUTE FUNCTION reference_changed()")
    else:
        for name, when in _sqlite_triggers():
            op.execute(f"CREATE TRIGGER {name} {when} BEGIN {SQLITE_BUMP} END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES + ("counter",):
            op.execute(f"DROP TRIGGER reference_changed ON {table}")
        op.execute("DROP FUNCTION reference_changed()")
    else:
        for name, _when in _sqlite_triggers():
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table('reference_version')

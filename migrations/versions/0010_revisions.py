"""Record histories and seeds beside API edits: `revisions` (who changed what, when, why,
each field before and after), feed entries linked to their revision, and `seed_states`
(what the last seed read from the files, so a seed can tell an API edit from a change in
a file)

The last seed's values start as the stored values: until now only seeds wrote, so what
the database holds is what the files last said.

Revision ID: 0010_revisions
Revises: 0009_facts_freshness
Create Date: 2026-12-06 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010_revisions"
down_revision: str | None = "0009_facts_freshness"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _short(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collection", _short(40), nullable=False),
        sa.Column("record_id", _short(80), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", _short(80), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("request_id", _short(200), nullable=True),
        sa.Column("action", _short(10), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.CheckConstraint(
            "action IN ('created', 'updated', 'deleted')", name=op.f("ck_revisions_action")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revisions")),
        sa.UniqueConstraint(
            "collection", "record_id", "number", name="uq_revisions_record_number"
        ),
    )
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_revisions_record", ["collection", "record_id", "id"], unique=False
        )
    op.create_table(
        "seed_states",
        sa.Column("collection", _short(40), nullable=False),
        sa.Column("record_id", _short(80), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("collection", "record_id", name=op.f("pk_seed_states")),
    )
    op.execute(
        "INSERT INTO seed_states (collection, record_id, value) "
        "SELECT collection, record_id, value FROM record_states WHERE value IS NOT NULL"
    )
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.drop_column("revision")
    op.drop_table("seed_states")
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.drop_index("ix_revisions_record")
    op.drop_table("revisions")

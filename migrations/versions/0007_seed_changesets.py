"""Seed runs and writes are changesets: each record's value is kept, records are named by collection

`record_states` keeps each curated record as its create schema writes it (`value`) in
place of a digest per field: the write step compares values to name the fields that
changed, and works out from a record's old value which rows it had. Rows stored before
this revision have no value (null) until the next seed run writes it.

Citations, record reviews and conflicts name a record by its collection (`members`), as
the URLs and the change feed do, instead of a separate record type (`member`), so adding
a collection needs no table of record types. Nested items keep their own names
(`cbm-area`, `conflict-claim`).

The downgrade maps the names back and recomputes the digests from the values (a record
without a value gets none: the next seed run of the older code records it as updated).

Revision ID: 0007_seed_changesets
Revises: 0006_attested_until
Create Date: 2026-12-06 18:00:00
"""

import hashlib
from collections.abc import Sequence

import orjson
import sqlalchemy as sa
from alembic import op


revision: str = '0007_seed_changesets'
down_revision: str | None = '0006_attested_until'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Record types as revision 0006 wrote them, and the collections they belong to.
COLLECTIONS = {
    "member": "members",
    "observer": "observers",
    "partner-organization": "partner-organizations",
    "council": "councils",
    "reform-area": "reform-areas",
    "chairmanship": "chairmanships",
    "meeting": "meetings",
    "cbm-dimension": "cbm-dimensions",
    "official": "officials",
    "conflict": "conflicts",
}
NAMED_TABLES = ("citations", "record_reviews", "conflicts")


def _rename(mapping: dict[str, str]) -> None:
    for table in NAMED_TABLES:
        for old, new in mapping.items():
            op.execute(
                sa.text(f"UPDATE {table} SET record_type = :new WHERE record_type = :old").bindparams(
                    new=new, old=old
                )
            )


def upgrade() -> None:
    with op.batch_alter_table('record_states', schema=None) as batch_op:
        batch_op.add_column(sa.Column('value', sa.JSON(), nullable=True))
        batch_op.drop_column('digests')
    _rename(COLLECTIONS)


def _digests(value: dict[str, object] | None) -> dict[str, str]:
    """What revision 0006's seed stored: a digest of each given field."""
    return {
        name: hashlib.blake2b(
            orjson.dumps(each, option=orjson.OPT_SORT_KEYS), digest_size=12
        ).hexdigest()
        for name, each in (value or {}).items()
        if each not in (None, [], {}) and name != "unverified"
    }


def downgrade() -> None:
    _rename({new: old for old, new in COLLECTIONS.items()})
    with op.batch_alter_table('record_states', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digests', sa.JSON(), nullable=True))
    states = sa.table(
        'record_states',
        sa.column('collection', sa.String),
        sa.column('record_id', sa.String),
        sa.column('value', sa.JSON),
        sa.column('digests', sa.JSON),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(states.c.collection, states.c.record_id, states.c.value))
    for collection, record_id, value in rows.all():
        connection.execute(
            states.update()
            .where((states.c.collection == collection) & (states.c.record_id == record_id))
            .values(digests=_digests(value))
        )
    with op.batch_alter_table('record_states', schema=None) as batch_op:
        batch_op.alter_column('digests', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column('value')

"""Facts that stay true: derivations, ended partnerships and their dates, CBM topics and
coordinators' terms, expected completion of reform areas, CICA's status elsewhere, and the
new kinds of bodies (working formats) and meetings (a council's meetings)

Revision ID: 0009_facts_freshness
Revises: 0008_api_keys
Create Date: 2026-12-06 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009_facts_freshness"
down_revision: str | None = "0008_api_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARTNERSHIP_STATUSES_BEFORE = "status IN ('active', 'in-preparation')"
PARTNERSHIP_STATUSES = "status IN ('active', 'in-preparation', 'ended')"
COUNCIL_KINDS_BEFORE = (
    "kind IN ('summit-council', 'ministerial-council', 'committee', 'working-group', "
    "'secretariat', 'post', 'advisory-council', 'fund', 'forum', 'network', 'platform')"
)
COUNCIL_KINDS = COUNCIL_KINDS_BEFORE[:-1] + ", 'working-format')"
MEETING_KINDS_BEFORE = (
    "kind IN ('summit', 'ministerial', 'informal-ministerial', 'special-ministerial', "
    "'volunteer-summit')"
)
MEETING_KINDS = MEETING_KINDS_BEFORE[:-1] + ", 'council-meeting')"


def _short(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "derivations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_type", _short(40), nullable=False),
        sa.Column("record_id", _short(80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("premises", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_derivations")),
        sa.UniqueConstraint(
            "record_type", "record_id", "position", name="uq_derivations_record"
        ),
    )
    with op.batch_alter_table("derivations", schema=None) as batch_op:
        batch_op.create_index("ix_derivations_record", ["record_type", "record_id"], unique=False)

    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attested_from", _short(10), nullable=True))
        batch_op.add_column(sa.Column("attested_from_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("until", _short(10), nullable=True))
        batch_op.add_column(sa.Column("until_date", sa.Date(), nullable=True))
        batch_op.drop_constraint(op.f("ck_partnerships_status"), type_="check")
        batch_op.create_check_constraint("status", PARTNERSHIP_STATUSES)

    with op.batch_alter_table("cbm_areas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("part_of", _short(80), nullable=True))
        batch_op.add_column(sa.Column("coordinators_since", _short(10), nullable=True))
        batch_op.add_column(sa.Column("coordinators_until", _short(10), nullable=True))

    with op.batch_alter_table("reform_areas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expected", _short(10), nullable=True))

    with op.batch_alter_table("institution", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("external_status", sa.JSON(), nullable=False, server_default="[]")
        )
    with op.batch_alter_table("institution", schema=None) as batch_op:
        batch_op.alter_column("external_status", server_default=None)

    with op.batch_alter_table("councils", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_councils_kind"), type_="check")
        batch_op.create_check_constraint("kind", COUNCIL_KINDS)

    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_meetings_kind"), type_="check")
        batch_op.create_check_constraint("kind", MEETING_KINDS)


def downgrade() -> None:
    # Rows the narrower constraints would refuse go first: the seed brings them back.
    op.execute("DELETE FROM meetings WHERE kind = 'council-meeting'")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_meetings_kind"), type_="check")
        batch_op.create_check_constraint("kind", MEETING_KINDS_BEFORE)

    op.execute("DELETE FROM councils WHERE kind = 'working-format'")
    with op.batch_alter_table("councils", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_councils_kind"), type_="check")
        batch_op.create_check_constraint("kind", COUNCIL_KINDS_BEFORE)

    with op.batch_alter_table("institution", schema=None) as batch_op:
        batch_op.drop_column("external_status")

    with op.batch_alter_table("reform_areas", schema=None) as batch_op:
        batch_op.drop_column("expected")

    with op.batch_alter_table("cbm_areas", schema=None) as batch_op:
        batch_op.drop_column("coordinators_until")
        batch_op.drop_column("coordinators_since")
        batch_op.drop_column("part_of")

    op.execute("DELETE FROM partnerships WHERE status = 'ended'")
    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_partnerships_status"), type_="check")
        batch_op.create_check_constraint("status", PARTNERSHIP_STATUSES_BEFORE)
        batch_op.drop_column("until_date")
        batch_op.drop_column("until")
        batch_op.drop_column("attested_from_date")
        batch_op.drop_column("attested_from")

    with op.batch_alter_table("derivations", schema=None) as batch_op:
        batch_op.drop_index("ix_derivations_record")
    op.drop_table("derivations")

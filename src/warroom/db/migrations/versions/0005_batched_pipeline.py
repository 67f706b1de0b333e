"""the batched pipeline: an alert keeps its latest start, an incident its alert count, and
PostgreSQL indexes pending signals by identity shard (several workers share a storm)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 08:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from warroom.db.base import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SHARDS = 16
"""Must equal warroom.pipeline.claim.SHARDS (the index serves its query only then)."""


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_starts_at", UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("alert_count", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute(
        "UPDATE incidents SET alert_count = "
        "(SELECT count(*) FROM alerts WHERE alerts.incident_id = incidents.id)"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_signals_pending_shard ON signals "
            f"(integration, (abs(hashtext(identity)) % {SHARDS}), id) "
            "WHERE processed_at IS NULL"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_signals_pending_shard")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("alert_count")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_column("last_starts_at")

"""insights: what found each incident (detection source) and whether it was a drill

Existing incidents are backfilled from what they are linked to: an attached alert from a
heartbeat integration (one with a row in heartbeats) -> heartbeat, any other attached alert
-> alert, a linked error issue -> error, declared by nobody (the pipeline: release health)
-> anomaly, the rest (declared by a person) -> person. None of them was a drill.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 16:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "detection_source",
                sa.Enum(
                    "alert",
                    "error",
                    "heartbeat",
                    "anomaly",
                    "person",
                    "customer",
                    name="detectionsource",
                    native_enum=False,
                    length=32,
                ),
                nullable=False,
                server_default="person",
            )
        )
        batch_op.add_column(
            sa.Column("drill", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Signals first; whatever no signal claims keeps the default (a person declared it).
    op.execute("UPDATE incidents SET detection_source = 'anomaly' WHERE declared_by_id IS NULL")
    op.execute(
        "UPDATE incidents SET detection_source = 'error' WHERE EXISTS "
        "(SELECT 1 FROM error_issues WHERE error_issues.incident_id = incidents.id)"
    )
    op.execute(
        "UPDATE incidents SET detection_source = 'alert' WHERE EXISTS "
        "(SELECT 1 FROM alerts WHERE alerts.incident_id = incidents.id)"
    )
    op.execute(
        "UPDATE incidents SET detection_source = 'heartbeat' WHERE EXISTS "
        "(SELECT 1 FROM alerts JOIN heartbeats ON heartbeats.integration = alerts.integration "
        "WHERE alerts.incident_id = incidents.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("drill")
        batch_op.drop_column("detection_source")

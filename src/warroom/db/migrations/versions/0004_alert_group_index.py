"""index alerts by group key (alert rules look up the open incident of an alert's group)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 01:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index("ix_alerts_group", ["integration", "group_key", "incident_id"])


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_group")

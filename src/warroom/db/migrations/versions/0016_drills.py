"""drills: one row per game-day drill run, with its measures and score

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 19:10:29.245946
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import warroom.db.base

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drill_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("scenario", sa.String(length=64), nullable=False),
        sa.Column("team", sa.String(length=64), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "alertmanager",
                "pagerduty",
                "sentry",
                "heartbeat",
                name="drillkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "trigger",
            sa.Enum("manual", "schedule", name="runtrigger", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("started_by", sa.String(length=64), nullable=True),
        sa.Column("scheduled_for", warroom.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "injecting",
                "running",
                "scored",
                "failed",
                name="runstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "ended",
            sa.Enum("resolved", "timeout", "refused", name="runend", native_enum=False, length=32),
            nullable=True,
        ),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("expect_severity", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=32), nullable=True),
        sa.Column("injected_at", warroom.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", warroom.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", warroom.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_update_at", warroom.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", warroom.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("scored_at", warroom.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("detect_seconds", sa.Float(), nullable=True),
        sa.Column("acknowledge_seconds", sa.Float(), nullable=True),
        sa.Column("first_update_seconds", sa.Float(), nullable=True),
        sa.Column("detect_target_seconds", sa.Float(), nullable=True),
        sa.Column("acknowledge_target_seconds", sa.Float(), nullable=True),
        sa.Column("first_update_target_seconds", sa.Float(), nullable=True),
        sa.Column("detect_passed", sa.Boolean(), nullable=True),
        sa.Column("acknowledge_passed", sa.Boolean(), nullable=True),
        sa.Column("first_update_passed", sa.Boolean(), nullable=True),
        sa.Column("severity_passed", sa.Boolean(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_drill_runs_incident_id_incidents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drill_runs")),
        sa.UniqueConstraint("scenario", "scheduled_for", name="uq_drill_runs_slot"),
        sa.UniqueConstraint("token", name=op.f("uq_drill_runs_token")),
    )
    with op.batch_alter_table("drill_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_drill_runs_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_drill_runs_scenario"), ["scenario"], unique=False)
        batch_op.create_index(batch_op.f("ix_drill_runs_status"), ["status"], unique=False)
        batch_op.create_index("ix_drill_runs_team_injected", ["team", "injected_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("drill_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_drill_runs_team_injected")
        batch_op.drop_index(batch_op.f("ix_drill_runs_status"))
        batch_op.drop_index(batch_op.f("ix_drill_runs_scenario"))
        batch_op.drop_index(batch_op.f("ix_drill_runs_incident_id"))

    op.drop_table("drill_runs")

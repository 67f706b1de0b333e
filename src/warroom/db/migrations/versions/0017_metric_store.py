"""metric store: embedded series and samples, monitor detector state and tuning

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-04 19:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import warroom.db.base

revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "metric_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("created_at", warroom.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_series")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_metric_series_fingerprint")),
    )
    op.create_index(op.f("ix_metric_series_name"), "metric_series", ["name"], unique=False)
    op.create_table(
        "metric_samples",
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column(
            "resolution",
            sa.Enum("raw", "five_minutes", name="resolution", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["metric_series.id"],
            name=op.f("fk_metric_samples_series_id_metric_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("series_id", "resolution", "at_ms", name=op.f("pk_metric_samples")),
    )
    op.create_index(
        "ix_metric_samples_resolution_at", "metric_samples", ["resolution", "at_ms"], unique=False
    )
    op.create_table(
        "monitor_states",
        sa.Column("monitor", sa.String(length=128), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("last_at", sa.Float(), nullable=False),
        sa.Column("anomalous", sa.Boolean(), nullable=False),
        sa.Column("updated_at", warroom.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("monitor", "fingerprint", name=op.f("pk_monitor_states")),
    )
    op.create_table(
        "monitor_tuning",
        sa.Column("monitor", sa.String(length=128), nullable=False),
        sa.Column("sensitivity", sa.Float(), nullable=False),
        sa.Column("not_useful", sa.Integer(), nullable=False),
        sa.Column("updated_at", warroom.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("monitor", name=op.f("pk_monitor_tuning")),
    )


def downgrade() -> None:
    op.drop_table("monitor_tuning")
    op.drop_table("monitor_states")
    op.drop_index("ix_metric_samples_resolution_at", table_name="metric_samples")
    op.drop_table("metric_samples")
    op.drop_index(op.f("ix_metric_series_name"), table_name="metric_series")
    op.drop_table("metric_series")

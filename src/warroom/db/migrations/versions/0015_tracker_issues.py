"""tracker issues: the issue-tracker sync's one row per synced subject

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 16:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import warroom.db.base

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tracker_issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tracker", sa.String(length=63), nullable=False),
        sa.Column(
            "subject_kind",
            sa.Enum("action_item", "incident", name="subjectkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=True),
        sa.Column("key", sa.String(length=128), nullable=True),
        sa.Column("url", sa.String(length=1024), nullable=True),
        sa.Column(
            "state",
            sa.Enum("open", "closed", name="issuestate", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("queued_revision", sa.Integer(), nullable=False),
        sa.Column("synced_revision", sa.Integer(), nullable=True),
        sa.Column("sending", sa.Integer(), nullable=True),
        sa.Column("lease_until", warroom.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", warroom.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", warroom.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("synced_at", warroom.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracker_issues")),
        sa.UniqueConstraint(
            "tracker", "subject_kind", "subject_id", name="uq_tracker_issues_subject"
        ),
        sa.UniqueConstraint("tracker", "external_id", name="uq_tracker_issues_external"),
    )


def downgrade() -> None:
    op.drop_table("tracker_issues")

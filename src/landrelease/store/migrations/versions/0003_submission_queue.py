"""submission queue

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-22

The intake queue: field submissions (ODK Collect over OpenRosa, KoboToolbox/ODK Central exports)
waiting for review, and their attachments. One row per OpenRosa instanceID (unique), so a
resubmission can never be stored twice, whichever process receives it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submission",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("form_id", sa.String(length=80), nullable=False),
        sa.Column("form_ver", sa.String(length=40), nullable=True),
        sa.Column("instance_id", sa.String(length=120), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("org", sa.String(length=40), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("raw_type", sa.String(length=40), nullable=False),
        sa.Column("raw_hash", sa.String(length=64), nullable=False),
        sa.Column("vals", sa.JSON(), nullable=False),
        sa.Column("vals_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("verified_by", sa.String(length=80), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("records", sa.JSON(), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission")),
        sa.UniqueConstraint("instance_id", name=op.f("uq_submission_instance_id")),
    )
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.create_index("ix_submission_form_id", ["form_id"], unique=False)
        batch_op.create_index("ix_submission_status", ["status", "received_at"], unique=False)
        batch_op.create_index("ix_submission_vals_hash", ["vals_hash"], unique=False)

    op.create_table(
        "submission_file",
        sa.Column("submission", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["submission"], ["submission.id"], name=op.f("fk_submission_file_submission")),
        sa.PrimaryKeyConstraint("submission", "name", name=op.f("pk_submission_file")),
    )


def downgrade() -> None:
    op.drop_table("submission_file")
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_index("ix_submission_vals_hash")
        batch_op.drop_index("ix_submission_status")
        batch_op.drop_index("ix_submission_form_id")
    op.drop_table("submission")

"""submission.effects: what approval would write, recorded at verification

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04

Verification runs the approval's write in a rolled-back SAVEPOINT and keeps what it would create
and change with the submission, so that reading a submission never writes (no write lock on SQLite).
See docs/review.md.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submission") as batch:
        batch.add_column(sa.Column("effects", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submission") as batch:
        batch.drop_column("effects")

"""Tariffs per account: named price lists (a default price and a price per destination
prefix, in one currency), and accounts.tariff_id (NULL: the gateway's default, SMSGW_TARIFF).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from service.persistence.types import Money, UtcDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "tariffs",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("default_price", Money(), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tariffs"),
        sa.UniqueConstraint("name", name="uq_tariffs_name"),
    )
    op.create_table(
        "tariff_prices",
        sa.Column("tariff_id", Id, nullable=False),
        sa.Column("prefix", sa.String(15), nullable=False),
        sa.Column("price", Money(), nullable=False),
        sa.PrimaryKeyConstraint("tariff_id", "prefix", name="pk_tariff_prices"),
        sa.ForeignKeyConstraint(["tariff_id"], ["tariffs.id"], ondelete="CASCADE",
                                name="fk_tariff_prices_tariff_id_tariffs"),
    )
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("tariff_id", Id, nullable=True))
        batch.create_foreign_key("fk_accounts_tariff_id_tariffs", "tariffs", ["tariff_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_constraint("fk_accounts_tariff_id_tariffs", type_="foreignkey")
        batch.drop_column("tariff_id")
    op.drop_table("tariff_prices")
    op.drop_table("tariffs")

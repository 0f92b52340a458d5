"""What every table module shares: the one MetaData (with its naming convention) and the id type."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, MetaData

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


# SQLite only makes INTEGER PRIMARY KEY an alias of the rowid (and so autoincrementing).
Id = BigInteger().with_variant(Integer(), "sqlite")

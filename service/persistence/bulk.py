"""Many rows in one INSERT on PostgreSQL: ``INSERT ... SELECT FROM unnest(arrays)``.

One statement whose text does not depend on the row count, with one array parameter per
column: the server plans it once and the driver sends a handful of values, instead of one
Bind/Execute per row (an executemany) or a statement text that grows with the batch. Rows
are inserted in the order given, so serial ids ascend in that order.
"""

from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy import Table, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection


def insert_unnest(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys, column names of ``table``) in one statement.
    PostgreSQL only; values go through each column's own type (e.g. ``UtcDateTime``)."""
    if not rows:
        return
    names = list(rows[0])
    dialect = conn.dialect
    arrays = ", ".join(f"CAST(:{n} AS {table.c[n].type.compile(dialect)}[])" for n in names)
    columns = ", ".join(dialect.identifier_preparer.quote(n) for n in names)
    stmt = text(f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({columns}) "
                f"SELECT {columns} FROM unnest({arrays}) WITH ORDINALITY AS r({columns}, n) "
                "ORDER BY n").bindparams(
        *[bindparam(n, type_=ARRAY(table.c[n].type)) for n in names])
    conn.execute(stmt, {n: [row[n] for row in rows] for n in names})

"""insert_unnest (service/persistence/bulk.py): rows arrive whole, in the order given, with
every column's own type applied, whatever characters the text holds."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, delete, select

from service.persistence.bulk import insert_unnest
from service.persistence.migrate import upgrade
from service.persistence.tables import inbound_parts as p

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
AWKWARD = ["NULL", "null", "", " ", "{a,b}", "\\", '"', "a\nb", "😀 Стоп", '\t,"{}\\NULL']


@pytest.fixture
def engine(postgres_url):
    engine = create_engine(postgres_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _row(text: str, n: int, carrier_id: str | None = None) -> dict:
    return {"connector": "smpp", "source": f"4917{n:08d}", "destination": "4915100000001",
            "text": text, "concat_ref": None, "concat_total": None, "concat_seq": None,
            "carrier_id": carrier_id, "received_at": NOW + timedelta(seconds=n),
            "state": "new"}


def _stored(conn) -> list[tuple]:
    return [tuple(r) for r in conn.execute(
        select(p.c.text, p.c.source, p.c.carrier_id, p.c.received_at).order_by(p.c.id))]


def test_rows_come_back_whole_and_in_order(engine):
    rows = [_row(t, n, carrier_id=None if n % 2 else f"id{n}") for n, t in enumerate(AWKWARD)]
    with engine.begin() as conn:
        insert_unnest(conn, p, rows)
        assert _stored(conn) == [(r["text"], r["source"], r["carrier_id"], r["received_at"])
                                 for r in rows]


def test_no_rows_is_no_statement(engine):
    with engine.begin() as conn:
        insert_unnest(conn, p, [])
        assert _stored(conn) == []


def test_a_naive_time_is_refused_as_by_the_column_type(engine):
    row = {**_row("x", 1), "received_at": datetime(2026, 12, 1, 12, 0)}
    with engine.begin() as conn, pytest.raises(Exception, match="naive datetime"):
        insert_unnest(conn, p, [row])


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                        max_size=40), min_size=1, max_size=20))
def test_any_text_round_trips(engine, texts):
    rows = [_row(t, n) for n, t in enumerate(texts)]
    with engine.begin() as conn:
        conn.execute(delete(p))
        insert_unnest(conn, p, rows)
        assert [r[0] for r in _stored(conn)] == texts

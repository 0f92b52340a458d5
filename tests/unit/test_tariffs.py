"""Tariffs per account: the CSV parser, currency rules, the one resolution function, and the
operator's use cases, all on fakes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from service.app.access.auth import Authenticator, Credentials
from service.app.accounts.accounts import AccountService
from service.app.mailings.messages import Target, build_messages
from service.app.pricing.tariffs import (CurrencyMismatch, DefaultTariffMissing, TariffInUse,
                                         TariffResolver, TariffService)
from service.app.sending.policy import SendingPolicy
from service.app.sending.sending import QuoteSms, SendingService, SendSms, SendParts
from service.config import ConfigError, Settings
from service.domain.errors import NotFound, ValidationError
from service.domain.mailing import Mailing, MailingState
from service.domain.pricing import Tariff
from service.domain.tariffs import (TariffFileInvalid, parse_price_list, price_places,
                                    render_price_list, validate_tariff_name)
from tests.fakes import FakeTariffRepository, FakeUnitOfWorkFactory, FixedClock

CREDS = Credentials("alice", "pw", "127.0.0.1")
RU, UK = "+79991234567", "+442071838750"


# -- the CSV parser -----------------------------------------------------------------------

def test_a_price_list_with_a_header_plus_signs_semicolons_and_blank_lines_is_read():
    data = "\ufeffprefix,price\n+7,0.50\n\n7495, 0.45\r\n44;2.10\n".encode()
    assert parse_price_list(data, "RUB") == {
        "7": Decimal("0.50"), "7495": Decimal("0.45"), "44": Decimal("2.10")}


def test_every_bad_line_is_named_with_its_number_and_why():
    data = ("prefix,price\n7,1.00\nabc,1\n8,-1\n9,1.23456\n7,2\n1,2,3\n44,x\n"
            "1234567890123456,1\n").encode() + b"5,\xff\xfe\n"
    with pytest.raises(TariffFileInvalid) as caught:
        parse_price_list(data, "RUB")
    problems = {p.line: p.reason for p in caught.value.problems}
    assert sorted(problems) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "prefix 'abc'" in problems[3]
    assert "negative" in problems[4]
    assert "5 decimals, at most 4 are kept" in problems[5]
    assert "already on line 2" in problems[6]
    assert "expected 2 columns" in problems[7]
    assert "not a number" in problems[8]
    assert "1..15 digits" in problems[9]
    assert "not UTF-8" in problems[10]
    assert str(caught.value).startswith("tariff file refused: line 3:")
    assert caught.value.code == 1 and caught.value.field == "file"


@pytest.mark.parametrize("data", [b"", b"\n\n", b"prefix,price\n", b"\xef\xbb\xbf"])
def test_an_empty_file_is_refused(data):
    with pytest.raises(TariffFileInvalid, match="no prices"):
        parse_price_list(data, "RUB")


def test_prices_may_go_below_the_currency_minor_unit_to_the_four_places_kept():
    assert {price_places(c) for c in ("RUB", "JPY", "KWD", "XAU")} == {4}
    assert parse_price_list(b"1,0.0035\n81,0.5\n", "USD") == {"1": Decimal("0.0035"),
                                                               "81": Decimal("0.5")}
    assert parse_price_list(b"81,3\n", "JPY") == {"81": Decimal("3")}
    assert parse_price_list(b"81,3.5\n", "JPY") == {"81": Decimal("3.5")}
    with pytest.raises(TariffFileInvalid, match="5 decimals, at most 4"):
        parse_price_list(b"1,0.00035\n", "USD")
    assert parse_price_list(b"965,0.125\n", "KWD") == {"965": Decimal("0.125")}
    with pytest.raises(ValidationError, match="ISO 4217"):
        parse_price_list(b"7,1\n", "ZZZ")


def test_tariff_names_are_a_small_ascii_alphabet():
    assert validate_tariff_name("retail-2026.v1") == "retail-2026.v1"
    for bad in ("", "-x", "a b", "x" * 65, "тариф", "a/b"):
        with pytest.raises(ValidationError):
            validate_tariff_name(bad)


prefixes = st.text("0123456789", min_size=1, max_size=15)
prices = st.decimals(min_value=0, max_value=Decimal("99999.99"), places=2)


@given(st.dictionaries(prefixes, prices, min_size=1, max_size=30))
def test_any_valid_price_list_reads_back_exactly(table):
    assert parse_price_list(render_price_list(table).encode(), "EUR") == table


@settings(max_examples=300)
@given(st.binary(max_size=300))
def test_any_bytes_give_prices_or_a_refusal_naming_lines_never_a_crash(data):
    try:
        result = parse_price_list(data, "RUB")
    except TariffFileInvalid as exc:
        lines = len(data.splitlines())
        assert exc.problems and all(0 <= p.line <= lines for p in exc.problems)
    else:
        assert result and all(k.isdigit() and v >= 0 for k, v in result.items())


@given(st.dictionaries(prefixes, prices, min_size=1, max_size=10),
       st.lists(st.sampled_from(["x,1", "7,-2", "7,1.00001", "1,2,3", "+,1", "7,"]),
                min_size=1, max_size=5), st.randoms())
def test_injected_bad_lines_are_each_named_by_number(table, bad, rnd):
    lines = [f"{p},{v}" for p, v in table.items()]
    positions = []
    for b in bad:
        at = rnd.randint(0, len(lines))
        lines.insert(at, b)
        positions = [p + 1 if p >= at else p for p in positions] + [at]
    with pytest.raises(TariffFileInvalid) as caught:
        parse_price_list("\n".join(lines).encode(), "RUB")
    named = {p.line for p in caught.value.problems}
    assert {p + 1 for p in positions} <= named


# -- resolution and the use cases, on fakes -------------------------------------------------

@pytest.fixture
def world():
    uow = FakeUnitOfWorkFactory()
    clock = FixedClock()
    auth = Authenticator()
    policy = SendingPolicy(tariff=Tariff.parse("1.00", "7=0.50"))
    resolver = TariffResolver(policy.tariff)
    accounts = AccountService(uow, auth)
    accounts.create("alice", "pw", Decimal("100"))
    accounts.create("bob", "pw", Decimal("100"), currency="EUR")
    return dict(uow=uow, accounts=accounts, resolver=resolver, policy=policy, clock=clock,
                tariffs=TariffService(uow, resolver, "RUB", "1.00", clock),
                sending=SendingService(uow, auth, policy, clock, resolver))


def quote(world, *to, text="Hi"):
    return world["sending"].quote(QuoteSms(CREDS, list(to), text)).cost


def test_without_a_tariff_an_account_pays_the_default_exactly_as_before(world):
    assert quote(world, RU) == Decimal("0.50") and quote(world, UK) == Decimal("1.00")


def test_an_account_with_a_tariff_pays_its_longest_prefix_or_its_default_price(world):
    world["tariffs"].import_csv("vip", b"7,0.20\n7999,0.10\n", default_price="3.00")
    world["tariffs"].assign("alice", "vip")
    assert quote(world, RU) == Decimal("0.10") and quote(world, UK) == Decimal("3.00")
    result = world["sending"].send(SendSms(CREDS, [RU, "+79001234567"], "x" * 200))
    assert [m.cost for m in result.messages] == [Decimal("0.20"), Decimal("0.40")]
    parts = world["sending"].send_parts(SendParts(CREDS, [UK], ["a", "b"]))
    assert parts.total_cost == Decimal("6.00")
    world["tariffs"].assign("alice", "")
    assert quote(world, RU) == Decimal("0.50")


def test_a_reimport_replaces_every_price_and_sends_see_it_at_once(world):
    world["tariffs"].import_csv("vip", b"7,0.20\n44,0.30\n")
    world["tariffs"].assign("alice", "vip")
    assert quote(world, UK) == Decimal("0.30")
    saved = world["tariffs"].import_csv("vip", b"7,0.25\n")
    assert saved.version == 2 and saved.price_count == 1 and saved.default_price == Decimal("1")
    assert quote(world, RU) == Decimal("0.25") and quote(world, UK) == Decimal("1.00")


def test_sends_read_the_prices_once_per_version_not_per_request(world, monkeypatch):
    reads = []
    loader = FakeTariffRepository.prices
    monkeypatch.setattr(FakeTariffRepository, "prices",
                        lambda self, tariff_id: reads.append(tariff_id) or loader(self, tariff_id))
    world["tariffs"].import_csv("vip", b"7,0.20\n")
    world["tariffs"].assign("alice", "vip")
    for _ in range(5):
        quote(world, RU)
    assert len(reads) == 1
    world["tariffs"].import_csv("vip", b"7,0.30\n")
    assert quote(world, RU) == Decimal("0.30") and len(reads) == 2


def test_a_bad_file_changes_nothing(world):
    world["tariffs"].import_csv("vip", b"7,0.20\n")
    with pytest.raises(TariffFileInvalid):
        world["tariffs"].import_csv("vip", b"7,0.30\n8,bad\n")
    details = world["tariffs"].show("vip")
    assert details.prices == {"7": Decimal("0.20")} and details.tariff.version == 1


def test_an_account_and_its_tariff_must_share_a_currency(world):
    world["tariffs"].import_csv("eu", b"44,0.05\n", currency="EUR", default_price="0.10")
    with pytest.raises(CurrencyMismatch, match="priced in EUR but account.*alice.*RUB"):
        world["tariffs"].assign("alice", "eu")
    assert world["tariffs"].assign("bob", "eu").currency == "EUR"
    with pytest.raises(CurrencyMismatch, match="bob"):
        world["tariffs"].import_csv("eu", b"44,5\n", currency="RUB")
    assert world["tariffs"].show("eu").tariff.currency == "EUR"


def test_the_default_price_must_be_a_price(world):
    with pytest.raises(ValidationError, match="default price.*--default-price"):
        world["tariffs"].import_csv("jp", b"81,3\n", currency="JPY", default_price="0.00001")
    assert world["tariffs"].import_csv("jp", b"81,3\n", currency="JPY",
                                       default_price="5").default_price == Decimal("5")


def test_delete_is_refused_while_accounts_use_it_and_names_them(world):
    world["tariffs"].import_csv("vip", b"7,0.20\n")
    world["tariffs"].assign("alice", "vip")
    with pytest.raises(TariffInUse, match="in use by alice"):
        world["tariffs"].delete("vip")
    world["tariffs"].assign("alice", "")
    world["tariffs"].delete("vip")
    assert world["tariffs"].all() == []
    with pytest.raises(NotFound):
        world["tariffs"].delete("vip")
    with pytest.raises(NotFound):
        world["tariffs"].assign("alice", "vip")
    with pytest.raises(NotFound):
        world["tariffs"].assign("nobody", "")


def test_list_and_show(world):
    world["tariffs"].import_csv("b", b"7,1\n8,2\n")
    world["tariffs"].import_csv("a", b"7,1\n")
    world["tariffs"].assign("alice", "b")
    assert [(t.name, t.price_count) for t in world["tariffs"].all()] == [("a", 1), ("b", 2)]
    assert world["tariffs"].show("b").users == ["alice"]
    assert world["tariffs"].name_of(world["accounts"].show("alice")) == "b"


def test_a_mailing_is_priced_with_its_accounts_tariff(world):
    world["tariffs"].import_csv("vip", b"7,0.20\n")
    world["tariffs"].assign("alice", "vip")
    account = world["accounts"].show("alice")
    mailing = Mailing(id=1, account_id=account.id, name="m", text="Hi {name}",
                      state=MailingState.DRAFT, created_at=world["clock"].now())
    with world["uow"]() as uow:
        tariff = world["resolver"].for_account(uow, account)
        messages = build_messages(uow, world["policy"], mailing, [Target(RU, {"name": "A"})],
                                  [], world["clock"].now(), 0, world["clock"].now(), tariff)
    assert messages[0].cost == Decimal("0.20")


def test_a_named_default_prices_accounts_without_a_tariff(world):
    resolver = TariffResolver(Tariff(Decimal("1")), default_name="retail")
    account = world["accounts"].show("alice")
    with world["uow"]() as uow, pytest.raises(DefaultTariffMissing, match="retail"):
        resolver.for_account(uow, account)
    TariffService(world["uow"], resolver).import_csv("retail", b"7,0.70\n")
    with world["uow"]() as uow:
        assert resolver.for_account(uow, account).price_for(RU) == Decimal("0.70")
        with pytest.raises(CurrencyMismatch):  # bob keeps EUR
            resolver.for_account(uow, world["accounts"].show("bob"))
    with pytest.raises(TariffInUse, match="SMSGW_TARIFF"):
        TariffService(world["uow"], resolver).delete("retail")


def test_smsgw_tariff_is_a_spec_or_a_stored_tariff_name():
    spec = Settings(tariff="7=0.90,7495=0.80")
    assert (spec.tariff_name, spec.tariff_spec) == (None, "7=0.90,7495=0.80")
    named = Settings(tariff="retail")
    assert (named.tariff_name, named.tariff_spec) == ("retail", "")
    assert Settings().tariff_name is None
    with pytest.raises(ConfigError, match="SMSGW_TARIFF"):
        Settings(tariff="re tail").validate()

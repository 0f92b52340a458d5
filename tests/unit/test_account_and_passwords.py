import pytest

from service.domain.account import Account, AccountSettings, parse_networks
from service.domain.errors import AccountBlocked, IpNotAllowed, ValidationError
from service.domain.passwords import hash_password, verify_password


def test_passwords_are_salted_slow_hashes_that_verify():
    h1, h2 = hash_password("s3cret"), hash_password("s3cret")
    assert h1 != h2 and h1.startswith("scrypt$") and "s3cret" not in h1
    assert verify_password("s3cret", h1) and not verify_password("wrong", h1)
    assert not verify_password("s3cret", "garbage")


def test_empty_allowlist_allows_any_address():
    assert AccountSettings().ip_allowed("203.0.113.9")


def test_allowlist_matches_single_addresses_and_networks_in_both_families():
    s = AccountSettings(allowed_ips=parse_networks(["10.0.0.1", "192.168.0.0/24", "::1"]))
    assert s.ip_allowed("10.0.0.1") and s.ip_allowed("192.168.0.77") and s.ip_allowed("::1")
    assert not s.ip_allowed("10.0.0.2") and not s.ip_allowed(None) and not s.ip_allowed("junk")


def test_bad_networks_are_validation_errors():
    with pytest.raises(ValidationError):
        parse_networks(["10.0.0.300"])


def test_blocked_and_foreign_ip_are_refused():
    blocked = Account(id=1, login="a", password_hash="", blocked=True)
    with pytest.raises(AccountBlocked):
        blocked.check_access("127.0.0.1")
    fenced = Account(id=1, login="a", password_hash="",
                     settings=AccountSettings(allowed_ips=("10.0.0.0/8",)))
    with pytest.raises(IpNotAllowed) as exc:
        fenced.check_access("127.0.0.1")
    assert exc.value.code == 8

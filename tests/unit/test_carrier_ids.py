import pytest

from service.domain.carrier_ids import normalise_carrier_id, receipt_lookup_keys


@pytest.mark.parametrize("raw,normal", [
    ("  00ABC1 ", "abc1"), ("0000", "0"), ("42", "42"), ("DeadBeef", "deadbeef"), ("", ""),
])
def test_normal_form(raw, normal):
    assert normalise_carrier_id(raw) == normal


@pytest.mark.parametrize("submit_id,receipt_id", [
    ("1A2B", "6699"),          # hex in submit_sm_resp, decimal in the receipt
    ("6699", "1a2b"),          # the reverse
    ("0001a2b", "1A2B"),       # case and leading zeros
    ("12345", "012345"),
])
def test_a_receipt_finds_its_submit_id_in_the_other_base(submit_id, receipt_id):
    assert normalise_carrier_id(submit_id) in receipt_lookup_keys(receipt_id)


def test_the_exact_form_is_tried_first():
    assert receipt_lookup_keys("6699")[0] == "6699"

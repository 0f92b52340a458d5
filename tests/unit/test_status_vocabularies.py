from service.domain import vocabularies as v
from service.domain.status import MessageStatus

SMSC_CODES = {-3, -2, -1, 0, 1, 2, 3, 4, 20, 22, 23, 24, 25}
SEED003 = {"REGISTERED", "SUBMITTED", "DELIVERED", "EXPIRED", "UNDELIVERABLE", "FAILED"}
DLR_STATS = {"DELIVRD", "EXPIRED", "DELETED", "UNDELIV", "UNKNOWN", "REJECTD"}
SEND_STATUSES = {"delivered", "carrier-reject", "failed"}
DLR_ERRORS = {"DELIVRD": "000", "EXPIRED": "003", "DELETED": "004", "UNDELIV": "005",
              "UNKNOWN": "007", "REJECTD": "008"}


def test_every_state_is_a_distinct_member_even_where_smsc_codes_coincide():
    members = list(MessageStatus)
    assert len(members) == 15
    assert MessageStatus.QUEUED is not MessageStatus.SCHEDULED
    assert MessageStatus.REJECTED is not MessageStatus.UNDELIVERABLE
    assert len({m.canonical_name for m in members}) == len(members)
    assert all(MessageStatus.from_name(m.canonical_name) is m for m in members)


def test_every_state_has_exactly_one_row_in_every_vocabulary():
    rows = v.all_rows()
    assert set(rows) == set(MessageStatus)


def test_each_row_uses_only_words_of_its_seed():
    assert set(v.SMSC_STATUS_NAMES) == SMSC_CODES  # every smsc code has its status_name
    for status, row in v.all_rows().items():
        assert row.smsc in SMSC_CODES, status
        assert v.smsc_status_name(status) == v.SMSC_STATUS_NAMES[row.smsc], status
        assert row.seed004 in v.SEED004_FINAL, status
        assert row.seed003 in SEED003, status
        if row.dlr_stat is None:
            assert row.send_status is None and row.dlr_error is None
        else:
            assert row.dlr_stat in DLR_STATS and row.send_status in SEND_STATUSES
            assert row.dlr_error == DLR_ERRORS[row.dlr_stat], status


def test_finality_agrees_with_seed_004_and_receipts_exist_only_for_final_outcomes():
    for status, row in v.all_rows().items():
        assert v.SEED004_FINAL[row.seed004] == status.final, status
        if row.dlr_stat is not None:
            assert status.final, status


def test_the_table_rows_the_issue_names():
    n = v.names_of
    assert (n(MessageStatus.SCHEDULED).smsc, n(MessageStatus.QUEUED).smsc) == (-1, -1)
    assert n(MessageStatus.STOPPED).smsc == -2
    assert n(MessageStatus.SUBMITTED).seed004 == "ACCEPTD"
    assert n(MessageStatus.PARTIALLY_DELIVERED).seed004 == "PDLIVRD"
    assert n(MessageStatus.REJECTED).send_status == "carrier-reject"
    assert n(MessageStatus.INVALID_NUMBER).smsc == 22
    assert n(MessageStatus.BANNED).smsc == 23
    assert n(MessageStatus.NO_FUNDS).smsc == 24
    assert n(MessageStatus.UNAVAILABLE).smsc == 25
    assert v.NOT_FOUND_SMSC_CODE == -3


def test_clicked_reads_delivered_in_seed_003_because_clicks_are_not_an_sms_status_there():
    assert v.names_of(MessageStatus.CLICKED).seed003 == "DELIVERED"
    assert v.names_of(MessageStatus.CLICKED).smsc == 4

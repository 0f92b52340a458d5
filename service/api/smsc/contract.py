"""The smsc.ru SOAP contract: operations, request and response elements, fields in order
(its namespaces are in api/ns.py).

Document/literal *bare*: the request element is the body's child (``send``, ``status``...),
the response element wraps one result element (``sendresult``...) of string fields.
"""

from __future__ import annotations

SEND_RESULT = ("id", "balance", "cost", "cnt", "error")
COST_RESULT = ("cost", "cnt", "error")
STATUS_RESULT = ("status", "last_date", "last_timestamp", "err", "error", "send_date",
                 "send_timestamp", "phone", "cost", "sender_id", "status_name", "message",
                 "operator", "region")
BALANCE_RESULT = ("balance", "error")

# operation -> (request element, request fields, response element, result element, result fields)
# A trailing "?" marks an optional request field (minOccurs=0), as in smsc's own WSDL.
# ``apikey`` (in place of login and psw, as smsc's current docs allow) comes last, optional.
OPERATIONS = {
    "send_sms": ("send", ("login", "psw", "phones", "mes", "id?", "sender?", "time?", "apikey?"),
                 "SendResponse", "sendresult", SEND_RESULT),
    "send_sms2": ("send2", ("login", "psw", "phones", "mes", "id?", "sender?", "time?", "query?", "apikey?"),
                  "Send2Response", "sendresult", SEND_RESULT),
    "get_sms_cost": ("cost", ("login", "psw", "phones", "mes", "apikey?"),
                     "CostResponse", "costresult", COST_RESULT),
    "get_sms_cost2": ("cost2", ("login", "psw", "phones", "mes", "query", "apikey?"),
                      "Cost2Response", "costresult", COST_RESULT),
    "get_status": ("status", ("login", "psw", "phone", "id", "all?", "apikey?"),
                   "StatusResponse", "statusresult", STATUS_RESULT),
    "get_status2": ("status2", ("login", "psw", "phone", "id", "all?", "query", "apikey?"),
                    "Status2Response", "statusresult", STATUS_RESULT),
    "get_balance": ("balance", ("login", "psw", "apikey?"), "BalanceResponse", "balanceresult",
                    BALANCE_RESULT),
}
BY_REQUEST = {spec[0]: name for name, spec in OPERATIONS.items()}


def field_names(fields: tuple[str, ...]) -> list[str]:
    return [f.rstrip("?") for f in fields]

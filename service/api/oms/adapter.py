"""The OMS operations over the use cases every front door shares.

Every problem inside an OMS document answers a well-formed OMS document (userInfo or
xmsResponse) with an OMS error code; nothing here raises to the caller.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ...app.access.auth import Credentials
from ...app.sending.sending import SendParts
from ...app.use_cases import UseCases
from ...domain import errors as e
from ...domain.encoding import is_gsm7
from . import documents as d
from .errors import USER_INFO_CODES, oms_code

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OmsSettings:
    provider: str
    service_name: str
    service_uri: str
    sign_up_url: str
    locale: str
    max_recipients: int
    max_messages: int
    max_chars: int
    reply_phone: str | None = None
    smtp_address: str | None = None

    @property
    def limits(self) -> dict[str, int]:
        return {"maxRecipientsPerMessage": self.max_recipients,
                "maxMessagesPerSend": self.max_messages,
                "maxSbcsPerMessage": self.max_chars, "maxDbcsPerMessage": self.max_chars}


class OmsAdapter:
    def __init__(self, use_cases: UseCases, settings: OmsSettings) -> None:
        self._uc = use_cases
        self._s = settings

    def get_service_info(self) -> str:
        s = self._s
        return d.service_info(s.provider, s.service_uri, s.sign_up_url, s.locale,
                              s.service_name, s.limits, long_sms=True)

    def get_user_info(self, xms_user: str | None, ip: str | None) -> str:
        try:
            user = d.read_user(xms_user)
        except d.DocumentError:
            return d.user_info("invalidUser")
        try:
            account = self._uc.accounts.authenticate(Credentials(user.user_id, user.password, ip))
        except e.SmsgwError as exc:
            code = oms_code(exc)
            return d.user_info(code if code in USER_INFO_CODES else "invalidUser")
        reply = self._s.reply_phone or account.settings.default_sender or account.login
        return d.user_info("ok", reply, self._s.smtp_address)

    def deliver_xms(self, xms_data: str | None, ip: str | None) -> str:
        try:
            data = d.read_data(xms_data)
        except d.DocumentError as exc:
            return d.xms_response([d.OmsError("other", str(exc))])
        return d.xms_response(self._deliver(data, ip))

    def deliver_batch(self, package: str | None, ip: str | None) -> str:
        try:
            items = d.read_batch(package)
        except d.DocumentError as exc:
            return d.xms_responses([(None, [d.OmsError("other", str(exc))])])
        out = []
        for n, item in enumerate(items):
            if isinstance(item, d.DocumentError):
                out.append((str(n), [d.OmsError("other", str(item))]))
            else:
                out.append((item.item_id if item.item_id is not None else str(n),
                            self._deliver(item, ip)))
        return d.xms_responses(out)

    def _deliver(self, data: d.XmsData, ip: str | None) -> list[d.OmsError]:
        wanted = (data.required_service or "SMS_SENDER").strip().upper()
        if wanted != "SMS_SENDER" or any(f and f != "SMS" for f in data.formats):
            return [d.OmsError("unregisteredService", "MMS")]
        creds = Credentials(data.user.user_id, data.user.password, ip)
        limit_error = self._over_limits(data)
        try:
            self._uc.accounts.authenticate(creds)
            if limit_error:
                return [limit_error]
            return self._send(creds, data)
        except e.SmsgwError as exc:
            return [self._error(exc)]
        except Exception:  # our failure, not the client's: the code that says so
            log.exception("OMS delivery failed")
            return [d.OmsError("serviceNetwork", "internal error, try again later")]

    def _over_limits(self, data: d.XmsData) -> d.OmsError | None:
        s = self._s
        if not data.recipients:
            return d.OmsError("other", "no recipient")
        if len(data.recipients) > s.max_recipients:
            return d.OmsError("other", f"at most {s.max_recipients} recipients per message")
        contents = [c for c in data.contents if c.strip()]
        if not contents:
            return d.OmsError("other", "no SMS content")
        if len(contents) > s.max_messages:
            return d.OmsError("other", f"at most {s.max_messages} messages per send")
        if any(len(c) > s.max_chars for c in contents):
            return d.OmsError("other", f"at most {s.max_chars} characters per message "
                                       f"({'GSM' if all(is_gsm7(c) for c in contents) else 'UCS-2'})")
        return None

    def _send(self, creds: Credentials, data: d.XmsData) -> list[d.OmsError]:
        # each content is a separate SMS, in order; all of them or none (lowBalance)
        contents = [c for c in data.contents if c.strip()]
        result = self._uc.sending.send_parts(SendParts(creds, data.recipients, contents,
                                                       scheduled_at=data.scheduled))
        refused = result.refused()
        if refused:
            return [d.OmsError("invalidRecipient", "invalid or blocked numbers", tuple(refused))]
        return [d.OmsError("ok")]

    def _error(self, exc: e.SmsgwError) -> d.OmsError:
        code = oms_code(exc)
        if isinstance(exc, e.InsufficientFunds):
            unit = f" {exc.currency}" if exc.currency else ""
            return d.OmsError(code, f"balance {exc.balance}{unit}; price {exc.required}{unit}")
        if isinstance(exc, e.QuotaExceeded):
            return d.OmsError(code, f"{exc.limit} SMS")  # the spec's content: the limit
        if code == "lengthLimit":
            return d.OmsError(code, f"{self._s.max_chars}/{self._s.max_chars}")
        return d.OmsError(code, exc.message)

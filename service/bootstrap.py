"""Composition root: the only place that knows every concrete class."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Engine

from .api.client_ip import ClientIpResolver
from .api.http.app import http_api
from .api.http.health import health_app
from .api.http.openapi import openapi_app
from .api.router import Router
from .api.oms.adapter import OmsAdapter, OmsSettings
from .api.oms.app import oms_app
from .api.oms.wsdl import render_oms_wsdl
from .api.smsc.adapter import SmscAdapter
from .api.smsc.app import smsc_soap_app
from .api.smsc.http import smsc_http_app
from .api.smsc.wsdl import render_smsc_wsdl
from .api.soap.app import Gateway, build_wsgi
from .app.accounts.accounts import AccountService
from .app.inbound.keywords import KeywordResponder
from .app.inbound.settings import InboundSettingsService
from .app.subaccounts.settings import AccountSettingsService
from .app.subaccounts.subaccounts import SubAccountService
from .domain.callback_url import parse_networks
from .app.accounts.ledger_service import LedgerService
from .app.book.address_book import IMPORT_TASK, AddressBookService
from .app.inbound.inbox import InboxService
from .app.sending.history import HistoryQueries
from .app.access.limits import RequestLimits
from .app.access.login_guard import GuardPolicy, LoginGuard
from .app.access.rate_limits import RateLimiter, RatePolicy
from .app.mailings.mailings import START_TASK, MailingService
from .app.pricing.tariffs import TariffResolver, TariffService
from .app.tasks.tasks import TaskService
from .app.inbound.numbers import InboundNumbers
from .app.inbound.service import InboundPolicy, InboundService
from .app.access.auth import Authenticator
from .app.smpp.binds import SmppBinds
from .app.sending.policy import SendingPolicy
from .app.limits.limits import LimitSettings
from .app.sending.cancel import CancelService
from .app.sending.sending import SendingService
from .app.sending.submit import SubmitService
from .app.senders.senders import SenderService
from .app.sending.status_query import StatusQueries
from .app.smpp.receipts import ReceiptQueuePolicy, SmppReceiptQueue, owed_at_submit
from .app.use_cases import UseCases
from .config import Settings
from .domain.clock import Clock, SystemClock
from .domain.pricing import Tariff
from .persistence.engine import make_engine
from .persistence.uow import SqlUnitOfWorkFactory

VERSION = "0.1.0"


@dataclass
class Container:
    settings: Settings
    engine: Engine
    uow_factory: SqlUnitOfWorkFactory
    use_cases: UseCases
    clock: Clock


def sending_policy(settings: Settings) -> SendingPolicy:
    return SendingPolicy(
        default_region=settings.default_region, max_recipients=settings.max_recipients,
        max_text_length=settings.max_text_length,
        default_validity_minutes=settings.default_validity_minutes,
        max_validity_minutes=settings.max_validity_minutes,
        max_schedule_days=settings.max_schedule_days, max_status_ids=settings.max_recipients,
        tariff=Tariff.parse(settings.default_price, settings.tariff_spec),
        limits=settings.sending_limits(), sender_check=settings.sender_check == "on")


def guard_policy(settings: Settings) -> GuardPolicy:
    return GuardPolicy(
        max_failures=settings.auth_max_failures,
        address_max_failures=settings.auth_address_max_failures,
        login_max_failures=settings.auth_login_max_failures,
        window_seconds=settings.auth_failure_window_seconds,
        block_seconds=settings.auth_block_seconds,
        max_block_seconds=settings.auth_block_max_seconds,
        trust_seconds=settings.auth_trust_seconds)


def build_container(settings: Settings, *, clock: Clock | None = None,
                    engine: Engine | None = None) -> Container:
    clock = clock or SystemClock()
    engine = engine or make_engine(settings.database_url, pool_size=settings.threads + 2)
    uow_factory = SqlUnitOfWorkFactory(engine, clock)
    guard = LoginGuard(uow_factory, clock, guard_policy(settings))
    limiter = RateLimiter(uow_factory, clock, RatePolicy(
        send=settings.rate_send_per_minute, query=settings.rate_query_per_minute,
        manage=settings.rate_manage_per_minute))
    auth = Authenticator(ttl_seconds=settings.auth_cache_seconds, guard=guard, limiter=limiter)
    policy = sending_policy(settings)
    pricing = TariffResolver(policy.tariff, settings.tariff_name)
    address_book = AddressBookService(uow_factory, auth, policy, clock,
                                      task_threshold=settings.task_threshold)
    mailings = MailingService(uow_factory, auth, policy, clock,
                              task_threshold=settings.task_threshold, pricing=pricing)
    tasks = TaskService(uow_factory, auth, clock, lease_seconds=settings.worker_lease_seconds)
    senders = SenderService(uow_factory, auth, clock)
    tasks.register(IMPORT_TASK, address_book.run_import)
    tasks.register(START_TASK, mailings.run_start)
    accounts = AccountService(uow_factory, auth, settings.currency, clock)
    subaccounts = SubAccountService(uow_factory, auth, accounts, clock)
    keyword_defaults = settings.keyword_settings()
    keywords = KeywordResponder(keyword_defaults, policy, clock, pricing)
    use_cases = UseCases(
        sending=SendingService(uow_factory, auth, policy, clock, pricing),
        statuses=StatusQueries(uow_factory, auth, policy),
        accounts=accounts,
        address_book=address_book, history=HistoryQueries(uow_factory, auth, policy, subaccounts),
        mailings=mailings, tasks=tasks, limits=RequestLimits(uow_factory, auth, clock),
        guard=guard, sending_limits=LimitSettings(uow_factory, policy.limits, clock),
        subaccounts=subaccounts,
        settings=AccountSettingsService(uow_factory, auth, accounts, subaccounts, parse_networks(
            settings.callback_allowed_networks.split(","))),
        tariffs=TariffService(uow_factory, pricing, settings.currency, settings.default_price,
                              clock),
        senders=senders,
        ledger=LedgerService(uow_factory, auth, subaccounts),
        smpp_receipts=SmppReceiptQueue(uow_factory, clock, ReceiptQueuePolicy(
            max_age_hours=settings.smpp_server_receipt_max_age_hours)),
        smpp_binds=SmppBinds(uow_factory, auth, clock, max_binds=settings.smpp_server_max_binds),
        submit=SubmitService(uow_factory, policy, clock, pricing, limiter, on_stored=owed_at_submit),
        cancel=CancelService(uow_factory, clock),
        inbound=InboundService(uow_factory, clock, keywords, InboundPolicy(
            reassembly_seconds=settings.inbound_reassembly_seconds,
            default_region=settings.default_region)),
        inbound_numbers=InboundNumbers(uow_factory, clock),
        inbound_settings=InboundSettingsService(uow_factory, keyword_defaults, clock),
        keywords=keywords,
        inbox=InboxService(uow_factory, auth, clock))
    return Container(settings, engine, uow_factory, use_cases, clock)


def build_wsgi_app(container: Container):
    settings = container.settings
    gateway = Gateway(use_cases=container.use_cases,
                      client_ip=ClientIpResolver(tuple(settings.trusted_proxies.split(","))))
    soap, wsdl = build_wsgi(gateway, settings.soap_url, settings.max_request_bytes)

    def check_database() -> None:
        with container.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    router = Router()
    router.mount("/soap", soap, wsdl=wsdl)
    oms = OmsAdapter(container.use_cases, OmsSettings(
        provider=settings.oms_provider, service_name=settings.oms_service_name,
        service_uri=settings.oms_url, sign_up_url=settings.oms_sign_up_url or settings.public_url,
        locale=settings.oms_locale, max_recipients=settings.oms_max_recipients,
        max_messages=settings.oms_max_messages, max_chars=settings.max_text_length,
        reply_phone=settings.oms_reply_phone or None,
        smtp_address=settings.oms_smtp_address or None))
    router.mount("/oms", oms_app(oms, gateway.client_ip, settings.max_request_bytes),
                 wsdl=render_oms_wsdl(settings.oms_url))
    smsc = SmscAdapter(container.use_cases)
    router.mount("/sys/soap.php", smsc_soap_app(
        smsc, gateway.client_ip, settings.smsc_namespace, settings.max_request_bytes,
        container.clock.now), wsdl=render_smsc_wsdl(settings.smsc_namespace, settings.smsc_url))
    smsc_http = smsc_http_app(smsc, gateway.client_ip, settings.max_request_bytes,
                              container.clock.now)
    for path in ("/sys/send.php", "/sys/status.php", "/sys/balance.php", "/sys/get.php"):
        router.mount(path, smsc_http)
    router.mount("/api/openapi.json", openapi_app(settings.public_url))
    router.mount_prefix("/api", http_api(container.use_cases, gateway.client_ip,
                                         settings.max_request_bytes))
    router.mount("/health", health_app(check_database, VERSION))
    return router


def create_app(settings: Settings | None = None):
    """The WSGI application gunicorn serves."""
    return build_wsgi_app(build_container(settings or Settings.from_env()))


def build_connector(container: Container):
    """The configured carrier connector (the simulator unless SMSGW_CONNECTOR=smpp)."""
    s = container.settings
    if s.connector == "smpp":
        from .delivery.smpp import SmppConfig, SmppConnector
        return SmppConnector(SmppConfig(**s.smpp_options()), container.clock)
    from .delivery.simulator import SimulatorConnector
    from .persistence.simulator_ledger import SqlSimulatorLedger
    return SimulatorConnector(SqlSimulatorLedger(container.engine), container.clock,
                              rules=s.simulator_rules,
                              receipt_delay=s.simulator_receipt_delay_ms / 1000,
                              tps=s.simulator_tps)


def build_delivery(container: Container):
    """(DeliveryService, CallbackService) for workers and the CLI."""
    from .app.delivery.callbacks import CallbackPolicy, CallbackService
    from .app.delivery.delivery import DeliveryPolicy, DeliveryService
    from .delivery.http_transport import Urllib3Transport
    from .delivery.resolver import SystemResolver
    from .domain.callback_url import parse_networks
    s = container.settings
    delivery = DeliveryService(container.uow_factory, container.clock, DeliveryPolicy(
        batch_size=s.worker_batch, window=s.worker_window, lease_seconds=s.worker_lease_seconds,
        unknown_outcome=s.unknown_outcome))
    callbacks = CallbackService(container.uow_factory, container.clock, Urllib3Transport(
        pool_size=max(2, s.worker_callback_threads)), CallbackPolicy(
        retry_min_seconds=s.callback_retry_min_seconds,
        retry_max_seconds=s.callback_retry_max_seconds,
        give_up_hours=s.callback_give_up_hours, timeout_seconds=s.callback_timeout_seconds,
        allowed_networks=parse_networks(s.callback_allowed_networks.split(","))),
        SystemResolver())
    return delivery, callbacks


def build_worker(container: Container):
    from .delivery.worker import Worker, WorkerOptions
    delivery, callbacks = build_delivery(container)
    return Worker(delivery, callbacks, build_connector(container),
                  WorkerOptions(callback_threads=container.settings.worker_callback_threads),
                  tasks=container.use_cases.tasks, retention=build_retention(container),
                  smpp_receipts=container.use_cases.smpp_receipts,
                  inbound=container.use_cases.inbound)


def build_smpp_server(settings: Settings):
    """(SmppServices, ServerOptions) for ``smsgw smpp-server``: the use cases on an engine
    whose pool covers the server's thread pool and its group committer."""
    from .api.smpp.server import ServerOptions, SmppServices
    threads = 8
    engine = make_engine(settings.database_url, pool_size=threads + 2)
    container = build_container(settings, engine=engine)
    uc = container.use_cases
    s = settings
    options = ServerOptions(
        window=s.smpp_server_window, max_pending=s.smpp_server_max_pending,
        enquire_link_seconds=s.smpp_server_enquire_link_seconds,
        bind_timeout_seconds=s.smpp_server_bind_timeout_seconds,
        response_timeout_seconds=s.smpp_server_response_timeout_seconds,
        idle_timeout_seconds=s.smpp_server_idle_timeout_seconds,
        max_unbound_per_ip=s.smpp_server_max_unbound_per_ip,
        batch_wait_ms=s.smpp_server_batch_wait_ms,
        heartbeat_seconds=uc.smpp_binds.heartbeat_seconds, threads=threads)
    return SmppServices(uc.smpp_binds, uc.smpp_receipts, uc.submit, uc.cancel,
                        container.clock.now), options


def build_retention(container: Container):
    """The retention job (purges and the archive) for workers and ``smsgw retention run``."""
    from .app.retention.retention import RetentionPolicy, RetentionService
    s = container.settings
    return RetentionService(container.uow_factory, container.clock, RetentionPolicy(
        default_days=s.retention_days, archive_after_hours=s.archive_after_hours,
        idempotency_hours=sending_policy(s).idempotency_hours, batch_size=s.retention_batch))

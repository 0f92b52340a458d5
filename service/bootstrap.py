"""Composition root: the only place that knows every concrete class."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Engine

from .api.client_ip import ClientIpResolver
from .api.http.health import health_app
from .api.router import Router
from .api.soap.app import Gateway, build_wsgi
from .app.accounts import AccountService
from .app.auth import Authenticator
from .app.policy import SendingPolicy
from .app.sending import SendingService
from .app.status_query import StatusQueries
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


def sending_policy(settings: Settings) -> SendingPolicy:
    return SendingPolicy(
        default_region=settings.default_region, max_recipients=settings.max_recipients,
        max_text_length=settings.max_text_length,
        default_validity_minutes=settings.default_validity_minutes,
        max_validity_minutes=settings.max_validity_minutes,
        max_schedule_days=settings.max_schedule_days, max_status_ids=settings.max_recipients,
        tariff=Tariff.parse(settings.default_price, settings.tariff))


def build_container(settings: Settings, *, clock: Clock | None = None,
                    engine: Engine | None = None) -> Container:
    clock = clock or SystemClock()
    engine = engine or make_engine(settings.database_url, pool_size=settings.threads + 2)
    uow_factory = SqlUnitOfWorkFactory(engine, clock)
    auth = Authenticator(ttl_seconds=settings.auth_cache_seconds)
    policy = sending_policy(settings)
    use_cases = UseCases(
        sending=SendingService(uow_factory, auth, policy, clock),
        statuses=StatusQueries(uow_factory, auth, policy),
        accounts=AccountService(uow_factory, auth, settings.currency))
    return Container(settings, engine, uow_factory, use_cases)


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
    router.mount("/health", health_app(check_database, VERSION))
    return router


def create_app(settings: Settings | None = None):
    """The WSGI application gunicorn serves."""
    return build_wsgi_app(build_container(settings or Settings.from_env()))

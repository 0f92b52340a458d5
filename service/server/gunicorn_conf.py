"""gunicorn settings for smsgw. Values come from the SMSGW_* settings.

Part of the package, so an installed wheel serves the same way as a checkout:
``gunicorn -c python:service.server.gunicorn_conf service.wsgi:application`` (what
``smsgw serve`` runs; service.server.GUNICORN_CONFIG names it).
"""

from service.config import Settings

_settings = Settings.from_env()

bind = [_settings.bind]
wsgi_app = "service.wsgi:application"
workers = _settings.workers
threads = _settings.threads
# gthread's threads, but a request reaches a thread only once its head and body have arrived
# in full, within SMSGW_HEADER_TIMEOUT_SECONDS / SMSGW_BODY_TIMEOUT_SECONDS: slow clients
# cannot hold the threads (docs/deployment.md).
worker_class = "service.server.worker.BufferingWorker"
# No reuse_port: with SO_REUSEPORT a second gateway on the same port would start silently and
# take half the connections. All workers accept from one socket, and a busy port is an error.
# (`smsgw serve` opens that socket itself and passes it as --bind fd://N.)
reuse_port = False
timeout = 30
graceful_timeout = 20
keepalive = 5
# SOAP requests are bounded in the app (SMSGW_MAX_REQUEST_BYTES); headers are bounded here.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = "-" if _settings.log_level == "debug" else None
errorlog = "-"
loglevel = _settings.log_level
# No password, API key or Authorization value in any log line (issue 10, finding 9).
logger_class = "service.api.log_redaction.RedactingLogger"
proc_name = "smsgw"
# gunicorn >= 25.1 opens a control socket at $HOME/.gunicorn/gunicorn.ctl that every instance
# on the host shares; smsgw does not use it, so it is off.
control_socket_disable = True

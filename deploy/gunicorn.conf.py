"""gunicorn settings for smsgw. Values come from the SMSGW_* settings."""

from service.config import Settings

_settings = Settings.from_env()

bind = [_settings.bind]
wsgi_app = "service.wsgi:application"
workers = _settings.workers
threads = _settings.threads
worker_class = "gthread"
# Each worker gets its own listening socket and the kernel spreads connections over them.
# Without it, a burst of keep-alive connections tends to land on whichever worker wakes
# first, and that one process (one GIL) serves them all while the others idle.
reuse_port = True
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

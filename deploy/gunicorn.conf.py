"""gunicorn settings for smsgw. Values come from the SMSGW_* settings."""

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
proc_name = "smsgw"
# gunicorn >= 25.1 opens a control socket at $HOME/.gunicorn/gunicorn.ctl that every instance
# on the host shares; smsgw does not use it, so it is off.
control_socket_disable = True

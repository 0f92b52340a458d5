"""How smsgw is served: the gunicorn settings, the worker class and the request framing it
buffers by."""

# gunicorn's -c argument for the settings module (a module, not a file beside the checkout).
GUNICORN_CONFIG = "python:service.server.gunicorn_conf"

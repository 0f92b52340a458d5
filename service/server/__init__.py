"""How smsgw is served: the gunicorn worker class and the request framing it buffers by."""

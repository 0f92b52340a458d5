"""gunicorn's target: ``service.wsgi:application``. Building it opens no socket and no file."""

from .bootstrap import create_app

application = create_app()

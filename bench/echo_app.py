"""A trivial spyne SOAP service: the baseline that bench/soap_bench.py compares smsgw against.

One operation, ``echo(text: Unicode) -> Unicode``, SOAP 1.1 in and out, with lxml schema
validation on input like the real endpoint (service/api/soap/app.py). No database, no auth,
no routing: whatever it costs is the floor of spyne + lxml + gunicorn on this machine.

Served with smsgw's own gunicorn settings by naming it on the command line, which gunicorn
prefers to the ``wsgi_app`` in the config file::

    gunicorn -c python:service.server.gunicorn_conf bench.echo_app:application
"""

from __future__ import annotations

from spyne import Application, ServiceBase, Unicode, rpc
from spyne.protocol.soap import Soap11
from spyne.server.wsgi import WsgiApplication

TNS = "urn:smsgw:bench:echo"


class EchoService(ServiceBase):
    @rpc(Unicode(min_occurs=1, nillable=False), _args=("text",), _returns=Unicode)
    def echo(ctx, text):
        return text


soap_application = Application([EchoService], tns=TNS, name="echo",
                               in_protocol=Soap11(validator="lxml"), out_protocol=Soap11())
application = WsgiApplication(soap_application)

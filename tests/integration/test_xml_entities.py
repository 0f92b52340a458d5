"""No XML entity is ever expanded, on any door, plain or as SOAP with attachments.

Every XML door (/soap, /oms, /sys/soap.php) is sent the same hostile prologs and texts, as a
plain body and wrapped in multipart/related (which none of them speaks). Each answers with its
own fault, stores nothing, debits nothing, and no stored text holds what an entity would have
expanded to. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest

from tests.conftest import STORES, postgres_database
from tests.wsgi_doors import (SOAP12, Gateway, multipart_related, oms_error, oms_send,
                              smsc_soap_result, smsc_soap_send, soap_send)

LOL = ('<!DOCTYPE s:Envelope [<!ENTITY lol "lol">'
       + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">'
                 for i in range(1, 10)) + "]>")
QUADRATIC = f'<!DOCTYPE s:Envelope [<!ENTITY a "{"a" * 4000}">]>'

# (prolog, text): the text goes into the message body raw, so a reference stays a reference.
HOSTILE = {
    "internal entity": ('<!DOCTYPE s:Envelope [<!ENTITY e "EXPANDED">]>', "&e;"),
    "external entity": ('<!DOCTYPE s:Envelope [<!ENTITY e SYSTEM "file:///etc/passwd">]>', "&e;"),
    "external entity over the network": (
        '<!DOCTYPE s:Envelope [<!ENTITY e SYSTEM "http://127.0.0.1:9/x">]>', "&e;"),
    "parameter entity": ('<!DOCTYPE s:Envelope [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>',
                         "x"),
    "parameter entity defining an entity": (
        '<!DOCTYPE s:Envelope [<!ENTITY % p "<!ENTITY e \'EXPANDED\'>"> %p;]>', "&e;"),
    "billion laughs": (LOL, "&lol9;"),
    "quadratic blowup": (QUADRATIC, "&a;" * 3000),
    "doctype with a system id": ('<!DOCTYPE s:Envelope SYSTEM "file:///etc/passwd">', "x"),
    "doctype with a public id": (
        '<!DOCTYPE s:Envelope PUBLIC "-//X//Y" "http://127.0.0.1:9/evil.dtd">', "x"),
    "an undeclared entity": ("", "&e;"),
    "a character reference to NUL": ("", "a&#0;b"),
    "a character reference to a control character": ("", "a&#x1;b"),
    "a character reference to a surrogate": ("", "a&#xD800;b"),
    "xinclude": ("", '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
                     'href="file:///etc/passwd" parse="text"/>'),
    "deep nesting": ("", "<a>" * 5000 + "</a>" * 5000),
    "thousands of attributes": ("", "<a " + " ".join(f'a{i}="1"' for i in range(4000)) + "/>"),
}
DOORS = {"/soap": soap_send, "/oms": oms_send, "/sys/soap.php": smsc_soap_send}
SECRETS = ("EXPANDED", "root:", "lollol", "aaaaaaaaaa")


@pytest.fixture(scope="module", params=STORES)
def gw(request, tmp_path_factory):
    """One gateway per store for the whole module: every case here must leave it untouched."""
    if request.param == "sqlite":
        gateway = Gateway(f"sqlite:///{tmp_path_factory.mktemp('xml') / 'x.db'}")
        yield gateway
    else:
        with postgres_database() as url:
            gateway = Gateway(url)
            yield gateway
    gateway.close()


@pytest.fixture
def fresh_gw(database_url):
    gateway = Gateway(database_url)
    yield gateway
    gateway.close()


def refused_in_own_terms(gw: Gateway, path: str, reply) -> None:
    """The door's own fault (or, for OMS documents, its own error), and nothing stored."""
    if path == "/oms" and reply.code == 200:
        assert oms_error(reply) != "ok", reply.text  # an OMS error document
    elif path == "/sys/soap.php" and reply.code == 200:
        # Well-formed XML with an element where smsc expects text: an empty message, which is
        # smsc's own error (1, or 9 once the same empty message was tried before).
        assert list(smsc_soap_result(reply)) == ["error"], reply.text
    else:
        assert reply.code in (400, 413, 415, 500), reply.text
        assert reply.soap_fault() is not None, reply.text
        if path == "/soap":
            assert reply.typed_code() in (1, 12), reply.text
    assert not any(s in t for t in gw.stored_texts() for s in SECRETS)
    assert gw.untouched()


def auth(path):
    return ("alice", "pw") if path == "/soap" else None


@pytest.mark.parametrize("path", DOORS)
@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_xml_is_each_doors_fault_and_nothing_is_expanded(gw, path, case):
    prolog, text = HOSTILE[case]
    reply = gw.call(path, DOORS[path](text, prolog), basic=auth(path))
    refused_in_own_terms(gw, path, reply)


@pytest.mark.parametrize("path", DOORS)
@pytest.mark.parametrize("case", ["internal entity", "billion laughs", "external entity",
                                  "an undeclared entity"])
@pytest.mark.parametrize("content_id", ["<root>", None])
def test_soap_with_attachments_is_refused_up_front(gw, path, case, content_id):
    prolog, text = HOSTILE[case]
    body, content_type = multipart_related(DOORS[path](text, prolog).encode(), content_id)
    reply = gw.call(path, body, content_type=content_type, basic=auth(path))
    assert reply.code == 415, reply.text
    refused_in_own_terms(gw, path, reply)


@pytest.mark.parametrize("path", DOORS)
def test_attachments_are_refused_even_when_the_root_part_is_harmless(gw, path):
    body, content_type = multipart_related(DOORS[path]().encode())
    reply = gw.call(path, body, content_type=content_type, basic=auth(path))
    assert reply.code == 415 and reply.soap_fault() is not None
    assert "multipart/related" in reply.text and gw.untouched()


@pytest.mark.parametrize("path", DOORS)
@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_a_doctype_in_utf16_or_utf32_is_refused_too(gw, path, codec):
    prolog, text = HOSTILE["internal entity"]
    body = (f'<?xml version="1.0" encoding="{codec.upper()}"?>' + DOORS[path](text, prolog))
    reply = gw.call(path, body.encode(codec), basic=auth(path),
                    content_type="text/xml")
    refused_in_own_terms(gw, path, reply)


@pytest.mark.parametrize("path", DOORS)
@pytest.mark.parametrize("declared,actual", [("UTF-8", "utf-16"), ("UTF-16", "utf-8"),
                                             ("UTF-32", "utf-8"), ("ISO-8859-1", "utf-32")])
def test_a_declared_encoding_that_is_not_the_actual_one_is_a_fault(gw, path, declared, actual):
    prolog, text = HOSTILE["internal entity"]
    body = f'<?xml version="1.0" encoding="{declared}"?>' + DOORS[path](text, prolog)
    reply = gw.call(path, body.encode(actual), basic=auth(path), content_type="text/xml")
    refused_in_own_terms(gw, path, reply)


def test_a_soap_12_envelope_with_a_doctype_is_refused_on_every_door(gw):
    prolog, text = HOSTILE["billion laughs"]
    for path, make in DOORS.items():
        content_type = "application/soap+xml; charset=utf-8"
        body = make(text, prolog.replace("s:Envelope", "e"), ns=SOAP12) if path != \
            "/sys/soap.php" else make(text, prolog)
        reply = gw.call(path, body, basic=auth(path), content_type=content_type)
        refused_in_own_terms(gw, path, reply)


def test_a_doctype_inside_an_oms_document_is_an_oms_error(gw):
    inner = '<!DOCTYPE xmsData [<!ENTITY e "EXPANDED">]>'
    body = oms_send("&amp;e;").replace("&lt;xmsData", "&lt;" + inner[1:].replace(
        "<", "&lt;").replace(">", "&gt;").replace('"', "&quot;") + "&lt;xmsData", 1)
    reply = gw.call("/oms", body)
    assert reply.code == 200 and oms_error(reply) == "other", reply.text
    assert gw.untouched()


@pytest.mark.parametrize("path", DOORS)
def test_the_same_request_without_anything_hostile_is_sent(fresh_gw, path):
    """The control: the requests above are refused for what is hostile in them, nothing else."""
    reply = fresh_gw.call(path, DOORS[path]("plain text"), basic=auth(path))
    assert reply.code == 200, reply.text
    assert fresh_gw.stored_texts() == ["plain text"]

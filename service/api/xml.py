"""The one XML parser of every door (/soap, /oms, /sys/soap.php and the OMS inner documents).

No entity is ever expanded: a document with a DOCTYPE is refused by a first pass that stops at
the DOCTYPE itself, before libxml2 reads one entity declaration of its internal subset (so
billion laughs, quadratic blowup, external and parameter entities never get a chance). The
second pass builds the tree with a parser that could not expand or fetch anything anyway: no
DTD, no entity substitution, no network, libxml2's default depth and size limits (no
``huge_tree``). XInclude is never processed (nothing calls ``xinclude()``).
"""

from __future__ import annotations

import codecs

from lxml import etree


class XmlRefused(ValueError):
    """A body we will not parse: a DOCTYPE (``doctype`` is true), not well-formed, or not text
    in its encoding."""

    def __init__(self, message: str, *, doctype: bool = False) -> None:
        super().__init__(message)
        self.doctype = doctype


class _DoctypeFound(Exception):
    """The prescan met a DOCTYPE: the document is refused before any entity is declared."""


class _RootReached(Exception):
    """The prescan reached the root element: no DOCTYPE can follow, so the scan stops."""


class _Prescan:
    """A parser target: libxml2 calls ``doctype`` before it reads the internal subset."""

    def doctype(self, name, public_id, system_url):
        raise _DoctypeFound()

    def start(self, tag, attrib, nsmap=None):
        raise _RootReached()  # a DOCTYPE can only come before the root element

    def end(self, tag):
        """Never reached: ``start`` of the root ends the prescan."""

    def data(self, data):
        pass

    def close(self):
        return None


def _options(encoding: str | None = None) -> dict:
    return dict(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                attribute_defaults=False, huge_tree=False, remove_comments=True,
                remove_pis=True, encoding=encoding)


def parse_xml(body: bytes | str, encoding: str | None = None):
    """The root element of ``body``; ``encoding`` (an HTTP charset) overrides the document's.

    Raises XmlRefused for a DOCTYPE (WS-I BP R1008: SOAP messages carry none) and for anything
    that is not well-formed.
    """
    data = body.encode("utf-8") if isinstance(body, str) else body
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise XmlRefused(f"unknown charset {encoding!r}") from exc
    try:
        etree.fromstring(data, etree.XMLParser(target=_Prescan(), **_options(encoding)))
    except _RootReached:
        pass
    except _DoctypeFound:
        raise XmlRefused("a DOCTYPE/DTD is not allowed", doctype=True) from None
    except (etree.XMLSyntaxError, LookupError, UnicodeError) as exc:
        raise XmlRefused(f"not well-formed XML: {exc}") from exc
    try:
        root = etree.fromstring(data, etree.XMLParser(**_options(encoding)))
    except (etree.XMLSyntaxError, LookupError, UnicodeError) as exc:
        raise XmlRefused(f"not well-formed XML: {exc}") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:  # the prescan makes this unreachable
        raise XmlRefused("a DOCTYPE/DTD is not allowed", doctype=True)
    return root

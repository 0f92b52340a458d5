"""Properties of the shared reading layer: the XML parser, the storable-string check and the
log redaction, on arbitrary input (hypothesis)."""

from __future__ import annotations

import io

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from service.api.log_redaction import redact
from service.api.reading import RequestRefused, check_values, read_body
from service.api.xml import XmlRefused, parse_xml
from service.domain.errors import ValidationError


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_parse_or_are_refused_never_anything_else(data):
    try:
        parse_xml(data)
    except XmlRefused:
        pass


@settings(max_examples=200, deadline=None)
@given(subset=st.text(max_size=300), root=st.sampled_from(["a", "s:Envelope", "x:y"]),
       body=st.text(alphabet="&;abe<>/ ", max_size=50),
       encoding=st.sampled_from(["utf-8", "utf-16", "utf-32", "utf-16-le"]))
def test_a_document_with_a_doctype_is_never_parsed(subset, root, body, encoding):
    text = f'<!DOCTYPE {root} [{subset}]><a>{body}</a>'
    with pytest.raises(XmlRefused):
        parse_xml(text.encode(encoding, errors="surrogatepass"))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=5), children, max_size=4), max_leaves=20)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=8), st.lists(json_values, max_size=3), max_size=4))
def test_check_values_refuses_exactly_the_unstorable(values):
    bad = any("\x00" in s or any(0xD800 <= ord(c) <= 0xDFFF for c in s)
              for s in _strings(values))
    if bad:
        with pytest.raises(ValidationError) as caught:
            check_values(values)
        assert caught.value.field in values
    else:
        check_values(values)


def test_a_nested_value_a_hundred_thousand_deep_is_checked_without_recursion():
    deep: list = ["a\x00"]
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(ValidationError):
        check_values({"x": [deep]})


SECRET = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ23456789", min_size=12, max_size=24)
AROUND = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=300, deadline=None)
@given(secret=SECRET, before=AROUND, after=st.sampled_from(["", "&x=1", " HTTP/1.1", "'", '"']),
       name=st.sampled_from(["psw", "password", "apikey", "PSW", "api_key", "token"]),
       shape=st.sampled_from(["{n}={s}", '"{n}": "{s}"', "<{n}>{s}</{n}>",
                              '<w:{n} Type="t">{s}</w:{n}>', "&lt;{n}&gt;{s}&lt;/{n}&gt;",
                              "{n}%3D{s}"]))
def test_a_credential_never_survives_redaction(secret, before, after, name, shape):
    assume(secret not in before)
    line = before + " " + shape.format(n=name, s=secret) + after
    assert secret not in redact(line)


@settings(max_examples=100, deadline=None)
@given(secret=SECRET, scheme=st.sampled_from(["Basic", "Bearer", "basic"]))
def test_authorization_values_never_survive_redaction(secret, scheme):
    assert secret not in redact(f"{{'HTTP_AUTHORIZATION': '{scheme} {secret}'}}")


def environ(body: bytes, *, chunked: bool, length: int | None = None) -> dict:
    env = {"REQUEST_METHOD": "POST", "wsgi.input": io.BytesIO(body),
           "CONTENT_TYPE": "text/xml"}
    if chunked:
        env["wsgi.input_terminated"] = True
    else:
        env["CONTENT_LENGTH"] = str(len(body) if length is None else length)
    return env


@settings(max_examples=200, deadline=None)
@given(size=st.integers(0, 300), limit=st.integers(0, 300), chunked=st.booleans())
def test_a_body_is_read_whole_or_refused_never_cut(size, limit, chunked):
    body = bytes(range(256)) * 2
    body = body[:size]
    try:
        assert read_body(environ(body, chunked=chunked), limit) == body
        assert size <= limit
    except RequestRefused as exc:
        assert size > limit and exc.status == 413

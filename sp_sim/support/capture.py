"""Browser captures in the formats customers send: HAR 1.2 and SAML-tracer exports.

`Recorder` collects what a browser (the flow driver) did; `to_har` and `to_saml_tracer`
write it as Chrome's DevTools and the SAML-tracer extension would, so that the evidence
readers are tested against files of the real shapes, made from flows against the fake IdP.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from lxml import etree

from sp_sim.core.bindings import Binding, Parameter, decode_message
from sp_sim.core.xml import UnsafeXML, parse_untrusted


@dataclass
class Exchange:
    """One HTTP request and its response, as a browser saw them."""

    started: datetime
    method: str
    url: str
    request_headers: list[tuple[str, str]]
    post_text: str | None
    status: int
    status_text: str
    response_headers: list[tuple[str, str]]
    response_text: str
    mime_type: str
    time_ms: float = 0.0

    @property
    def form(self) -> list[tuple[str, str]]:
        return parse_qsl(self.post_text or "", keep_blank_values=True)

    @property
    def query(self) -> list[tuple[str, str]]:
        return parse_qsl(urlsplit(self.url).query, keep_blank_values=True)


@dataclass
class Recorder:
    """Collects exchanges in order."""

    exchanges: list[Exchange] = field(default_factory=list)

    def add(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)


def _headers(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in pairs]


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _har_request(exchange: Exchange) -> dict[str, Any]:
    request: dict[str, Any] = {
        "method": exchange.method,
        "url": exchange.url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _headers(exchange.request_headers),
        "queryString": [{"name": k, "value": v} for k, v in exchange.query],
        "headersSize": -1,
        "bodySize": len(exchange.post_text or ""),
    }
    if exchange.post_text is not None:
        request["postData"] = {
            "mimeType": "application/x-www-form-urlencoded",
            "text": exchange.post_text,
            "params": [{"name": k, "value": v} for k, v in exchange.form],
        }
    return request


def _har_response(exchange: Exchange) -> dict[str, Any]:
    location = next((v for k, v in exchange.response_headers if k.lower() == "location"), "")
    return {
        "status": exchange.status,
        "statusText": exchange.status_text,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _headers(exchange.response_headers),
        "content": {
            "size": len(exchange.response_text),
            "mimeType": exchange.mime_type,
            "text": exchange.response_text,
        },
        "redirectURL": location,
        "headersSize": -1,
        "bodySize": len(exchange.response_text),
    }


def to_har(recorder: Recorder, creator: str = "sp-sim") -> dict[str, Any]:
    """A HAR 1.2 document (http://www.softwareishard.com/blog/har-12-spec/)."""
    entries = [
        {
            "startedDateTime": _iso(exchange.started),
            "time": exchange.time_ms,
            "request": _har_request(exchange),
            "response": _har_response(exchange),
            "cache": {},
            "timings": {"send": 0, "wait": exchange.time_ms, "receive": 0},
        }
        for exchange in recorder.exchanges
    ]
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": creator, "version": "1"},
            "pages": [],
            "entries": entries,
        }
    }


_MESSAGE_NAMES = frozenset(Parameter)


def decode_saml_parameter(name: str, value: str, deflated: bool) -> str | None:
    """The XML text of a SAMLRequest/SAMLResponse parameter (deflated: the Redirect
    binding's), or None when it is not one."""
    if name not in _MESSAGE_NAMES:
        return None
    try:
        xml = decode_message(value, Binding.REDIRECT if deflated else Binding.POST)
        parse_untrusted(xml)
    except (ValueError, UnsafeXML, etree.XMLSyntaxError):  # BindingError is a ValueError
        return None
    return xml.decode("utf-8", "replace")


def to_saml_tracer(recorder: Recorder, exported: datetime) -> dict[str, Any]:
    """A SAML-tracer export: {"requests": [...], "timestamp": ...}, as the extension writes
    it (no bodies; the decoded SAML message of each request in `saml`)."""
    requests = []
    for exchange in recorder.exchanges:
        item: dict[str, Any] = {
            "method": exchange.method,
            "url": exchange.url,
            "requestId": f"request-{uuid.uuid4().int % 100000}-{exchange.method}",
            "requestHeaders": _headers(exchange.request_headers),
            "responseStatus": exchange.status,
            "responseStatusText": f"HTTP/1.1 {exchange.status} {exchange.status_text}",
            "responseHeaders": _headers(exchange.response_headers),
        }
        pairs = exchange.query if exchange.method == "GET" else exchange.form
        item["get" if exchange.method == "GET" else "post"] = [[k, v] for k, v in pairs]
        for name, value in pairs:
            saml = decode_saml_parameter(name, value, deflated=exchange.method == "GET")
            if saml is not None:
                item["saml"] = saml
                item["protocol"] = "SAML-P"
        requests.append(item)
    return {"requests": requests, "timestamp": _iso(exported)}

"""Read what a customer sent — a HAR (1.2) file, a SAML-tracer export, or a raw message —
into the SAML steps of each sign-in, in capture order.

Readers never raise on content: an unreadable file is one `Problem`, a message that does
not decode is skipped with a note.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import re
from dataclasses import dataclass, replace
from datetime import datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from lxml import etree

from sp_sim.core.errors import InputError
from sp_sim.core.xml import PROTOCOL, UnsafeXML, parse_instant, parse_untrusted, qname
from sp_sim.support.capture import decode_saml_parameter

_AADSTS = re.compile(r"(AADSTS\d{5,6})(?::\s*([^\"<\\]{0,300}))?")
_CORRELATION = re.compile(r"(?:Correlation ?Id|correlationId)\W{1,4}([0-9a-fA-F-]{36})")
_TIMESTAMP = re.compile(r"(?:Timestamp|timestamp)\W{1,4}(\d{4}-\d\d-\d\dT[\d:.]+Z?)")
_EXPORT_TIME = (
    "judged at the export time: SAML-tracer keeps no request "
    "times and the response had no Date header"
)


class EvidenceError(InputError, ValueError):
    """The file is none of the formats sp-sim reads."""


class CaptureFormat(StrEnum):
    """What a customer sent; the value is how timelines name it."""

    HAR = "HAR"
    SAML_TRACER = "SAML-tracer"
    RAW = "raw message"


class StepKind(StrEnum):
    """What one step of a capture is."""

    AUTHN_REQUEST = "authn-request"
    SAML_RESPONSE = "saml-response"
    LOGOUT_REQUEST = "logout-request"
    LOGOUT_RESPONSE = "logout-response"
    IDP_ERROR = "idp-error"


@dataclass(frozen=True)
class Step:
    """One SAML-relevant request in a capture."""

    index: int
    kind: StepKind
    method: str
    url: str
    at: datetime | None
    xml: bytes | None = None
    body: bytes | None = None
    status: int | None = None
    reply: str = ""
    aadsts: str | None = None
    aadsts_text: str | None = None
    correlation_id: str | None = None
    idp_timestamp: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @cached_property
    def _root(self) -> etree._Element | None:
        if self.xml is None:
            return None
        try:
            return parse_untrusted(self.xml)
        except (UnsafeXML, etree.XMLSyntaxError):
            return None

    def attribute(self, name: str) -> str | None:
        """An attribute of the message's root element (parsed once)."""
        return None if self._root is None else self._root.get(name)

    def named_requests(self) -> frozenset[str]:
        """Every InResponseTo the message names, on any element (signed or not): what it
        claims to answer. For pairing and bookkeeping only; the engine reads signed content."""
        if self._root is None:
            return frozenset()
        return frozenset(
            value for element in self._root.iter("{*}*") if (value := element.get("InResponseTo"))
        )


def _headers(items: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in items or []:
        if isinstance(item, dict):
            found[str(item.get("name", "")).lower()] = str(item.get("value", ""))
        elif isinstance(item, list | tuple) and len(item) == 2:
            found[str(item[0]).lower()] = str(item[1])
    return found


def _kind(xml: str) -> StepKind | None:
    try:
        root = parse_untrusted(xml.encode())
    except (UnsafeXML, etree.XMLSyntaxError):
        return None
    return {
        qname(PROTOCOL, "AuthnRequest"): StepKind.AUTHN_REQUEST,
        qname(PROTOCOL, "Response"): StepKind.SAML_RESPONSE,
        qname(PROTOCOL, "LogoutRequest"): StepKind.LOGOUT_REQUEST,
        qname(PROTOCOL, "LogoutResponse"): StepKind.LOGOUT_RESPONSE,
    }.get(root.tag)


def _reply(status: int | None, headers: dict[str, str], text: str) -> str:
    if status is None:
        return ""
    if "location" in headers:
        return f"HTTP {status} → {headers['location']}"
    title = re.search(r"<title>(.*?)</title>", text or "", re.S | re.I)
    return f"HTTP {status}" + (f" “{title.group(1).strip()}”" if title else "")


def _error_step(
    index: int, method: str, url: str, at: datetime | None, status: int | None, text: str
) -> Step | None:
    found = _AADSTS.search(text or "")
    if found is None:
        return None
    correlation = _CORRELATION.search(text)
    stamp = _TIMESTAMP.search(text)
    return Step(
        index,
        StepKind.IDP_ERROR,
        method,
        url,
        at,
        status=status,
        aadsts=found.group(1),
        aadsts_text=(found.group(2) or "").strip() or None,
        correlation_id=correlation.group(1) if correlation else None,
        idp_timestamp=stamp.group(1) if stamp else None,
    )


def _saml_steps(
    index: int,
    method: str,
    url: str,
    at: datetime | None,
    status: int | None,
    headers: dict[str, str],
    text: str,
    pairs: list[tuple[str, str]],
) -> list[Step]:
    steps = []
    for name, value in pairs:
        xml = decode_saml_parameter(name, value, deflated=method == "GET")
        if xml is None:
            continue
        kind = _kind(xml)
        if kind is None:
            continue
        body = urlencode([(k, v) for k, v in pairs]).encode() if method == "POST" else None
        steps.append(
            Step(
                index,
                kind,
                method,
                url,
                at,
                xml=xml.encode(),
                body=body,
                status=status,
                reply=_reply(status, headers, text),
            )
        )
    return steps


def _is_idp_url(url: str) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    # Entra's hosts; else the SAML endpoint, or the fake IdP's account picker after it.
    path = parts.path.rstrip("/")
    return host.endswith(("microsoftonline.com", "microsoftonline.us")) or path.endswith(
        ("/saml2", "/saml2/signin")
    )


def read_har(document: dict[str, Any]) -> list[Step]:
    """Every SAML message and Entra error page in a HAR's entries."""
    steps: list[Step] = []
    for index, entry in enumerate(document["log"]["entries"]):
        request, response = entry.get("request", {}), entry.get("response", {})
        method, url = str(request.get("method", "GET")).upper(), str(request.get("url", ""))
        try:
            at: datetime | None = parse_instant(str(entry.get("startedDateTime", "")))
        except ValueError:
            at = None
        post = request.get("postData") or {}
        pairs = [(str(p.get("name")), str(p.get("value", ""))) for p in post.get("params", [])]
        if not pairs and post.get("text"):
            pairs = parse_qsl(str(post["text"]), keep_blank_values=True)
        if method == "GET":
            pairs = parse_qsl(urlsplit(url).query, keep_blank_values=True)
        status = response.get("status")
        text = str((response.get("content") or {}).get("text") or "")
        headers = _headers(response.get("headers"))
        found = _saml_steps(index, method, url, at, status, headers, text, pairs)
        steps += found
        # Entra's error page answers a request to the IdP (one that carried an AuthnRequest,
        # or went to Entra's host or a /saml2 endpoint); other pages may quote AADSTS codes.
        to_idp = any(s.kind is StepKind.AUTHN_REQUEST for s in found) or _is_idp_url(url)
        if to_idp and (error := _error_step(index, method, url, at, status, text)):
            steps.append(error)
    return steps


def read_saml_tracer(document: dict[str, Any]) -> list[Step]:
    """Every SAML message in a SAML-tracer export. It keeps no bodies and no per-request
    time: a step is judged at its response's Date header, else at the export time."""
    try:
        exported: datetime | None = parse_instant(str(document.get("timestamp", "")))
    except ValueError:
        exported = None
    steps: list[Step] = []
    for index, item in enumerate(document["requests"]):
        method, url = str(item.get("method", "GET")).upper(), str(item.get("url", ""))
        headers = _headers(item.get("responseHeaders"))
        at = exported
        if "date" in headers:
            with contextlib.suppress(TypeError, ValueError):
                at = parsedate_to_datetime(headers["date"])
        pairs = [
            (str(p[0]), str(p[1]))
            for p in item.get("post" if method == "POST" else "get") or []
            if isinstance(p, list | tuple) and len(p) == 2
        ]
        found = _saml_steps(index, method, url, at, item.get("responseStatus"), headers, "", pairs)
        if at is exported:
            found = [replace(step, notes=(*step.notes, _EXPORT_TIME)) for step in found]
        steps += found
    return steps


def _nearest_key(document: object) -> str:
    """`; did you mean "log"?` when a key is a near miss of a HAR's or SAML-tracer's."""
    if not isinstance(document, dict):
        return " (a JSON object is expected)"
    wanted = {"log": document, "requests": document}
    log = document.get("log")
    if isinstance(log, dict):
        wanted = {"entries": log}
    for key, where in wanted.items():
        near = difflib.get_close_matches(key, [str(k) for k in where], n=1, cutoff=0.6)
        if near and near[0] != key:
            return f"; {near[0]!r}: did you mean {key!r}?"
    if isinstance(log, dict):
        return "; its log has no entries list"
    return ""


def read_evidence(data: bytes) -> tuple[CaptureFormat, list[Step]]:
    """(format, steps) of a HAR, a SAML-tracer export, or one raw message (XML, base64 or a
    form body). Raises EvidenceError for anything else."""
    text = data.removeprefix(b"\xef\xbb\xbf").strip()
    if text.startswith((b"{", b"[")):
        try:
            document = json.loads(text)
        except ValueError as error:
            raise EvidenceError(f"not valid JSON ({error})") from None
        except RecursionError:
            raise EvidenceError("JSON nested too deeply to read") from None
        if (
            isinstance(document, dict)
            and isinstance(document.get("log"), dict)
            and isinstance(document["log"].get("entries"), list)
        ):
            return CaptureFormat.HAR, read_har(document)
        if isinstance(document, dict) and isinstance(document.get("requests"), list):
            return CaptureFormat.SAML_TRACER, read_saml_tracer(document)
        raise EvidenceError(
            "JSON that is neither a HAR file nor a SAML-tracer export" + _nearest_key(document)
        )
    if not text:
        raise EvidenceError("the file is empty")
    return CaptureFormat.RAW, [Step(0, StepKind.SAML_RESPONSE, "POST", "", None, body=text)]

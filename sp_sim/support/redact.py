"""Redaction for case bundles that leave the building: personal data replaced by
consistent pseudonyms across every file of a case.

Replaced: email addresses (and their domains wherever they appear), people's names,
IP addresses, cookie values, bearer tokens, the GUIDs of people's and customers' objects,
tenants and apps, and correlation IDs when asked. Kept: version strings that look like
IPv4 addresses, SAML message IDs, and Microsoft's and Mimecast's own hosts and well-known
IDs (`sp_sim.support.patterns`). Text files stay text: only a SAML message (decoded,
redacted, encoded again, so nothing survives in base64 either) and URL-encoded parameter
values are decoded. Signatures no longer verify, which is why a redacted case keeps the
verdict computed before redaction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus

from sp_sim.core.bindings import (
    Binding,
    BindingError,
    Parameter,
    decode_base64,
    encode_message,
    inflate,
)
from sp_sim.support.patterns import (
    EMAIL,
    GUID,
    IPV4,
    IPV6,
    KEEP_DOMAINS,
    PARAMETER,
    WELL_KNOWN_GUIDS,
    is_message_id,
    is_trace_id,
    is_version,
)

_SAML_PARAMETERS = frozenset(Parameter)
_TRACE_HEADERS = ("request-id", "correlation-id")


@dataclass
class Redactor:
    """Replaces what it has been told is personal, the same way in every file: one
    pseudonym map for everything one export writes."""

    names: set[str] = field(default_factory=set)
    cookies: set[str] = field(default_factory=set)
    tokens: set[str] = field(default_factory=set)
    redact_trace_ids: bool = False
    """Replace correlation and request IDs too (support needs them to ask Microsoft)."""
    trace_ids: set[str] = field(default_factory=set)
    pseudonyms: dict[str, str] = field(default_factory=dict)

    def _pseudonym(self, kind: str, value: str, make: Callable[[int], str]) -> str:
        key = f"{kind}:{value.casefold()}"
        if key not in self.pseudonyms:
            count = sum(1 for k in self.pseudonyms if k.startswith(f"{kind}:")) + 1
            self.pseudonyms[key] = make(count)
        return self.pseudonyms[key]

    def domain(self, value: str) -> str:
        lowered = value.casefold()
        if any(lowered == keep or lowered.endswith(f".{keep}") for keep in KEEP_DOMAINS):
            return value  # Mimecast's and Microsoft's own hosts are not personal
        return self._pseudonym("domain", value, lambda n: f"domain{n}.example")

    def email(self, match: re.Match[str]) -> str:
        address = match.group(0).replace("%40", "@")
        at = "%40" if "%40" in match.group(0) else "@"
        local = self._pseudonym("local", address, lambda n: f"user{n}")
        return f"{local}{at}{self.domain(match.group(1))}"

    def ip(self, match: re.Match[str]) -> str:
        return self._pseudonym("ip", match.group(0), lambda n: f"192.0.2.{(n - 1) % 254 + 1}")

    def _ipv4(self, match: re.Match[str]) -> str:
        if is_version(match.string, match.start()):  # Chrome/126.0.0.0
            return match.group(0)
        return self.ip(match)

    def _guid(self, match: re.Match[str]) -> str:
        """Object, tenant and app IDs go; Microsoft's well-known IDs, SAML message IDs and
        (unless asked) correlation IDs stay."""
        guid, text, start = match.group(0), match.string, match.start()
        if guid.lower() in WELL_KNOWN_GUIDS or is_message_id(text, start):
            return guid
        if guid.lower() in self.trace_ids or is_trace_id(text, start):
            self.trace_ids.add(guid.lower())
            if not self.redact_trace_ids:
                return guid
            return self._pseudonym(
                "correlation", guid, lambda k: f"00000000-0000-4000-8000-{k:012d}"
            )
        return self._pseudonym("guid", guid, lambda k: f"00000000-0000-4000-a000-{k:012d}")

    def learn_header(self, name: str, value: str) -> None:
        """Note a cookie, a bearer token or a request ID from one HTTP header."""
        lowered = name.lower()
        if lowered == "cookie":
            for part in value.split(";"):
                self.cookies.add(part.partition("=")[2].strip())
        elif lowered == "set-cookie":
            self.cookies.add(value.split(";", 1)[0].partition("=")[2].strip())
        elif lowered == "authorization":
            self.tokens.add(value.partition(" ")[2].strip() or value)
        elif lowered.endswith(_TRACE_HEADERS) and GUID.fullmatch(value.strip()):
            self.trace_ids.add(value.strip().lower())

    def learn_trace_ids(self, text: str) -> None:
        """Note every GUID that some text labels a correlation or request ID."""
        for match in GUID.finditer(text):
            if is_trace_id(text, match.start()):
                self.trace_ids.add(match.group(0).lower())

    def text(self, value: str) -> str:
        """Redact a string as text. A base64 SAML message (the whole string, or a URL query
        or form parameter) is decoded, redacted and encoded again; other URL-encoded
        parameter values are decoded and re-encoded only when redaction changes them."""
        decoded = _saml_base64(value)
        if decoded is not None:
            xml, binding = decoded
            return encode_message(self._plain(xml).encode(), binding)
        pieces, last = [], 0
        for match in PARAMETER.finditer(value):
            replacement = self._parameter(match.group(1), match.group(2))
            if replacement is not None:
                pieces += [self._plain(value[last : match.start(2)]), replacement]
                last = match.end(2)
        return "".join([*pieces, self._plain(value[last:])])

    def _parameter(self, name: str, raw: str) -> str | None:
        """A parameter value redacted on its own, or None to redact it with the text."""
        encoded = "%" in raw
        if name in _SAML_PARAMETERS:
            decoded = _saml_base64(unquote(raw) if encoded else raw)
            if decoded is not None:
                message = encode_message(self._plain(decoded[0]).encode(), decoded[1])
                return quote(message, safe="") if encoded else message
        if not encoded:
            return None
        plain = unquote_plus(raw)
        redacted = self._plain(plain)
        return raw if redacted == plain else quote_plus(redacted, safe="")

    def _swap(self, value: str, literal: str, kind: str, make: Callable[[int], str]) -> str:
        """Replace every occurrence of `literal` (any case) by its pseudonym."""
        if literal.casefold() not in value.casefold():
            return value
        replacement = self._pseudonym(kind, literal, make)
        return re.sub(re.escape(literal), lambda _: replacement, value, flags=re.IGNORECASE)

    def _plain(self, value: str) -> str:
        """Redact text that holds no encoded parts."""
        value = EMAIL.sub(self.email, value)
        for name in sorted(self.names, key=len, reverse=True):
            if len(name) >= 3:
                value = self._swap(value, name, "name", lambda k: f"Person {k}")
        for cookie in self.cookies:
            if len(cookie) >= 4:
                value = self._swap(value, cookie, "cookie", lambda k: f"cookie-{k}")
        for token in self.tokens:
            if len(token) >= 4:
                value = self._swap(value, token, "token", lambda k: f"token-{k}")
        # Longest first, so that mail.contoso.com keeps its own pseudonym; a subdomain of a
        # known domain (app.contoso.com) is replaced as well.
        domains = sorted((k for k in self.pseudonyms if k.startswith("domain:")), key=len)
        for key in reversed(domains):
            pattern = re.compile(
                rf"(?:(?<=%40)|(?<![\w-])){re.escape(key.split(':', 1)[1])}(?![\w-])",
                re.IGNORECASE,
            )
            value = pattern.sub(self.pseudonyms[key].replace("\\", "\\\\"), value)
        value = GUID.sub(self._guid, value)
        value = IPV6.sub(self.ip, value)
        return IPV4.sub(self._ipv4, value)

    def json(self, document: Any) -> Any:
        """Redact every string of a JSON document; cookie and auth headers first learnt."""
        self.learn(document)
        return self._walk(document)

    def learn(self, node: Any) -> None:
        """Note cookie values and tokens from headers and cookie objects anywhere inside."""
        if isinstance(node, dict):
            if isinstance(node.get("name"), str) and isinstance(node.get("value"), str):
                self.learn_header(node["name"], node["value"])
                if {"expires", "httpOnly", "path"} & node.keys():  # a HAR cookie object
                    self.cookies.add(node["value"])
            for value in node.values():
                self.learn(value)
        elif isinstance(node, list):
            if len(node) == 2 and all(isinstance(v, str) for v in node):
                self.learn_header(node[0], node[1])
            for value in node:
                self.learn(value)

    def _walk(self, node: Any) -> Any:
        if isinstance(node, dict):
            if "html" in str(node.get("mimeType", "")) and isinstance(node.get("text"), str):
                node = {**node, "text": html_summary(node["text"])}
            return {k: self._walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self._walk(v) for v in node]
        if isinstance(node, str):
            return self.text(node)
        return node

    def file(self, name: str, data: bytes) -> bytes:
        """Redact one file of a bundle by its kind."""
        text = data.decode("utf-8", "replace")
        if name.endswith((".json", ".har")):
            try:
                document = json.loads(text)
            except ValueError:
                return self.text(text).encode()
            return json.dumps(self.json(document), indent=2, ensure_ascii=False).encode()
        return self.text(text).encode()


def _saml_base64(value: str) -> tuple[str, Binding] | None:
    """(XML, the binding whose encoding it had: deflated for Redirect) when the string is a
    base64 SAML message."""
    compact = "".join(value.split())
    if len(compact) < 40 or not re.fullmatch(r"[A-Za-z0-9+/=%]+", compact):
        return None
    try:
        raw = decode_base64(compact, lenient=True)
    except BindingError:
        return None
    for binding in (Binding.POST, Binding.REDIRECT):
        try:
            xml = inflate(raw) if binding is Binding.REDIRECT else raw
            text = xml.decode("utf-8")
        except (BindingError, UnicodeDecodeError):
            continue
        if text.lstrip().startswith("<") and ("SAML" in text or "saml" in text):
            return text, binding
    return None


_TITLE = re.compile(r"<title>(.*?)</title>", re.S | re.I)
_AADSTS_LINE = re.compile(r"AADSTS\d{5,6}[^<\"]{0,300}")
_DETAIL = re.compile(r"(?:Correlation ?Id|correlationId|Timestamp|timestamp)\W{1,4}[\w:.-]+")


def html_summary(page: str) -> str:
    """What a page in a redacted capture keeps: its title, an AADSTS error line, the
    correlation ID and timestamp; pages can hold any personal data, so the rest goes."""
    kept = [f"<title>{m.group(1).strip()}</title>" for m in _TITLE.finditer(page)][:1]
    kept += [
        f"<p id=error><span id=aadsts>{m.group(0)[: len(m.group(0).split(':')[0])]}</span>"
        f"{m.group(0)[len(m.group(0).split(':')[0]) :]}</p>"
        for m in _AADSTS_LINE.finditer(page)
    ][:1]
    kept += [f"<p>{m.group(0)}</p>" for m in _DETAIL.finditer(page)]
    return "<!-- page content removed by sp-sim redaction -->" + "".join(kept)

"""Redaction for case bundles that leave the building: personal data replaced by
consistent pseudonyms across every file of a case.

Replaced: email addresses (and their domains wherever they appear), people's names,
IP addresses, cookie values, bearer tokens, and correlation IDs when asked. SAML messages
inside a capture are decoded, redacted and encoded again, so nothing survives in base64
either; their signatures no longer verify, which is why a redacted case keeps the verdict
computed before redaction.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+?(?:@|%40)([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
IPV4 = re.compile(
    r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)"
    r"(?![\d.])"
)
# Eight groups, or a "::" — so that times such as 12:00:00 are not taken for addresses.
IPV6 = re.compile(
    r"(?<![0-9A-Fa-f:])(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}"
    r"|(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,5})?"
    r"|::1)(?![0-9A-Fa-f:])"
)
GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SAML_PARAMETERS = ("SAMLRequest", "SAMLResponse")
_KEEP_DOMAINS = (
    "mimecast.com",
    "mimecast-pscom-us.com",
    "microsoftonline.com",
    "windows.net",
    "microsoft.com",
    "w3.org",
    "oasis-open.org",
    "xmlsoap.org",
)


@dataclass
class Redactor:
    """Replaces what it has been told is personal, the same way in every file."""

    names: set[str] = field(default_factory=set)
    cookies: set[str] = field(default_factory=set)
    tokens: set[str] = field(default_factory=set)
    correlation_ids: set[str] = field(default_factory=set)
    pseudonyms: dict[str, str] = field(default_factory=dict)

    def _pseudonym(self, kind: str, value: str, make: Any) -> str:
        key = f"{kind}:{value.casefold()}"
        if key not in self.pseudonyms:
            count = sum(1 for k in self.pseudonyms if k.startswith(f"{kind}:")) + 1
            self.pseudonyms[key] = make(count)
        return self.pseudonyms[key]

    def domain(self, value: str) -> str:
        lowered = value.casefold()
        if any(lowered == keep or lowered.endswith(f".{keep}") for keep in _KEEP_DOMAINS):
            return value  # Mimecast's and Microsoft's own hosts are not personal
        return self._pseudonym("domain", value, lambda n: f"domain{n}.example")

    def email(self, match: re.Match[str]) -> str:
        address = match.group(0).replace("%40", "@")
        at = "%40" if "%40" in match.group(0) else "@"
        local = self._pseudonym("local", address, lambda n: f"user{n}")
        return f"{local}{at}{self.domain(match.group(1))}"

    def ip(self, match: re.Match[str]) -> str:
        return self._pseudonym("ip", match.group(0), lambda n: f"192.0.2.{(n - 1) % 254 + 1}")

    def learn_from_cookie_header(self, name: str, value: str) -> None:
        lowered = name.lower()
        if lowered == "cookie":
            for part in value.split(";"):
                self.cookies.add(part.partition("=")[2].strip())
        elif lowered == "set-cookie":
            self.cookies.add(value.split(";", 1)[0].partition("=")[2].strip())
        elif lowered == "authorization":
            self.tokens.add(value.partition(" ")[2].strip() or value)

    def text(self, value: str) -> str:
        """Redact a string, including SAML messages and forms inside it."""
        if any(f"{p}=" in value for p in _SAML_PARAMETERS):
            value = self._form(value)
        decoded = _saml_base64(value)
        if decoded is not None:
            xml, deflated = decoded
            return _encode_saml(self._plain(xml), deflated)
        return self._plain(value)

    def _form(self, value: str) -> str:
        head, sep, query = value.partition("?") if "?" in value else ("", "", value)
        pairs = parse_qsl(query, keep_blank_values=True)
        if not pairs:
            return value
        redacted = [
            (k, self.text(v) if k in _SAML_PARAMETERS else self._plain(v)) for k, v in pairs
        ]
        return f"{self._plain(head)}{sep}{urlencode(redacted, quote_via=quote)}"

    def _swap(self, value: str, literal: str, kind: str, make: Any) -> str:
        """Replace every occurrence of `literal` (any case) by its pseudonym."""
        if literal.casefold() not in value.casefold():
            return value
        replacement = self._pseudonym(kind, literal, make)
        return re.sub(re.escape(literal), lambda _: replacement, value, flags=re.IGNORECASE)

    def _plain(self, value: str) -> str:
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
        for correlation in self.correlation_ids:
            value = self._swap(
                value, correlation, "correlation", lambda k: f"00000000-0000-4000-8000-{k:012d}"
            )
        for key in [k for k in list(self.pseudonyms) if k.startswith("domain:")]:
            domain = key.split(":", 1)[1]
            replacement = self.pseudonyms[key]
            pattern = re.compile(
                rf"(?:(?<=%40)|(?<![\w.-])){re.escape(domain)}(?![\w-])", re.IGNORECASE
            )
            value = pattern.sub(replacement.replace("\\", "\\\\"), value)
        value = IPV6.sub(self.ip, value)
        return IPV4.sub(self.ip, value)

    def json(self, document: Any) -> Any:
        """Redact every string of a JSON document; cookie and auth headers first learnt."""
        self.learn(document)
        return self._walk(document)

    def learn(self, node: Any) -> None:
        """Note cookie values and tokens from headers and cookie objects anywhere inside."""
        if isinstance(node, dict):
            if isinstance(node.get("name"), str) and isinstance(node.get("value"), str):
                self.learn_from_cookie_header(node["name"], node["value"])
                if {"expires", "httpOnly", "path"} & node.keys():  # a HAR cookie object
                    self.cookies.add(node["value"])
            for value in node.values():
                self.learn(value)
        elif isinstance(node, list):
            if len(node) == 2 and all(isinstance(v, str) for v in node):
                self.learn_from_cookie_header(node[0], node[1])
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


def _saml_base64(value: str) -> tuple[str, bool] | None:
    """(XML, was deflated) when the string is a base64 SAML message."""
    compact = "".join(value.split())
    if len(compact) < 40 or not re.fullmatch(r"[A-Za-z0-9+/=%]+", compact):
        return None
    try:
        raw = base64.b64decode(
            compact.replace("%2B", "+").replace("%2F", "/").replace("%3D", "="), validate=True
        )
    except (binascii.Error, ValueError):
        return None
    for deflated in (False, True):
        try:
            xml = zlib.decompressobj(-15).decompress(raw) if deflated else raw
            text = xml.decode("utf-8")
        except (zlib.error, UnicodeDecodeError):
            continue
        if text.lstrip().startswith("<") and ("SAML" in text or "saml" in text):
            return text, deflated
    return None


def _encode_saml(xml: str, deflated: bool) -> str:
    data = xml.encode()
    if deflated:
        compressor = zlib.compressobj(wbits=-15)
        data = compressor.compress(data) + compressor.flush()
    return base64.b64encode(data).decode()


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

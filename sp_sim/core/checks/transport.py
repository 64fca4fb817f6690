"""Transport: from what came over HTTP-POST (or what a user pasted) to XML bytes.

SAML Bindings §3.5.4: the HTTP-POST binding carries the message base64-encoded in a
form field named SAMLResponse. Users also hand us the raw XML, the bare base64 (often
wrapped), or the whole URL-encoded form body.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from urllib.parse import unquote

from sp_sim.core.bindings import BindingError, TooLarge, decode_base64, inflate
from sp_sim.core.codes import Code
from sp_sim.core.model import Finding, Hint, Side, Status
from sp_sim.core.settings import CheckSettings

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Decoded:
    """The XML, and RelayState when a form body carried one."""

    xml: bytes | None
    relay_state: str | None
    findings: tuple[Finding, ...]


_POST = "send the message with the HTTP-POST binding"
_BASE64_TEXT = frozenset(string.ascii_letters + string.digits + "+/=-_%")
"""Base64, its URL-safe form and URL-encoding: what a SAMLResponse paste may hold."""
_WHOLE = "copy the whole SAMLResponse value again (from the HAR or SAML-tracer export)"


def _fail(code: Code, message: str, observed: str | None = None, fix: str = _POST) -> Finding:
    return Finding(
        code,
        Status.FAIL,
        message,
        expected="a base64-encoded SAMLResponse (HTTP-POST binding)",
        observed=observed,
        hint=Hint(Side.SENDER, "SAMLResponse", fix),
    )


def _failed(code: Code, message: str, relay_state: str | None = None, fix: str = _POST) -> Decoded:
    return Decoded(None, relay_state, (_fail(code, message, fix=fix),))


def _not_base64(text: str, relay_state: str | None) -> Decoded:
    """Not base64: a paste cut short (its length is not a multiple of 4) says so."""
    compact = "".join(text.split())
    length, stray = len(compact), sorted(set(compact) - _BASE64_TEXT)
    if stray:
        return _failed(
            Code.TRANSPORT_NOT_BASE64,
            "SAMLResponse is not valid base64: it holds characters base64 does not use "
            f"({' '.join(repr(c) for c in stray[:5])}).",
            relay_state,
            fix=_WHOLE,
        )
    if length % 4:
        return _failed(
            Code.TRANSPORT_NOT_BASE64,
            f"SAMLResponse is not valid base64: its {length:,} characters are not a multiple "
            "of 4, so the paste was cut short or lost a character.",
            relay_state,
            fix=_WHOLE,
        )
    return _failed(
        Code.TRANSPORT_NOT_BASE64, "SAMLResponse is not valid base64.", relay_state, fix=_WHOLE
    )


def _decoded(how: str) -> Finding:
    return Finding(Code.TRANSPORT_DECODED, Status.PASS, f"Decoded from {how}.", observed=how)


_FORM_KEYS = ("SAMLResponse=", "SAMLRequest=", "RelayState=")
_FORM_JOINS = tuple(f"&{key}" for key in _FORM_KEYS)


def _looks_like_form(text: str) -> bool:
    """A form body starts with, or joins with `&`, one of the binding's field names: a
    substring test (base64 holds neither `=` mid-string nor `&`), not a regex scan."""
    return text.startswith(_FORM_KEYS) or any(join in text for join in _FORM_JOINS)


def _form_field(text: str) -> tuple[str | None, str | None, bool]:
    """(SAMLResponse, RelayState, looked like a form) from `a=b&c=d` text."""
    text = text.strip()
    if not _looks_like_form(text):
        return None, None, False
    fields = form_fields(text)
    relay = fields.get("RelayState")
    value = fields.get("SAMLResponse")
    # A form decoder turns an unescaped '+' into a space; base64 never holds a space.
    if value is not None and " " in value:
        value = value.replace(" ", "+")
    return value, relay, True


_BASE64_ESCAPES = (
    ("%2B", "+"),
    ("%2b", "+"),
    ("%2F", "/"),
    ("%2f", "/"),
    ("%3D", "="),
    ("%3d", "="),
)


def form_fields(text: str) -> dict[str, str]:
    """The first value of each field of an `application/x-www-form-urlencoded` body, as
    `parse_qs(text, keep_blank_values=True)` reads it, but a base64 value whose only
    escapes are `%2B %2F %3D` is unescaped by `str.replace` (C speed) instead of
    `unquote`'s Python loop: the SAMLResponse of every IdP's auto-post form."""
    fields: dict[str, str] = {}
    for part in text.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        name = unquote(name.replace("+", " "))
        if name in fields:
            continue
        spaced = value.replace("+", " ") if "+" in value else value
        fast = spaced
        for escaped, plain in _BASE64_ESCAPES:
            if escaped in fast:  # a search is cheaper than a replace that copies
                fast = fast.replace(escaped, plain)
        fields[name] = fast if "%" not in fast else unquote(spaced)
    return fields


def decode_transport(data: bytes, settings: CheckSettings) -> Decoded:
    """Decode, and say how; never raises on what the sender controls."""
    body = data.removeprefix(_BOM).strip()
    if not body:
        return _failed(Code.TRANSPORT_EMPTY, "Nothing was received.")
    if len(body) > settings.max_message_bytes:
        too_large = _fail(
            Code.TRANSPORT_TOO_LARGE,
            f"The message is {len(body):,} bytes; the limit is {settings.max_message_bytes:,}.",
            observed=f"{len(body):,} bytes",
        )
        return Decoded(None, None, (too_large,))
    if body.startswith(b"<"):
        return Decoded(body, None, (_decoded("raw XML"),))
    return _decode_text(body.decode("latin-1"), settings)


def _decode_text(text: str, settings: CheckSettings) -> Decoded:
    """Bindings §3.5.4: the base64 of a form field, or the bare base64 a user pasted."""
    value, relay_state, is_form = _form_field(text)
    if is_form and value is None:
        return _failed(
            Code.TRANSPORT_NO_SAML_RESPONSE, "The form has no SAMLResponse field.", relay_state
        )
    try:
        raw = decode_base64(value if value is not None else text, lenient=True)
    except BindingError:
        return _not_base64(value if value is not None else text, relay_state)
    if raw.lstrip(_BOM + b" \t\r\n").startswith(b"<"):
        return Decoded(raw, relay_state, (_decoded("form body, base64" if is_form else "base64"),))
    return _inflated(raw, relay_state, settings)


def _inflated(raw: bytes, relay_state: str | None, settings: CheckSettings) -> Decoded:
    """A deflated message is the Redirect binding's, not a Response's; it is still read (up
    to the size limit) so that the checks below say what else is wrong."""
    try:
        inflated = inflate(raw, settings.max_message_bytes)
    except TooLarge as error:
        inflated = error.head
    except BindingError:
        inflated = b""
    if not inflated.lstrip().startswith(b"<"):
        return _failed(
            Code.TRANSPORT_NOT_BASE64,
            "The base64 decodes to something that is not XML.",
            relay_state,
            fix="send the SAMLResponse as posted: the base64 of the Response XML",
        )
    deflated = _fail(
        Code.TRANSPORT_DEFLATED,
        "The message is deflated, as the HTTP-Redirect binding does; a Response must "
        "come by HTTP-POST, plain base64. The XML inside is checked below.",
        observed="deflate + base64",
    )
    return Decoded(inflated, relay_state, (deflated,))

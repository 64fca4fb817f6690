"""Transport: from what came over HTTP-POST (or what a user pasted) to XML bytes.

SAML Bindings §3.5.4: the HTTP-POST binding carries the message base64-encoded in a
form field named SAMLResponse. Users also hand us the raw XML, the bare base64 (often
wrapped), or the whole URL-encoded form body.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote

from sp_sim.core.codes import Code
from sp_sim.core.model import Finding, Hint, Side, Status
from sp_sim.core.settings import CheckSettings


@dataclass(frozen=True)
class Decoded:
    """The XML, and RelayState when a form body carried one."""

    xml: bytes | None
    relay_state: str | None
    findings: tuple[Finding, ...]


def _fail(code: Code, message: str, observed: str | None = None) -> Finding:
    return Finding(
        code,
        Status.FAIL,
        message,
        expected="a base64-encoded SAMLResponse (HTTP-POST binding)",
        observed=observed,
        hint=Hint(Side.SENDER, "SAMLResponse", "send the message with the HTTP-POST binding"),
    )


_FORM_KEYS = re.compile(r"(?:^|&)(?:SAMLResponse|SAMLRequest|RelayState)=")


def _form_field(text: str) -> tuple[str | None, str | None, bool]:
    """(SAMLResponse, RelayState, looked like a form) from `a=b&c=d` text."""
    if not _FORM_KEYS.search(text.strip()):
        return None, None, False
    fields = parse_qs(text.strip(), keep_blank_values=True)
    relay = fields.get("RelayState", [None])[0]
    value = fields.get("SAMLResponse", [None])[0]
    # A form decoder turns an unescaped '+' into a space; base64 never holds a space.
    return (None if value is None else value.replace(" ", "+")), relay, True


def _b64decode(text: str) -> bytes | None:
    compact = "".join(text.split())
    if "%" in compact:
        compact = unquote(compact)
    compact = compact.replace("-", "+").replace("_", "/")
    compact += "=" * (-len(compact) % 4)
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None


def decode_transport(data: bytes, settings: CheckSettings) -> Decoded:
    """Decode, and say how; never raises on what the sender controls."""
    body = data.removeprefix(b"\xef\xbb\xbf").strip()
    if not body:
        return Decoded(None, None, (_fail(Code.TRANSPORT_EMPTY, "Nothing was received."),))
    if len(body) > settings.max_message_bytes:
        return Decoded(
            None,
            None,
            (
                _fail(
                    Code.TRANSPORT_TOO_LARGE,
                    f"The message is {len(body):,} bytes; the limit is "
                    f"{settings.max_message_bytes:,}.",
                    observed=f"{len(body):,} bytes",
                ),
            ),
        )
    if body.startswith(b"<"):
        return Decoded(body, None, (_decoded("raw XML"),))
    text = body.decode("latin-1")
    value, relay_state, is_form = _form_field(text)
    if is_form and value is None:
        return Decoded(
            None,
            relay_state,
            (_fail(Code.TRANSPORT_NO_SAML_RESPONSE, "The form has no SAMLResponse field."),),
        )
    how = "form body, base64" if is_form else "base64"
    raw = _b64decode(value if value is not None else text)
    if raw is None:
        return Decoded(
            None,
            relay_state,
            (_fail(Code.TRANSPORT_NOT_BASE64, "SAMLResponse is not valid base64."),),
        )
    if raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return Decoded(raw, relay_state, (_decoded(how),))
    try:
        inflated = zlib.decompressobj(-15).decompress(raw, settings.max_message_bytes)
    except zlib.error:
        inflated = b""
    if inflated.lstrip().startswith(b"<"):
        deflated = _fail(
            Code.TRANSPORT_DEFLATED,
            "The message is deflated, as the HTTP-Redirect binding does; a Response must "
            "come by HTTP-POST, plain base64. The XML inside is checked below.",
            observed="deflate + base64",
        )
        return Decoded(inflated, relay_state, (deflated,))
    return Decoded(
        None,
        relay_state,
        (_fail(Code.TRANSPORT_NOT_BASE64, "The base64 decodes to something that is not XML."),),
    )


def _decoded(how: str) -> Finding:
    return Finding(Code.TRANSPORT_DECODED, Status.PASS, f"Decoded from {how}.", observed=how)

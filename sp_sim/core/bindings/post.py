"""The HTTP-POST binding (SAML Bindings §3.5): the message base64-encoded in a form field,
and the page that makes the browser post it.

"The HTTP-POST binding defines a mechanism by which SAML protocol messages may be
transmitted within the base64-encoded content of an HTML form control" (§3.5.1); the
form is submitted by script, with a button for a browser without it (§3.5.4).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from lxml import html as lxml_html

from sp_sim.core.bindings.encoding import decode_message, encode_message
from sp_sim.core.bindings.model import Binding, Parameter, binding_fields, message_parameter


def post_fields(
    xml: bytes, relay_state: str | None = None, parameter: Parameter = Parameter.REQUEST
) -> dict[str, str]:
    """The form fields that carry a message by HTTP-POST: the message, then RelayState."""
    fields = {str(parameter): encode_message(xml, Binding.POST)}
    if relay_state is not None:
        fields["RelayState"] = relay_state
    return fields


@dataclass(frozen=True)
class PostMessage:
    """One HTTP-POST message as received: which parameter, the decoded XML, RelayState."""

    parameter: Parameter
    xml: bytes
    relay_state: str | None


def read_post_form(pairs: Iterable[tuple[str, str]]) -> PostMessage:
    """Read a posted form's fields, in order: exactly one message parameter, each binding
    parameter once, the message base64. Raises BindingError naming what is wrong."""
    found = binding_fields(pairs, "form")
    parameter = message_parameter(found)
    xml = decode_message(found[parameter], Binding.POST)
    return PostMessage(parameter, xml, found.get("RelayState"))


def autopost(action: str, fields: dict[str, str]) -> str:
    """The page that carries a SAML message to `action` by HTTP-POST: submitted by script,
    with a Submit button when script is off, every value escaped."""
    inputs = "".join(
        f'<input type=hidden name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items()
    )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Working...</title>"
        f'</head><body><form method=post action="{escape(action)}">{inputs}'
        "<noscript><p>Script is disabled. Click Submit to continue.</p>"
        "<button type=submit>Submit</button></noscript></form>"
        "<script>document.forms[0].submit()</script></body></html>"
    )


@dataclass(frozen=True)
class AutoPost:
    """The form an auto-POST page submits: where, and its hidden fields."""

    action: str
    fields: dict[str, str]


def read_autopost(text: str) -> AutoPost | None:
    """The form an auto-POST page would submit, or None when the page has none; for flow
    drivers and tests that play the browser."""
    document = lxml_html.document_fromstring(text)
    form = next(document.iter("form"), None)
    if form is None or form.get("method", "").upper() != "POST":
        return None
    fields = {
        i.get("name", ""): i.get("value", "")
        for i in form.iter("input")
        if i.get("type") == "hidden" and i.get("name")
    }
    return AutoPost(form.get("action", ""), fields)

"""The HTTP-POST binding's page: a form that carries a SAML message to the other side, and
a reader of such pages for flow drivers and tests that play the browser."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from lxml import html as lxml_html


def autopost(action: str, fields: dict[str, str]) -> str:
    """The page that carries a SAML message to `action` by HTTP-POST."""
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
    action: str
    fields: dict[str, str]


def read_autopost(text: str) -> AutoPost | None:
    """The form an auto-POST page would submit, or None when the page has none."""
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

"""What redaction recognises in text: email addresses, IP addresses, GUIDs, URL query and
form parameters — and what it must leave alone: version strings that look like IPv4
addresses, SAML message IDs, correlation IDs (unless asked), and the well-known IDs and
hosts of Microsoft and Mimecast themselves, which say nothing about a person or customer.
"""

from __future__ import annotations

import re

# The local part never starts with a quote or dot (so 'B.Simon@x' is B.Simon@x), and never
# starts right after a %XX escape (so email%3DB.Simon%40x is B.Simon@x).
EMAIL = re.compile(
    r"(?<!%)(?<!%[0-9A-Fa-f])[A-Za-z0-9_+-][A-Za-z0-9._+'-]*(?:@|%40)"
    r"([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
)
# Not inside a longer token (v1.2.3.4, 1.2.3.4.5), but right after a %XX escape it may be.
IPV4 = re.compile(
    r"(?:(?<![\w.])|(?<=%[0-9A-Fa-f]{2}))"
    r"(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\w.])"
)
# Eight groups, or a "::" — so that times such as 12:00:00 are not taken for addresses.
IPV6 = re.compile(
    r"(?<![0-9A-Fa-f:])(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}"
    r"|(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,5})?"
    r"|::1)(?![0-9A-Fa-f:])"
)
GUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9A-Fa-f])"
)
# name=value in a URL query or a form body; the value up to the next separator.
PARAMETER = re.compile(r"(?:^|(?<=[?&]))([A-Za-z_][\w.-]*)=([^&\s\"'<>#]*)")
_TRACE_LABEL = re.compile(
    r"(?:correlation|request|trace)(?:[ _-]?id)?\W{1,4}$|(?:correlation|request)-id\W+value\W+$",
    re.IGNORECASE,
)

WELL_KNOWN_GUIDS: dict[str, str] = {
    # Microsoft's own IDs, the same in every customer's evidence: they identify Microsoft
    # and its first-party apps, not a person or a customer.
    "f8cdef31-a31e-4b4a-93e4-5f571e91255a": "Microsoft Services tenant (first-party apps' owner)",
    "72f988bf-86f1-41af-91ab-2d7cd011db47": "Microsoft's own corporate tenant",
    "9188040d-6c67-4c5b-b112-36a304b66dad": "the Microsoft account (consumers) tenant",
    "00000003-0000-0000-c000-000000000000": "Microsoft Graph (first-party app)",
    "00000002-0000-0000-c000-000000000000": "Azure AD Graph (first-party app)",
    "e1fe6dd8-ba31-4d61-89e7-88639da4683d": "Microsoft Graph's User.Read permission",
    "00000000-0000-0000-0000-000000000000": "the nil GUID",
    # Mimecast publishes no GUIDs that appear in this evidence: its own identifiers are
    # account codes and hosts, which are kept (see KEEP_DOMAINS).
}
"""GUIDs that are kept, with what each is. Every other GUID is taken to name a person's
or customer's object, tenant or app, and replaced."""

KEEP_DOMAINS = (
    "mimecast.com",
    "mimecast-pscom-us.com",
    "microsoftonline.com",
    "windows.net",
    "microsoft.com",
    "w3.org",
    "oasis-open.org",
    "xmlsoap.org",
)
"""Hosts under these domains are Mimecast's, Microsoft's or a standard's: not personal."""


def is_version(text: str, start: int) -> bool:
    """Whether the IPv4-shaped match at `start` is a version, as in Chrome/126.0.0.0: right
    after a single '/' (or '%2F'). After '//' (a URL's host) it is an address."""
    before = text[max(0, start - 6) : start].casefold()
    if before.endswith(("//", "%2f%2f")):
        return False
    return before.endswith(("/", "%2f"))


def is_message_id(text: str, start: int) -> bool:
    """Entra's SAML message IDs are '_' and a GUID: random per message, never personal."""
    return start > 0 and text[start - 1] == "_"


def is_trace_id(text: str, start: int) -> bool:
    """Whether the GUID at `start` follows a correlation or request ID label (Entra's error
    page, a report, an x-ms-request-id header)."""
    return _TRACE_LABEL.search(text[max(0, start - 40) : start]) is not None

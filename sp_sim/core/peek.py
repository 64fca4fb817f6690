"""Read the NameID of a response without trusting it, to pick the profile to verify with.

Mimecast finds the user, then the user's profile, then verifies with that profile's
certificate; the engine then judges everything again from the signed view.
"""

from __future__ import annotations

from lxml import etree

from sp_sim.core.checks.transport import decode_transport
from sp_sim.core.settings import CheckSettings
from sp_sim.core.xml import ASSERTION, UnsafeXML, parse_untrusted, qname, text_of

_NAME_ID_PATH = "/".join(qname(ASSERTION, t) for t in ("Assertion", "Subject", "NameID"))


def peek_name_id(data: bytes) -> str | None:
    """The top-level Assertion's NameID, unverified; None when there is none or nothing parses."""
    decoded = decode_transport(data, CheckSettings())
    if decoded.xml is None:
        return None
    try:
        root = parse_untrusted(decoded.xml)
    except (UnsafeXML, etree.XMLSyntaxError):
        return None
    return text_of(root.find(_NAME_ID_PATH))

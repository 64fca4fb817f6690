"""Hardened XML parsing, the SAML namespaces, and the algorithm URIs.

Every parse in sp-sim goes through `parse_untrusted`: no DTD loading, no entity
expansion, no network, no huge trees. A DOCTYPE is reported by the caller, never
acted on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from lxml import etree

from sp_sim.core.errors import SpSimError

PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion"
METADATA = "urn:oasis:names:tc:SAML:2.0:metadata"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
XENC = "http://www.w3.org/2001/04/xmlenc#"

STATUS_SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"


def qname(namespace: str, local: str) -> str:
    """Clark notation: `{namespace}local`."""
    return f"{{{namespace}}}{local}"


class SignatureAlgorithm(StrEnum):
    RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
    RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    RSA_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
    RSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
    RSA_PSS_SHA256 = "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1"


class DigestAlgorithm(StrEnum):
    SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
    SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
    SHA384 = "http://www.w3.org/2001/04/xmldsig-more#sha384"
    SHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"

    @property
    def hashlib_name(self) -> str:
        return self.name.lower()


class Transform(StrEnum):
    ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
    EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
    EXC_C14N_COMMENTS = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
    C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"


SHA1_ALGORITHMS = {SignatureAlgorithm.RSA_SHA1.value, DigestAlgorithm.SHA1.value}

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_blank_text=False,
)


class UnsafeXML(SpSimError, ValueError):
    """The document declares a DTD (entities, external references)."""


def parse_untrusted(data: bytes) -> etree._Element:
    """Parse bytes from outside with every dangerous feature off.

    Raises `etree.XMLSyntaxError` for malformed input and `UnsafeXML` when the
    document carries a DOCTYPE; callers turn both into findings.
    """
    root = etree.fromstring(data, _PARSER)
    docinfo: Any = root.getroottree().docinfo  # lxml-stubs lack DocInfo.doctype
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise UnsafeXML("the document has a DOCTYPE")
    return root


_STRING_VALUE = etree.XPath("string()")


def text_of(element: etree._Element | None) -> str | None:
    """An element's whole text, comments and processing instructions skipped.

    `element.text` stops at the first comment, which is how `user@evil.com<!---->.contoso.com`
    truncation attacks work; this joins every text node instead.
    """
    if element is None:
        return None
    return str(_STRING_VALUE(element)).strip()


def _normalised(text: str) -> str:
    """A lower-case `z`, or an odd fraction, in the form fromisoformat reads."""
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    if "." in text:
        head, _, rest = text.partition(".")
        digits = "".join(c for c in rest if c.isdigit())
        zone = rest[len(digits) :]
        text = f"{head}.{digits[:6].ljust(6, '0')}{zone}"
    return text


def parse_instant(value: str) -> datetime:
    """An xs:dateTime as SAML uses it (UTC, `Z`, optional fraction) to an aware datetime."""
    text = value.strip()
    try:  # Python 3.11 reads `Z` and any number of fraction digits itself: the common case
        instant = datetime.fromisoformat(text)
    except ValueError:
        instant = datetime.fromisoformat(_normalised(text))
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    try:
        return instant.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{value!r} is outside the range of dates") from None


def format_instant(instant: datetime) -> str:
    """An aware datetime as SAML writes it: UTC with milliseconds and `Z`."""
    utc = instant.astimezone(UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="milliseconds") + "Z"

"""NameID: which Mimecast address the assertion signs in, and through which profile.

Mimecast finds the user by the NameID, which must be a primary address in its internal
directory, under a registered domain (compared case-insensitively). Entra's default
NameID is user.userprincipalname; when the chosen source attribute is empty it sends a
persistent pairwise ID instead. Other IdPs send a transient or persistent pseudonym when
asked for one; the hints name Entra's settings only when the provider is Entra. The text
is read whole (`text_of`), so a comment inside the NameID cannot truncate it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from lxml import etree

from sp_sim.core.codes import Code
from sp_sim.core.mimecast import parse_mimecast_url
from sp_sim.core.model import Finding, Hint, Side, Status
from sp_sim.core.settings import Address, CheckSettings, Directory
from sp_sim.core.wording import Wording
from sp_sim.core.xml import ASSERTION, qname, text_of

CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
SOURCE_ATTRIBUTES = {
    f"{CLAIMS}emailaddress": "user.mail",
    f"{CLAIMS}name": "user.userprincipalname",
    f"{CLAIMS}upn": "user.userprincipalname",
    "http://schemas.microsoft.com/identity/claims/objectidentifier": "user.objectid",
}
OPAQUE_FORMATS = {
    "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
    "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
}
_LOCATION = "/Response/Assertion/Subject/NameID"
_CHOOSE_MAIL = {True: "choose user.mail", False: "send the user's email address"}
_ANY_ATTRIBUTE = {True: " (or another attribute holding it)", False: " (from any attribute)"}


class _FindingMaker(Protocol):
    def __call__(
        self,
        code: Code,
        status: Status,
        message: str,
        expected: str | None = ...,
        hint: Hint | None = ...,
    ) -> Finding: ...


@dataclass(frozen=True)
class Subject:
    """The NameID as read, and the address it maps to (when it does)."""

    name_id: str | None
    address: Address | None


def claims(assertion: etree._Element) -> dict[str, list[str]]:
    """Attribute name → values, from every AttributeStatement."""
    found: dict[str, list[str]] = {}
    path = f"{qname(ASSERTION, 'AttributeStatement')}/{qname(ASSERTION, 'Attribute')}"
    for attribute in assertion.iterfind(path):
        values = [text_of(v) or "" for v in attribute.iterfind(qname(ASSERTION, "AttributeValue"))]
        found.setdefault(attribute.get("Name", ""), []).extend(values)
    return found


def _matching_claim(assertion: etree._Element, directory: Directory) -> tuple[str, Address] | None:
    for name, values in claims(assertion).items():
        for value in values:
            address = directory.find(value)
            if address is not None:
                return name, address
    return None


def check_nameid(
    assertion: etree._Element, settings: CheckSettings, covered: bool
) -> tuple[Subject, Finding]:
    """Map the NameID to a directory address, explaining the usual failures."""
    element = assertion.find(f"{qname(ASSERTION, 'Subject')}/{qname(ASSERTION, 'NameID')}")
    value = text_of(element)
    name_format = "" if element is None else element.get("Format", "(no Format)")
    wording = settings.wording

    def finding(
        code: Code,
        status: Status,
        message: str,
        expected: str | None = None,
        hint: Hint | None = None,
    ) -> Finding:
        return Finding(
            code,
            status,
            message,
            expected=expected,
            observed=f"{value} ({name_format})" if value else None,
            hint=hint,
            location=_LOCATION,
            covered_by_signature=covered,
        )

    if not value:
        return Subject(None, None), finding(
            Code.NAMEID_MISSING,
            Status.FAIL,
            "The assertion has no NameID.",
            "the user's primary email address",
            Hint(wording.app, wording.name_id, _CHOOSE_MAIL[wording.entra]),
        )
    directory = settings.directory
    if directory is None and _mimecast_entity(settings) and not _address_shaped(value, name_format):
        return Subject(value, None), finding(
            Code.NAMEID_OPAQUE_ID,
            Status.FAIL,
            f"NameID {value!r} ({name_format}) is not an email address; Mimecast finds users "
            "by their primary address, so no directory is needed to know it fails.",
            "the user's primary email address",
            Hint(
                wording.app,
                wording.name_id,
                _CHOOSE_MAIL[wording.entra] + _ANY_ATTRIBUTE[wording.entra],
            ),
        )
    if directory is None:
        return Subject(value, None), finding(
            Code.NAMEID_SKIPPED,
            Status.SKIPPED,
            f"NameID is {value!r}; no directory is configured, so it was not mapped.",
        )
    address = directory.find(value)
    if address is not None:
        return Subject(value, address), finding(
            Code.NAMEID_MAPPED,
            Status.PASS,
            f"NameID {value!r} is the directory address {address.email}.",
            address.email,
        )
    return Subject(value, None), _explain(
        value, name_format, assertion, directory, finding, wording
    )


_PAIRWISE = (
    "Entra: a pairwise ID when the Unique User Identifier's source attribute, often "
    "user.mail, is empty"
)
_NO_MAIL = {
    True: Hint(
        Side.ENTRA_USER,
        "mail",
        "give the user a mail address, or choose a source attribute "
        "that is an address Mimecast knows",
    ),
    False: Hint(
        Side.IDP_USER,
        "email address",
        "give the user an email address, or send an attribute that is an address "
        "Mimecast knows as the NameID",
    ),
}
TRANSIENT_FORMAT = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _mimecast_entity(settings: CheckSettings) -> bool:
    """The SP is a Mimecast account: its entity ID is a regional /sso/<code> URL."""
    if not settings.entity_id:
        return False
    url = parse_mimecast_url(settings.entity_id)
    return url.region is not None and bool(url.account_code)


def _address_shaped(value: str, name_format: str) -> bool:
    """Could be a mailbox address: a transient ID never is, whatever it looks like."""
    return name_format != TRANSIENT_FORMAT and bool(_ADDRESS.match(value))


def check_name_qualifier(
    assertion: etree._Element, settings: CheckSettings, covered: bool
) -> list[Finding]:
    """A NameID SPNameQualifier, when there is one, must be this SP's entity ID (Core §2.2.2)."""
    element = assertion.find(f"{qname(ASSERTION, 'Subject')}/{qname(ASSERTION, 'NameID')}")
    qualifier = None if element is None else element.get("SPNameQualifier")
    if qualifier is None or not settings.entity_id:
        return []
    location = f"{_LOCATION}/@SPNameQualifier"
    if qualifier == settings.entity_id:
        return [
            Finding(
                Code.NAMEID_MAPPED,
                Status.PASS,
                "NameID SPNameQualifier is this entity ID.",
                expected=settings.entity_id,
                observed=qualifier,
                location=location,
                covered_by_signature=covered,
            )
        ]
    return [
        Finding(
            Code.NAMEID_SP_NAME_QUALIFIER,
            Status.FAIL,
            f"NameID SPNameQualifier is {qualifier!r}: the identifier was issued for another "
            "SP, not this entity ID.",
            expected=settings.entity_id,
            observed=qualifier,
            hint=Hint(
                settings.wording.app,
                settings.wording.name_id,
                "issue the NameID for this app's Identifier"
                if settings.wording.entra
                else "issue the NameID for this SP's entity ID",
            ),
            location=location,
            covered_by_signature=covered,
        )
    ]


def _explain(
    value: str,
    name_format: str,
    assertion: etree._Element,
    directory: Directory,
    finding: _FindingMaker,
    wording: Wording,
) -> Finding:
    other = _matching_claim(assertion, directory)
    switch = None
    if other is not None:
        claim, address = other
        source = f"the attribute behind {claim}"
        if wording.entra:
            source = SOURCE_ATTRIBUTES.get(claim, source)
        switch = Hint(
            wording.app,
            wording.name_id,
            f"choose {source}: the claim {claim} carries {address.email}, which "
            "is in the directory",
        )
    expected = "a primary address in the Mimecast directory"
    if name_format in OPAQUE_FORMATS or "@" not in value:
        return finding(
            Code.NAMEID_OPAQUE_ID,
            Status.FAIL,
            f"NameID {value!r} is an opaque ID (a transient or persistent pseudonym), not an "
            "email address. An IdP sends one when the NameID's source is empty for this user "
            f"or its format asks for a pseudonym{wording.aside(_PAIRWISE)}.",
            expected,
            switch or _NO_MAIL[wording.entra],
        )
    domain = value.rsplit("@", 1)[1].lower()
    if switch is not None:
        return finding(
            Code.NAMEID_UPN_NOT_ADDRESS,
            Status.FAIL,
            f"NameID {value!r} (probably the UPN) is not the user's Mimecast address; "
            "the IdP signs the user in, Mimecast cannot find them.",
            expected,
            switch,
        )
    if not directory.has_domain(domain):
        return finding(
            Code.NAMEID_UNREGISTERED_DOMAIN,
            Status.FAIL,
            f"The domain {domain!r} is not registered in the Mimecast directory.",
            expected,
            Hint(
                Side.MIMECAST_DIRECTORY,
                "Domains",
                f"register {domain} and add the address, or send the user's primary "
                "address as NameID",
            ),
        )
    return finding(
        Code.NAMEID_UNKNOWN_ADDRESS,
        Status.FAIL,
        f"{domain} is registered, but there is no address {value!r} in the directory.",
        expected,
        Hint(
            Side.MIMECAST_DIRECTORY,
            "Internal Directory › addresses",
            f"add {value}, or send the user's primary address as NameID",
        ),
    )

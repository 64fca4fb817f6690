"""SAML federation metadata of an identity provider, as Entra publishes it.

Entra's document carries an enveloped signature, two WS-Federation RoleDescriptors
before the IDPSSODescriptor, and signing certificates in several KeyDescriptors;
it may begin with a UTF-8 BOM. Only what an SP's Import button fills is read.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from sp_sim.core.errors import ConfigError
from sp_sim.core.xml import DSIG, METADATA, UnsafeXML, parse_untrusted, qname, text_of

# Binding URIs as metadata writes them (core.bindings.Binding.uri gives the same; this
# module cannot import bindings, which needs certificates, which read metadata).
REDIRECT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
POST_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"


class MetadataError(ConfigError, ValueError):
    """The document is not usable IdP metadata."""


@dataclass(frozen=True)
class IdpMetadata:
    """What a metadata import gives a Mimecast authentication profile."""

    entity_id: str
    single_sign_on: dict[str, str]
    single_logout: dict[str, str]
    signing_certificates: tuple[str, ...]

    @property
    def login_url(self) -> str | None:
        return self.single_sign_on.get(REDIRECT_BINDING) or self.single_sign_on.get(POST_BINDING)

    @property
    def logout_url(self) -> str | None:
        return self.single_logout.get(REDIRECT_BINDING) or self.single_logout.get(POST_BINDING)


def _endpoints(descriptor: etree._Element, tag: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for endpoint in descriptor.iterchildren(qname(METADATA, tag)):
        binding, location = endpoint.get("Binding"), endpoint.get("Location")
        if binding and location:
            found.setdefault(binding, location)
    return found


def _signing_certificates(root: etree._Element) -> tuple[str, ...]:
    """Base64 of every certificate in a KeyDescriptor meant for signing, in document order."""
    seen: dict[str, None] = {}
    for key_descriptor in root.iter(qname(METADATA, "KeyDescriptor")):
        if key_descriptor.get("use", "signing") != "signing":
            continue
        for element in key_descriptor.iter(qname(DSIG, "X509Certificate")):
            text = "".join((text_of(element) or "").split())
            if text:
                seen.setdefault(text, None)
    return tuple(seen)


def parse_idp_metadata(data: bytes) -> IdpMetadata:
    """Read an EntityDescriptor (or the first IdP in an EntitiesDescriptor)."""
    try:
        root = parse_untrusted(data.removeprefix(b"\xef\xbb\xbf").strip())
    except UnsafeXML:
        raise MetadataError("metadata with a DOCTYPE is refused") from None
    except etree.XMLSyntaxError as error:
        raise MetadataError(f"metadata is not well-formed XML ({error})") from None
    if root.tag == qname(METADATA, "EntitiesDescriptor"):
        candidates = [
            e
            for e in root.iter(qname(METADATA, "EntityDescriptor"))
            if e.find(qname(METADATA, "IDPSSODescriptor")) is not None
        ]
        if not candidates:
            raise MetadataError("no EntityDescriptor with an IDPSSODescriptor")
        root = candidates[0]
    if root.tag != qname(METADATA, "EntityDescriptor"):
        raise MetadataError(f"root element is {root.tag}, not md:EntityDescriptor")
    entity_id = root.get("entityID")
    if not entity_id:
        raise MetadataError("EntityDescriptor has no entityID")
    idp = root.find(qname(METADATA, "IDPSSODescriptor"))
    return IdpMetadata(
        entity_id=entity_id,
        single_sign_on={} if idp is None else _endpoints(idp, "SingleSignOnService"),
        single_logout={} if idp is None else _endpoints(idp, "SingleLogoutService"),
        signing_certificates=_signing_certificates(root),
    )

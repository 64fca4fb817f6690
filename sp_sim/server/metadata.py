"""SP metadata for "Upload metadata file" in Entra, and the profile's metadata Import."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import aiohttp
from lxml import etree

from sp_sim.core.certs import CertificateError, certificate_from_base64, unique
from sp_sim.core.metadata import POST_BINDING, REDIRECT_BINDING, parse_idp_metadata
from sp_sim.core.xml import METADATA, qname
from sp_sim.tenant import AuthenticationProfile

MAX_METADATA_BYTES = 1024 * 1024
_NSMAP: Any = {None: METADATA}
EMAIL_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"


class ImportFailed(ValueError):
    """The metadata could not be fetched or read; the message says why."""


def sp_metadata(entity_id: str, acs_url: str, slo_url: str) -> bytes:
    """An SPSSODescriptor naming the entity ID, the ACS (HTTP-POST) and the SLO endpoint."""
    root = etree.Element(qname(METADATA, "EntityDescriptor"), entityID=entity_id, nsmap=_NSMAP)
    sp = etree.SubElement(
        root,
        qname(METADATA, "SPSSODescriptor"),
        {
            "AuthnRequestsSigned": "false",
            "WantAssertionsSigned": "true",
            "protocolSupportEnumeration": "urn:oasis:names:tc:SAML:2.0:protocol",
        },
    )
    etree.SubElement(
        sp, qname(METADATA, "SingleLogoutService"), Binding=REDIRECT_BINDING, Location=slo_url
    )
    etree.SubElement(sp, qname(METADATA, "NameIDFormat")).text = EMAIL_FORMAT
    etree.SubElement(
        sp,
        qname(METADATA, "AssertionConsumerService"),
        Binding=POST_BINDING,
        Location=acs_url,
        index="0",
        isDefault="true",
    )
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


async def fetch_metadata(url: str) -> bytes:
    """GET a metadata URL, like the profile's Import button. Raises ImportFailed."""
    if not url.startswith(("http://", "https://")):
        raise ImportFailed(f"{url!r} is not an http(s) URL")
    try:
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as got:
            if got.status != 200:
                raise ImportFailed(f"{url} answered HTTP {got.status}")
            body = await got.content.read(MAX_METADATA_BYTES + 1)
    except (aiohttp.ClientError, TimeoutError) as error:
        raise ImportFailed(f"cannot fetch {url}: {error or type(error).__name__}") from None
    if len(body) > MAX_METADATA_BYTES:
        raise ImportFailed(f"{url} sent more than {MAX_METADATA_BYTES:,} bytes")
    return body


def import_metadata(
    profile: AuthenticationProfile, data: bytes, metadata_url: str | None = None
) -> AuthenticationProfile:
    """Fill Issuer, Login URL, Logout URL and certificates from IdP metadata, as Import does."""
    try:
        metadata = parse_idp_metadata(data)
        certificates = tuple(
            certificate_from_base64(c, "metadata") for c in metadata.signing_certificates
        )
    except (ValueError, CertificateError) as error:
        raise ImportFailed(str(error)) from None
    if not certificates:
        raise ImportFailed("the metadata has no signing certificate")
    return replace(
        profile,
        issuer_url=metadata.entity_id,
        login_url=metadata.login_url or profile.login_url,
        logout_url=metadata.logout_url or profile.logout_url,
        metadata_url=metadata_url or profile.metadata_url,
        certificates=unique(certificates),
    )

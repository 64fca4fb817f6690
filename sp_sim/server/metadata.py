"""SP metadata for "Upload metadata file" in Entra, and the profile's metadata Import."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import aiohttp
from lxml import etree
from yarl import URL

from sp_sim.core.certs import CertificateError, certificate_from_base64, unique
from sp_sim.core.errors import SpSimError
from sp_sim.core.metadata import POST_BINDING, REDIRECT_BINDING, parse_idp_metadata
from sp_sim.core.xml import METADATA, qname
from sp_sim.tenant import AuthenticationProfile

MAX_METADATA_BYTES = 1024 * 1024
FETCH_TIMEOUT = 10.0
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_NSMAP: Any = {None: METADATA}
EMAIL_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"


class ImportFailed(SpSimError, ValueError):
    """The metadata could not be fetched or read; the message says why. (A ValueError too,
    as callers have long caught it.)"""


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


async def fetch_metadata(
    url: str, *, timeout: float = FETCH_TIMEOUT, limit: int = MAX_METADATA_BYTES
) -> bytes:
    """GET a metadata URL, like the profile's Import button: the whole body, at most `limit`
    bytes, within `timeout` seconds in all. Redirects are followed within the URL's host
    only. Raises ImportFailed with a message that names `url` as given and nothing the
    network told us about other hosts or addresses."""
    target = _http_url(url)
    try:
        async with asyncio.timeout(timeout), aiohttp.ClientSession() as session:
            return await _follow(session, url, target, limit)
    except TimeoutError:
        raise ImportFailed(f"cannot fetch {url}: timed out after {timeout:g} s") from None
    except aiohttp.ClientError as error:
        raise ImportFailed(f"cannot fetch {url}: {_connection_problem(error)}") from None


def _http_url(url: str) -> URL:
    try:
        target = URL(url)
    except (ValueError, TypeError):
        target = None
    if target is None or target.scheme not in {"http", "https"} or not target.host:
        raise ImportFailed(f"{url!r} is not an http(s) URL")
    return target


async def _follow(session: aiohttp.ClientSession, url: str, target: URL, limit: int) -> bytes:
    for _ in range(MAX_REDIRECTS + 1):
        async with session.get(target, allow_redirects=False) as got:
            if got.status not in _REDIRECTS:
                if got.status != 200:
                    raise ImportFailed(f"{url} answered HTTP {got.status}")
                return await _read_body(got, url, limit)
            target = _redirect_target(url, target, got.headers.get("Location"))
    raise ImportFailed(f"{url} redirected more than {MAX_REDIRECTS} times")


def _redirect_target(url: str, current: URL, location: str | None) -> URL:
    """Where a redirect leads, when it stays on the URL's host (an http to https upgrade
    included); a redirect elsewhere could reach addresses the user never typed."""
    if not location:
        raise ImportFailed(f"{url} answered a redirect without a Location")
    try:
        following = current.join(URL(location))
    except (ValueError, TypeError):
        raise ImportFailed(f"{url} answered a redirect to an unreadable Location") from None
    same_host = (following.host or "").lower() == (current.host or "").lower()
    upgrade = (current.scheme, following.scheme) == ("http", "https")
    same_port = following.port == current.port or (upgrade and following.port == 443)
    if not (same_host and same_port and following.scheme in {current.scheme, "https"}):
        raise ImportFailed(
            f"{url} redirects away from {current.host}: sp-sim follows redirects only to the "
            "same host and port (or from http to https); give the metadata's final URL"
        )
    return following


async def _read_body(got: aiohttp.ClientResponse, url: str, limit: int) -> bytes:
    """Every byte of the body, however many TCP segments it arrives in, up to `limit`."""
    too_large = ImportFailed(f"{url} sent more than {limit:,} bytes")
    if got.content_length is not None and got.content_length > limit:
        raise too_large
    body = bytearray()
    async for chunk in got.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > limit:
            raise too_large
    return bytes(body)


def _connection_problem(error: aiohttp.ClientError) -> str:
    """What went wrong, in words that name no resolved address and no library internals."""
    if isinstance(error, aiohttp.ClientConnectorCertificateError):
        return "the metadata host's TLS certificate could not be verified"
    if isinstance(error, aiohttp.ClientSSLError):
        return "the TLS handshake with the metadata host failed"
    if isinstance(error, aiohttp.ClientConnectorDNSError):
        return "the metadata host's name could not be resolved"
    if isinstance(error, aiohttp.ClientConnectorError):
        return "cannot connect to the metadata host"
    if isinstance(error, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        return "the metadata host closed the connection before the whole answer arrived"
    if isinstance(error, aiohttp.InvalidURL):
        return "the URL cannot be requested"
    return "the metadata host sent no readable HTTP answer"


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

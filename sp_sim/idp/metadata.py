"""Federation metadata as Entra publishes it for an app, signed with the active key.

Like the genuine document in idp_fixtures/entra-captures: an enveloped signature first,
every signing certificate (active and rollover) in KeyDescriptors, SSO and SLO endpoints
at `/<tenant>/saml2`, entityID `https://sts.windows.net/<tenant>/`.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from sp_sim.core.bindings import Binding, new_id
from sp_sim.core.xml import DSIG, METADATA, qname
from sp_sim.idp.mint import sign_element
from sp_sim.idp.model import IdpTenant

_NSMAP: Any = {None: METADATA}
_DSIG_NSMAP: Any = {None: DSIG}


def federation_metadata(tenant: IdpTenant, sso_url: str) -> bytes:
    """The metadata document; `sso_url` is where this IdP's /<tenant>/saml2 is served."""
    root = etree.Element(
        qname(METADATA, "EntityDescriptor"),
        {"ID": new_id(), "entityID": tenant.issuer},
        nsmap=_NSMAP,
    )
    idp = etree.SubElement(
        root,
        qname(METADATA, "IDPSSODescriptor"),
        {"protocolSupportEnumeration": "urn:oasis:names:tc:SAML:2.0:protocol"},
    )
    for key in tenant.signing_keys:
        descriptor = etree.SubElement(idp, qname(METADATA, "KeyDescriptor"), use="signing")
        info = etree.SubElement(descriptor, qname(DSIG, "KeyInfo"), nsmap=_DSIG_NSMAP)
        data = etree.SubElement(info, qname(DSIG, "X509Data"))
        etree.SubElement(data, qname(DSIG, "X509Certificate")).text = key.certificate.base64
    etree.SubElement(
        idp, qname(METADATA, "SingleLogoutService"), Binding=Binding.REDIRECT.uri, Location=sso_url
    )
    for binding in Binding:
        etree.SubElement(
            idp, qname(METADATA, "SingleSignOnService"), Binding=binding.uri, Location=sso_url
        )
    sign_element(root, tenant.active_key)
    return b"\xef\xbb\xbf" + etree.tostring(root, xml_declaration=False)

"""The fake Entra ID's single-logout messages: the LogoutResponse to an app's LogoutRequest
and an IdP-initiated LogoutRequest, shaped like Entra's, signed on the HTTP-Redirect
binding (SigAlg, Signature) with the tenant's active key and the app's Signing Algorithm,
with the logout faults (faults.LOGOUT_FAULTS) applied. Pure: no I/O."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lxml import etree

from sp_sim.core.bindings import Parameter, append_query, new_id, redirect_query, replace_message
from sp_sim.core.logout import RESPONDER
from sp_sim.core.xml import (
    ASSERTION,
    PROTOCOL,
    STATUS_SUCCESS,
    SignatureAlgorithm,
    format_instant,
    qname,
)
from sp_sim.idp.faults import FaultSet
from sp_sim.idp.mint import Algorithm
from sp_sim.idp.model import EnterpriseApp, IdpTenant
from sp_sim.idp.state import SignIn

OTHER_TENANT_ISSUER = "https://sts.windows.net/00000000-0000-0000-0000-000000000000/"
UNKNOWN_SESSION_INDEX = "_not-a-session-the-sp-issued"
TAMPERED_NAME_ID = "attacker@wrong.invalid"
# lxml-stubs type nsmap keys as str; lxml takes None for the default namespace.
_DEFAULT_ASSERTION_NS: Any = {None: ASSERTION}


def _message(
    kind: str, tenant: IdpTenant, destination: str, now: datetime, faults: FaultSet
) -> etree._Element:
    root = etree.Element(
        qname(PROTOCOL, kind),
        {
            "ID": new_id(),
            "Version": "2.0",
            "IssueInstant": format_instant(now),
            "Destination": destination,
        },
        nsmap={"samlp": PROTOCOL},
    )
    issuer = etree.SubElement(root, qname(ASSERTION, "Issuer"), nsmap=_DEFAULT_ASSERTION_NS)
    wrong = "logout-wrong-issuer" in faults.names
    issuer.text = (
        faults.value("logout-wrong-issuer", OTHER_TENANT_ISSUER) if wrong else tenant.issuer
    )
    return root


def logout_response(
    tenant: IdpTenant,
    app: EnterpriseApp,
    logout_url: str,
    in_response_to: str,
    now: datetime,
    relay_state: str | None,
    faults: FaultSet,
) -> str:
    """Where the browser goes: the app's Logout URL with a signed LogoutResponse."""
    root = _message("LogoutResponse", tenant, logout_url, now, faults)
    root.set("InResponseTo", in_response_to)
    status = etree.SubElement(root, qname(PROTOCOL, "Status"))
    failed = "logout-failed" in faults.names
    etree.SubElement(
        status, qname(PROTOCOL, "StatusCode"), Value=RESPONDER if failed else STATUS_SUCCESS
    )
    if failed:
        message = etree.SubElement(status, qname(PROTOCOL, "StatusMessage"))
        message.text = "The user's session could not be ended."
    return _location(logout_url, root, Parameter.RESPONSE, relay_state, tenant, app, faults)


def logout_request(
    tenant: IdpTenant,
    app: EnterpriseApp,
    logout_url: str,
    sign_in: SignIn,
    now: datetime,
    faults: FaultSet,
) -> tuple[str, str]:
    """(request ID, where the browser goes): an IdP-initiated LogoutRequest for one
    sign-in, NameID and SessionIndex as issued, signed, to the app's Logout URL."""
    root = _message("LogoutRequest", tenant, logout_url, now, faults)
    name_id = etree.SubElement(root, qname(ASSERTION, "NameID"), Format=sign_in.name_id_format)
    name_id.text = sign_in.name_id
    index = etree.SubElement(root, qname(PROTOCOL, "SessionIndex"))
    unknown = "logout-unknown-session" in faults.names
    index.text = (
        faults.value("logout-unknown-session", UNKNOWN_SESSION_INDEX)
        if unknown
        else sign_in.session_index
    )
    location = _location(logout_url, root, Parameter.REQUEST, None, tenant, app, faults)
    return root.get("ID", ""), location


def _location(
    url: str,
    root: etree._Element,
    parameter: Parameter,
    relay_state: str | None,
    tenant: IdpTenant,
    app: EnterpriseApp,
    faults: FaultSet,
) -> str:
    sha1 = app.algorithm is Algorithm.SHA1 or "logout-sha1" in faults.names
    algorithm = SignatureAlgorithm.RSA_SHA1 if sha1 else SignatureAlgorithm.RSA_SHA256
    key = faults.logout_signing_key(tenant.active_key)
    query = redirect_query(etree.tostring(root), relay_state, key, parameter, algorithm)
    if "logout-tampered" in faults.names:
        query = replace_message(query, _tampered(root, faults))
    return append_query(url, query)


def _tampered(root: etree._Element, faults: FaultSet) -> bytes:
    """The message changed after signing: a LogoutRequest's NameID, a LogoutResponse's
    StatusMessage."""
    name_id = root.find(qname(ASSERTION, "NameID"))
    status = root.find(qname(PROTOCOL, "Status"))
    if name_id is not None:
        name_id.text = faults.value("logout-tampered", TAMPERED_NAME_ID)
    elif status is not None:
        etree.SubElement(status, qname(PROTOCOL, "StatusMessage")).text = "changed in transit"
    return etree.tostring(root)

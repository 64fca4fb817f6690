"""Entra's rules for an AuthnRequest, and the AADSTS errors it answers with.

From shared/reference/mimecast-entra-sso.md §2: ID not starting with a digit, Version 2.0,
IssueInstant required, Issuer equal to an Identifier, ACS URL equal to a Reply URL,
NameIDPolicy formats, RequestedAuthnContext exact, no Subject or Scoping, signatures
(RSA-SHA256 only) when the app requires them. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from lxml import etree

from sp_sim.core.bindings import (
    Binding,
    BindingError,
    decode_message,
    read_redirect_query,
    redirect_signer,
)
from sp_sim.core.errors import SpSimError
from sp_sim.core.xml import (
    ASSERTION,
    DSIG,
    PROTOCOL,
    SignatureAlgorithm,
    UnsafeXML,
    parse_untrusted,
    qname,
    text_of,
)
from sp_sim.idp.model import AUTHN_CONTEXT, NAMEID_FORMATS, EnterpriseApp, IdpTenant, User

_PASSWORD_CLASSES = {
    "urn:oasis:names:tc:SAML:2.0:ac:classes:Password",
    "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
}


class EntraError(SpSimError):
    """An AADSTS error, worded as Entra words it: the fake IdP's refusal of a request,
    answered with Entra's error page."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def require_app(tenant: IdpTenant, app_id: str) -> EnterpriseApp:
    """The app a My Apps link names (by ID or name); AADSTS700016 when there is none."""
    app = tenant.app_by_id(app_id)
    if app is None:
        raise EntraError(
            "AADSTS700016",
            f"Application with identifier '{app_id}' was not found in the directory "
            f"'{tenant.tenant_id}'.",
        )
    return app


class RequestKind(StrEnum):
    """The requests Entra's /saml2 endpoint takes in a SAMLRequest."""

    AUTHN = "AuthnRequest"
    LOGOUT = "LogoutRequest"


@dataclass(frozen=True)
class AuthnRequest:
    """What Entra reads from a SAMLRequest (an AuthnRequest, or a LogoutRequest's NameID and
    SessionIndex)."""

    request_id: str
    issuer: str
    acs_url: str | None
    name_id_format: str | None
    requested_contexts: tuple[str, ...]
    kind: RequestKind = RequestKind.AUTHN
    name_id: str | None = None
    session_index: str | None = None
    signed: bool = False


def decode_redirect(value: str | None) -> bytes:
    """The XML in a Redirect binding's SAMLRequest (base64 of raw deflate)."""
    if not value:
        raise EntraError(
            "AADSTS750054",
            "SAMLRequest or SAMLResponse must be present as query "
            "string parameters in HTTP request for SAML Redirect binding.",
        )
    try:
        return decode_message(value, Binding.REDIRECT)
    except BindingError:
        raise _invalid() from None


def decode_post(value: str | None) -> bytes:
    """The XML in a POST binding's SAMLRequest (plain base64)."""
    if not value:
        raise EntraError(
            "AADSTS90014",
            "The required field 'SAMLRequest' is missing from the "
            "credential. Ensure that you have all the necessary parameters for "
            "the login request.",
        )
    try:
        return decode_message(value, Binding.POST)
    except BindingError:
        raise _invalid() from None


def _invalid() -> EntraError:
    return EntraError("AADSTS75005", "The request is not a valid Saml2 protocol message.")


def _missing(field: str) -> EntraError:
    return EntraError(
        "AADSTS90014",
        f"The required field '{field}' is missing from the "
        "credential. Ensure that you have all the necessary parameters for the "
        "login request.",
    )


def parse_request(xml: bytes, sso_url: str) -> AuthnRequest:
    """Parse and apply the message-level rules, in Entra's order. Raises EntraError."""
    root = _protocol_root(xml)
    kind = RequestKind(etree.QName(root).localname)
    request_id, issuer = _check_header(root, sso_url)
    if kind is RequestKind.LOGOUT:
        return AuthnRequest(
            request_id,
            issuer,
            None,
            None,
            (),
            kind,
            name_id=text_of(root.find(qname(ASSERTION, "NameID"))),
            session_index=text_of(root.find(qname(PROTOCOL, "SessionIndex"))),
        )
    _check_unsupported(root)
    return AuthnRequest(
        request_id,
        issuer,
        root.get("AssertionConsumerServiceURL"),
        _name_id_format(root),
        _requested_contexts(root),
        signed=root.find(qname(DSIG, "Signature")) is not None,
    )


def _protocol_root(xml: bytes) -> etree._Element:
    """A samlp:AuthnRequest or samlp:LogoutRequest, parsed without a DTD; else AADSTS75005."""
    try:
        root = parse_untrusted(xml)
    except (UnsafeXML, etree.XMLSyntaxError):
        raise _invalid() from None
    name = etree.QName(root)
    if name.namespace != PROTOCOL or name.localname not in tuple(RequestKind):
        raise _invalid()
    return root


def _check_header(root: etree._Element, sso_url: str) -> tuple[str, str]:
    """(ID, Issuer): an ID not starting with a digit, Version 2.0, IssueInstant, Issuer,
    and a Destination (when given) that is this endpoint."""
    request_id = root.get("ID")
    if not request_id:
        raise _missing("ID")
    if request_id[0].isdigit() or root.get("Version") != "2.0":
        raise _invalid()
    if not root.get("IssueInstant"):
        raise _missing("IssueInstant")
    issuer = text_of(root.find(qname(ASSERTION, "Issuer")))
    if not issuer:
        raise _missing("Issuer")
    destination = root.get("Destination")
    if destination and destination.rstrip("/").lower() != sso_url.rstrip("/").lower():
        raise EntraError(
            "AADSTS75008",
            f"The request from the client has an unexpected destination '{destination}'.",
        )
    return request_id, issuer


def _check_unsupported(root: etree._Element) -> None:
    """Entra refuses a Subject or Scoping in an AuthnRequest (AADSTS900236)."""
    for namespace, unsupported in ((ASSERTION, "Subject"), (PROTOCOL, "Scoping")):
        if root.find(qname(namespace, unsupported)) is not None:
            raise EntraError(
                "AADSTS900236",
                f"The SAML authentication request property "
                f"'{unsupported}' is not supported and must not be set.",
            )


def _name_id_format(root: etree._Element) -> str | None:
    """NameIDPolicy's Format: one Entra knows, or AADSTS75016."""
    policy = root.find(qname(PROTOCOL, "NameIDPolicy"))
    name_id_format = None if policy is None else policy.get("Format")
    if name_id_format and name_id_format not in NAMEID_FORMATS.values():
        raise EntraError("AADSTS75016", "SAML2 Authentication Request has invalid NameIDPolicy.")
    return name_id_format


def _requested_contexts(root: etree._Element) -> tuple[str, ...]:
    """RequestedAuthnContext's class references; Entra takes only Comparison="exact"."""
    requested = root.find(qname(PROTOCOL, "RequestedAuthnContext"))
    if requested is None:
        return ()
    if requested.get("Comparison", "exact") != "exact":
        raise EntraError(
            "AADSTS900236",
            "The SAML authentication request property "
            "'RequestedAuthnContext.Comparison' is not supported and must "
            "not be set.",
        )
    return tuple(
        text_of(c) or "" for c in requested.iterfind(qname(ASSERTION, "AuthnContextClassRef"))
    )


def find_app(tenant: IdpTenant, request: AuthnRequest) -> EnterpriseApp:
    """The app whose Identifier is the request's Issuer. Raises AADSTS700016 / 650056."""
    app = tenant.app_by_identifier(request.issuer)
    if app is not None:
        return app
    schemeless = request.issuer.split("://", 1)[-1]
    misconfigured = any(
        "://" not in identifier and identifier.rstrip("/") == schemeless.rstrip("/")
        for app in tenant.apps
        for identifier in app.identifiers
    )
    # An app whose Identifier lacks the scheme (or a request Issuer that does) is a
    # misconfigured application, not a missing one.
    if misconfigured or (
        "://" not in request.issuer and not request.issuer.startswith(("urn:", "spn:"))
    ):
        raise EntraError(
            "AADSTS650056",
            "Misconfigured application. This could be due to one "
            "of the following: the client has not listed any permissions for "
            "'AAD Graph' in the requested permissions in the client's application "
            "registration. Or, the admin has not consented in the tenant. Or, "
            "check the application identifier in the request to ensure it "
            "matches the configured client application identifier. Or, check "
            f"the issuer '{request.issuer}' in the SAML request.",
        )
    raise EntraError(
        "AADSTS700016",
        f"Application with identifier '{request.issuer}' was not "
        f"found in the directory '{tenant.tenant_id}'. This can happen if the "
        "application has not been installed by the administrator of the tenant "
        "or consented to by any user in the tenant. You may have sent your "
        "authentication request to the wrong tenant.",
    )


def reply_url(app: EnterpriseApp, request: AuthnRequest) -> str:
    """The ACS URL to answer at. Raises AADSTS50011 when it is not a Reply URL."""
    if request.acs_url is None:
        return app.reply_url
    if request.acs_url not in app.reply_urls:
        raise EntraError(
            "AADSTS50011",
            f"The redirect URI '{request.acs_url}' specified in the "
            "request does not match the redirect URIs configured for the "
            f"application '{app.app_id}'. Make sure the redirect URI sent in the "
            "request matches one added to your application in the Azure portal.",
        )
    return request.acs_url


def check_request_signature(app: EnterpriseApp, raw_query: str | None, signed_xml: bool) -> None:
    """When the app requires verification certificates, the request must be signed with
    RSA-SHA256 by one of them. `raw_query` is the Redirect query as sent; `signed_xml` says
    whether a POSTed request carried a Signature. Raises AADSTS76021."""
    if not app.require_signed_requests:
        return
    unsigned = EntraError(
        "AADSTS76021",
        "The request sent by client is not signed while the application requires signed requests.",
    )
    if raw_query is None:
        if not signed_xml:
            raise unsigned
        return
    try:
        message = read_redirect_query(raw_query)
    except BindingError:
        raise unsigned from None
    if (
        message.sig_alg != SignatureAlgorithm.RSA_SHA256
        or redirect_signer(message, app.verification_certificates) is None
    ):
        raise unsigned


def check_user(app: EnterpriseApp, user: User, request: AuthnRequest | None) -> None:
    """Assignment and authentication context. Raises AADSTS50105 / AADSTS75011."""
    if not app.assigned(user):
        raise EntraError(
            "AADSTS50105",
            f"Your administrator has configured the application "
            f"{app.name} ('{app.app_id}') to block users unless they are "
            "specifically granted ('assigned') access to the application. The "
            f"signed in user '{user.upn}' is blocked because they are not a direct "
            "member of a group with access, nor had access directly assigned by "
            "an administrator. Please contact your administrator to assign "
            "access to this application.",
        )
    if request is None or not request.requested_contexts:
        return
    method = AUTHN_CONTEXT[user.sign_in_method]
    satisfied = any(
        c == method or (c in _PASSWORD_CLASSES and method in _PASSWORD_CLASSES)
        for c in request.requested_contexts
    )
    if not satisfied:
        raise EntraError(
            "AADSTS75011",
            f"Authentication method '{user.sign_in_method.title()}'"
            " by which the user authenticated with the service doesn't match "
            "requested authentication method "
            f"'{', '.join(request.requested_contexts)}'. Contact the {app.name} "
            "application owner.",
        )

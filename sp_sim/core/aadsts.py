"""Entra's AADSTS error codes that a Mimecast sign-in meets, with what to change.

From shared/reference/mimecast-entra-sso.md §2. Used to explain an error status in a
response, and by the fake IdP to word its error pages as Entra does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sp_sim.core.model import Hint, Side

_CODE = re.compile(r"AADSTS(\d{5,6})")


@dataclass(frozen=True)
class AadstsError:
    code: str
    meaning: str
    hint: Hint


CATALOGUE: dict[str, AadstsError] = {
    e.code: e
    for e in (
        AadstsError(
            "AADSTS700016",
            "Application with identifier was not found in the directory.",
            Hint(
                Side.ENTRA_APP,
                "Identifier (Entity ID)",
                "set it to the Mimecast entity ID https://<region>-api.mimecast.com/sso/"
                "<ACCOUNTCODE>, account code upper case, region of the account",
            ),
        ),
        AadstsError(
            "AADSTS650056",
            "Misconfigured application: the issuer in the SAML request is not valid.",
            Hint(
                Side.ENTRA_APP,
                "Identifier (Entity ID)",
                "use the full URL with https:// as the Identifier",
            ),
        ),
        AadstsError(
            "AADSTS50011",
            "The reply URL in the request does not match the reply URLs configured.",
            Hint(
                Side.ENTRA_APP,
                "Reply URL (Assertion Consumer Service URL)",
                "add https://<region>-api.mimecast.com/login/saml for the account's region",
            ),
        ),
        AadstsError(
            "AADSTS75011",
            "Authentication method by which the user authenticated with the service "
            "doesn't match the requested authentication method.",
            Hint(
                Side.MIMECAST_PROFILE,
                "Use Password protected Context / Use Integrated Authentication Context",
                "untick both checkboxes",
            ),
        ),
        AadstsError(
            "AADSTS50105",
            "The signed in user is not assigned to a role for the application.",
            Hint(
                Side.ENTRA_APP,
                "Users and groups",
                "assign the user, or a group the user is a direct member of",
            ),
        ),
        AadstsError(
            "AADSTS75005",
            "The request is not a valid SAML 2.0 protocol message.",
            Hint(Side.SENDER, "SAMLRequest", "send a well-formed AuthnRequest"),
        ),
        AadstsError(
            "AADSTS750054",
            "SAMLRequest or SAMLResponse must be present as query string parameters in "
            "HTTP request for SAML Redirect binding.",
            Hint(Side.SENDER, "SAMLRequest", "put the deflated, base64 request in the query"),
        ),
        AadstsError(
            "AADSTS90014",
            "A required field is missing from the request.",
            Hint(Side.SENDER, "AuthnRequest", "include ID, Version and IssueInstant"),
        ),
        AadstsError(
            "AADSTS900236",
            "The SAML authentication request property is not supported.",
            Hint(Side.SENDER, "AuthnRequest", "drop Subject and Scoping from the request"),
        ),
        AadstsError(
            "AADSTS75016",
            "SAML2 Authentication Request has invalid NameIDPolicy.",
            Hint(
                Side.SENDER,
                "NameIDPolicy",
                "ask for persistent, emailAddress, unspecified or transient",
            ),
        ),
        AadstsError(
            "AADSTS76021",
            "The request sent by client is not signed while the application requires "
            "signed requests.",
            Hint(
                Side.ENTRA_APP,
                "Require verification certificates",
                "turn it off, or sign the AuthnRequest with RSA-SHA256",
            ),
        ),
        AadstsError(
            "AADSTS75008",
            "The request from the client has an unexpected destination.",
            Hint(Side.SENDER, "Destination", "send the request to the tenant's /saml2 URL"),
        ),
    )
}


def find_aadsts(text: str | None) -> AadstsError | None:
    """The first AADSTS code in a message, looked up in the catalogue."""
    if not text:
        return None
    match = _CODE.search(text)
    if match is None:
        return None
    code = f"AADSTS{match.group(1)}"
    return CATALOGUE.get(code) or AadstsError(
        code, "An Entra error.", Hint(Side.ENTRA_APP, "Sign-in logs", f"look up {code}")
    )

"""The fake Entra tenant: signing keys, enterprise apps as the portal shows them, users, groups."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import ConfigDict, with_config

from sp_sim.core.certs import Certificate
from sp_sim.core.keys import SigningKey
from sp_sim.idp.mint import Algorithm, Signing

NAMEID_FORMATS = {
    "emailAddress": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
    "persistent": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
    "unspecified": "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
    "transient": "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
}
GROUPS_LIMIT = 150
"""Entra puts at most 150 groups in a SAML token; past that it sends a groups.link claim."""


class SignInMethod(StrEnum):
    """How the user's session was authenticated; drives AuthnContextClassRef and amr."""

    PASSWORD = "password"
    MFA = "mfa"
    WINDOWS = "windows"
    CERTIFICATE = "certificate"


AUTHN_CONTEXT = {
    SignInMethod.PASSWORD: "urn:oasis:names:tc:SAML:2.0:ac:classes:Password",
    SignInMethod.MFA: "http://schemas.microsoft.com/claims/multipleauthn",
    SignInMethod.WINDOWS: "urn:federation:authentication:windows",
    SignInMethod.CERTIFICATE: "urn:oasis:names:tc:SAML:2.0:ac:classes:X509",
}
_METHOD = "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/"
AUTHN_METHODS_REFERENCES = {
    SignInMethod.PASSWORD: (f"{_METHOD}password",),
    SignInMethod.MFA: (f"{_METHOD}password", "http://schemas.microsoft.com/claims/multipleauthn"),
    SignInMethod.WINDOWS: (f"{_METHOD}windows",),
    SignInMethod.CERTIFICATE: (f"{_METHOD}x509",),
}


@with_config(ConfigDict(extra="forbid"))  # the IdP file's [[users]] entries
@dataclass(frozen=True)
class User:
    """An Entra user. An empty `mail` makes a user.mail NameID fall back to a pairwise ID."""

    upn: str
    object_id: str
    display_name: str = ""
    given_name: str = ""
    surname: str = ""
    mail: str = ""
    groups: tuple[str, ...] = ()
    sign_in_method: SignInMethod = SignInMethod.PASSWORD

    def attribute(self, source: str) -> str:
        """The value of a source attribute as the portal names it (user.mail, …)."""
        return {
            "user.userprincipalname": self.upn,
            "user.mail": self.mail,
            "user.objectid": self.object_id,
            "user.displayname": self.display_name,
            "user.givenname": self.given_name,
            "user.surname": self.surname,
            "user.onpremisessamaccountname": self.upn.split("@", 1)[0],
        }.get(source.lower(), "")


@with_config(ConfigDict(extra="forbid"))  # built from the IdP file's [[apps]] by field name
@dataclass(frozen=True)
class EnterpriseApp:
    """An enterprise application's single sign-on settings, as in the Entra portal."""

    app_id: str
    name: str
    identifiers: tuple[str, ...]
    reply_urls: tuple[str, ...]
    default_reply_url: str | None = None
    sign_on_url: str | None = None
    logout_url: str | None = None
    name_id_source: str = "user.userprincipalname"
    name_id_format: str = "emailAddress"
    extra_claims: tuple[tuple[str, str], ...] = ()
    groups_claim: bool = False
    signing: Signing = Signing.ASSERTION
    algorithm: Algorithm = Algorithm.SHA256
    token_encryption_certificate: Certificate | None = None
    assignment_required: bool = False
    assigned_users: frozenset[str] = frozenset()
    assigned_groups: frozenset[str] = frozenset()
    require_signed_requests: bool = False
    verification_certificates: tuple[Certificate, ...] = ()
    faults: tuple[str, ...] = ()
    not_before_minutes: int = 5
    lifetime_minutes: int = 60
    confirmation_minutes: int = 5
    """SubjectConfirmationData NotOnOrAfter − IssueInstant. Genuine tokens differ (5 min in
    one capture, 60 in the other), so it is a setting; 5 as the reference says."""

    @property
    def reply_url(self) -> str:
        """Where an IdP-initiated sign-in posts: the default Reply URL, else the first."""
        return self.default_reply_url or self.reply_urls[0]

    def assigned(self, user: User) -> bool:
        """Direct assignment or a direct group; nested groups don't count."""
        return (
            not self.assignment_required
            or user.upn.casefold() in {u.casefold() for u in self.assigned_users}
            or bool(set(user.groups) & self.assigned_groups)
        )


@dataclass(frozen=True)
class IdpTenant:
    """One fake Entra tenant."""

    tenant_id: str
    signing_keys: tuple[SigningKey, ...]
    apps: tuple[EnterpriseApp, ...]
    users: tuple[User, ...]
    groups: dict[str, str] = field(default_factory=dict)

    @property
    def issuer(self) -> str:
        return f"https://sts.windows.net/{self.tenant_id}/"

    @property
    def active_key(self) -> SigningKey:
        """The first key is active; the others are published for rollover."""
        return self.signing_keys[0]

    def app_by_identifier(self, identifier: str) -> EnterpriseApp | None:
        return next((a for a in self.apps if identifier in a.identifiers), None)

    def app_by_id(self, app_id: str) -> EnterpriseApp | None:
        return next((a for a in self.apps if app_id in (a.app_id, a.name)), None)

    def user(self, name: str) -> User | None:
        """By UPN, mail or object ID, case-insensitively."""
        wanted = name.casefold()
        return next(
            (
                u
                for u in self.users
                if wanted in (u.upn.casefold(), u.mail.casefold(), u.object_id.casefold())
            ),
            None,
        )


def pairwise_id(user: User, app: EnterpriseApp) -> str:
    """Entra's persistent pairwise NameID: opaque, stable per user and app."""
    digest = hashlib.sha256(f"{user.object_id}|{app.app_id}".encode()).digest()
    return base64.b64encode(digest).decode().rstrip("=")[:43]

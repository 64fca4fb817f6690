"""What the checks compare a message against: the SP's side of the configuration.

`CheckSettings` is all the engine knows. The tenant package builds it from a simulated
Mimecast account; the CLI builds it from flags for any SAML SP.
"""

from __future__ import annotations

from collections.abc import Collection, Container
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from functools import cached_property

from pydantic import ConfigDict, with_config

from sp_sim.core.certs import Certificate
from sp_sim.core.mimecast import Region
from sp_sim.core.wording import Wording, wording_for

APPLICATIONS: dict[str, str] = {
    "administration_console": "Administration Console",
    "personal_portal": "Mimecast Personal Portal",
    "end_user_applications": "End User Applications",
    "mimecast": "Mimecast",
}
"""Mimecast applications a profile can enforce SAML for (key → name shown in the console).
`mimecast` is the newer UI's single "Enforce SAML Authentication for Mimecast"."""

PASSWORD_PROTECTED_CONTEXT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
INTEGRATED_CONTEXT = "urn:federation:authentication:windows"


@with_config(ConfigDict(extra="forbid"))  # the tenant file's directory.addresses entries
@dataclass(frozen=True)
class Address:
    """An internal-directory address and the application setting that reaches it."""

    email: str
    global_name: str = ""
    profile: str | None = None
    application: str | None = None


@dataclass(frozen=True)
class Directory:
    """Mimecast's internal directory: registered domains and the addresses in them."""

    domains: frozenset[str] = frozenset()
    addresses: tuple[Address, ...] = ()

    @cached_property
    def _by_email(self) -> dict[str, Address]:
        """Addresses by case-folded email, the first of each kept: built once, looked up
        in constant time however large the directory."""
        index: dict[str, Address] = {}
        for address in self.addresses:
            index.setdefault(address.email.casefold(), address)
        return index

    def find(self, email: str) -> Address | None:
        """The address with this email, compared case-insensitively. Mimecast holds
        addresses only under registered domains, so one under another domain is not found."""
        found = self._by_email.get(email.strip().casefold())
        if found is None or not self.has_domain(found.email.rpartition("@")[2]):
            return None
        return found

    def has_domain(self, domain: str) -> bool:
        return domain.strip().lower() in self.domains


@dataclass(frozen=True)
class ProfileView:
    """What the checks need to know of the Mimecast authentication profile in use."""

    name: str
    enforced_applications: frozenset[str] = frozenset(APPLICATIONS)
    requested_contexts: tuple[str, ...] = ()
    login_url: str | None = None
    allow_single_sign_on: bool = True


class Verifier(StrEnum):
    """Which XML-DSig verifier checks signatures: `auto` (the restricted-shape fast path of
    core/checks/enveloped.py, python-xmlsec for every other shape) or `xmlsec` (always)."""

    AUTO = "auto"
    XMLSEC = "xmlsec"


@dataclass(frozen=True)
class CheckSettings:
    """The service provider's configuration, as the checks see it.

    Any field left as None makes the checks that need it report `skipped`
    or `*.not-configured` rather than guess.
    """

    entity_id: str | None = None
    acs_url: str | None = None
    idp_issuer: str | None = None
    certificates: tuple[Certificate, ...] = ()
    directory: Directory | None = None
    profile: ProfileView | None = None
    account_code: str | None = None
    region: Region | None = None
    clock_skew: timedelta = timedelta(minutes=5)
    max_message_bytes: int = 256 * 1024
    outstanding_requests: Collection[str] | None = field(default=None, compare=False)
    received_at: str | None = None
    """The URL the message was POSTed to (the region's real ACS URL), when a server got it."""
    proxy_url: str | None = None
    """The URL an untrusted reverse proxy's headers (Forwarded, X-Forwarded-*) say the
    message was POSTed to; set only when such headers arrived and were not trusted."""
    seen_assertion_ids: Container[str] | None = field(default=None, compare=False)
    browser_requests: Collection[str] | None = field(default=None, compare=False)
    """The requests whose pre-login cookie came with the message (the SP binds each
    AuthnRequest to the browser that started it); None: the SP sets no such cookie, so an
    answer to an outstanding request is not asked to bring one."""
    certificate_warning: timedelta = timedelta(days=60)
    verifier: Verifier = Verifier.AUTO
    provider: str | None = None
    """The IdP the profile names (its Provider, e.g. "Azure Active Directory"); None: not
    known. It words the findings only (`wording`), never what they conclude."""

    @property
    def wording(self) -> Wording:
        """Entra's words for an Entra provider, neutral ones ("the IdP") otherwise."""
        return wording_for(self.provider)

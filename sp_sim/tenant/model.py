"""The simulated Mimecast account: region, authentication profiles, internal directory.

Plain frozen values; `config.py` reads them from TOML. `Tenant.check_settings` is the
one place where an account becomes what the check engine compares against; the URLs it
answers to come in as one `Urls` value (`sp_sim.server.urls.account_urls` makes it for a
running simulator), never patched in afterwards.
"""

from __future__ import annotations

from collections.abc import Collection, Container
from dataclasses import dataclass, field
from datetime import timedelta

from sp_sim.core.certs import Certificate
from sp_sim.core.mimecast import Region
from sp_sim.core.settings import (
    APPLICATIONS,
    INTEGRATED_CONTEXT,
    PASSWORD_PROTECTED_CONTEXT,
    CheckSettings,
    Directory,
    ProfileView,
)


@dataclass(frozen=True)
class Urls:
    """The URLs an account answers to: what an Entra app must hold and responses must name."""

    entity_id: str
    """The Identifier (Entity ID) an Entra app must hold, and the Audience expected."""
    acs_url: str
    """The Reply URL (Assertion Consumer Service URL)."""
    slo_url: str
    """The single logout endpoint, the Entra app's Logout URL."""


@dataclass(frozen=True)
class Account:
    """A Mimecast account: its code and the grid it lives on."""

    code: str
    region: Region

    @property
    def entity_id(self) -> str:
        """The Identifier an Entra app must hold, and the Audience Mimecast expects."""
        return self.region.entity_id(self.code)

    @property
    def acs_url(self) -> str:
        """The Reply URL an Entra app must hold."""
        return self.region.acs_url

    @property
    def urls(self) -> Urls:
        """Mimecast's own URLs for this account."""
        return Urls(self.entity_id, self.acs_url, f"{self.acs_url}/logout")


@dataclass(frozen=True)
class AuthenticationProfile:
    """Every field of Mimecast's Authentication Profile › SAML settings form."""

    name: str
    provider: str = "Azure Active Directory"
    issuer_url: str | None = None
    login_url: str | None = None
    logout_url: str | None = None
    metadata_url: str | None = None
    certificates: tuple[Certificate, ...] = ()
    allow_single_sign_on: bool = True
    use_password_protected_context: bool = False
    use_integrated_authentication_context: bool = False
    enforce_saml_for: frozenset[str] = frozenset(APPLICATIONS) - {"mimecast"}
    allow_unsigned_logout: bool = False
    """sp-sim's own setting, not a field of Mimecast's form: accept an unsigned
    LogoutRequest or LogoutResponse with a warning instead of refusing it."""

    @property
    def requested_contexts(self) -> tuple[str, ...]:
        """The AuthnContextClassRefs an AuthnRequest asks for, from the two checkboxes."""
        contexts = []
        if self.use_password_protected_context:
            contexts.append(PASSWORD_PROTECTED_CONTEXT)
        if self.use_integrated_authentication_context:
            contexts.append(INTEGRATED_CONTEXT)
        return tuple(contexts)


@dataclass(frozen=True)
class Tenant:
    """One simulated Mimecast account with its profiles and directory."""

    account: Account
    profiles: tuple[AuthenticationProfile, ...]
    directory: Directory = field(default_factory=Directory)
    clock_skew: timedelta = timedelta(minutes=5)

    def profile(self, name: str | None = None) -> AuthenticationProfile:
        """The named profile, or the first one. Raises KeyError for an unknown name."""
        if name is None:
            return self.profiles[0]
        for profile in self.profiles:
            if profile.name == name:
                return profile
        raise KeyError(name)

    def check_settings(
        self,
        profile: str | None = None,
        *,
        urls: Urls | None = None,
        outstanding_requests: Collection[str] | None = None,
        received_at: str | None = None,
        seen_assertion_ids: Container[str] | None = None,
        browser_requests: Collection[str] | None = None,
    ) -> CheckSettings:
        """What the check engine compares a response with, for one profile, when the account
        answers to `urls` (Mimecast's own by default)."""
        chosen = self.profile(profile)
        answers = urls or self.account.urls
        return CheckSettings(
            entity_id=answers.entity_id,
            acs_url=answers.acs_url,
            idp_issuer=chosen.issuer_url,
            certificates=chosen.certificates,
            directory=self.directory,
            profile=ProfileView(
                name=chosen.name,
                enforced_applications=chosen.enforce_saml_for,
                requested_contexts=chosen.requested_contexts,
                login_url=chosen.login_url,
                allow_single_sign_on=chosen.allow_single_sign_on,
            ),
            account_code=self.account.code,
            region=self.account.region,
            clock_skew=self.clock_skew,
            outstanding_requests=outstanding_requests,
            received_at=received_at,
            seen_assertion_ids=seen_assertion_ids,
            browser_requests=browser_requests,
            provider=chosen.provider,
        )

"""How findings name the identity provider: in Entra's portal words when the profile's
provider is Entra (Azure AD), in neutral words ("the IdP") for any other or an unknown one.

A Mimecast authentication profile names its provider ("Azure Active Directory" is Mimecast's
name for Entra ID); `CheckSettings.provider` carries it and `CheckSettings.wording` picks one
of the two `Wording`s here. Both are built once, so a check pays a cached lookup, not string
work. Side values stay stable JSON codes: an Entra profile's hints keep `Side.ENTRA_APP` /
`Side.ENTRA_USER`; any other provider's hints say `Side.IDP` / `Side.IDP_USER`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sp_sim.core.model import Side

__all__ = ["ENTRA", "ENTRA_PROVIDERS", "NEUTRAL", "Wording", "is_entra", "wording_for"]


@dataclass(frozen=True)
class Wording:
    """The provider-dependent words of findings: who the IdP is, where its settings live."""

    entra: bool
    idp: str
    """The IdP in a sentence: "Entra" or "the IdP"."""
    app: Side
    """Where the IdP's settings for this SP live (hint side)."""
    user: Side
    """Where a user's attributes live at the IdP (hint side)."""
    identifier: str
    """The IdP's setting that becomes the Audience."""
    reply_url: str
    """The IdP's setting that becomes Destination and Recipient."""
    name_id: str
    """The IdP's setting that chooses the NameID."""
    signing_option: str
    """The IdP's setting that chooses what is signed."""
    signing_algorithm: str
    """The IdP's setting that chooses the signature algorithm."""
    token_encryption: str
    """The IdP's setting that encrypts the assertion."""
    mail: str
    """The user's email address as the IdP names its source."""
    portal: str
    """Where an IdP-initiated sign-in starts."""

    def aside(self, text: str) -> str:
        """` (text)` for Entra, nothing for another IdP: an Entra-only detail in a message."""
        return f" ({text})" if self.entra else ""


ENTRA = Wording(
    entra=True,
    idp="Entra",
    app=Side.ENTRA_APP,
    user=Side.ENTRA_USER,
    identifier="Basic SAML Configuration › Identifier (Entity ID)",
    reply_url="Basic SAML Configuration › Reply URL (Assertion Consumer Service URL)",
    name_id="Attributes & Claims › Unique User Identifier (Name ID)",
    signing_option="SAML Signing Certificate › Signing Option",
    signing_algorithm="SAML Signing Certificate › Signing Algorithm",
    token_encryption="Token encryption",
    mail="user.mail",
    portal="a My Apps tile",
)
NEUTRAL = Wording(
    entra=False,
    idp="the IdP",
    app=Side.IDP,
    user=Side.IDP_USER,
    identifier="this SP's entity ID (the Audience it sends)",
    reply_url="this SP's ACS URL (the Destination and Recipient it sends)",
    name_id="NameID (its source attribute and format)",
    signing_option="what it signs (the assertion, the response or both)",
    signing_algorithm="signature algorithm",
    token_encryption="assertion encryption",
    mail="the user's email address",
    portal="the IdP's portal",
)

ENTRA_PROVIDERS = frozenset(
    {"azureactivedirectory", "azuread", "aad", "entra", "entraid", "microsoftentraid"}
)
"""Provider names that mean Entra ID, compared without case, spaces or punctuation."""


def is_entra(provider: str | None) -> bool:
    """Whether a profile's provider name means Entra ID (None: unknown, so not)."""
    if provider is None:
        return False
    return "".join(c for c in provider.casefold() if c.isalnum()) in ENTRA_PROVIDERS


@lru_cache(maxsize=64)
def wording_for(provider: str | None) -> Wording:
    """Entra's wording for an Entra provider, the neutral wording for any other."""
    return ENTRA if is_entra(provider) else NEUTRAL

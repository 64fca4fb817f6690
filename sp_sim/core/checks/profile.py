"""Profile: does the user's application setting reach this authentication profile, and
does the profile sign anyone in with SAML?

Mimecast finds the address, then the application setting (group) that covers it, then that
setting's authentication profile; the profile must allow single sign-on and enforce SAML
for the application the user signs in to.
"""

from __future__ import annotations

from sp_sim.core.codes import Code
from sp_sim.core.model import Finding, Hint, Side, Status
from sp_sim.core.settings import APPLICATIONS, Address, CheckSettings, ProfileView


def check_sso_allowed(profile: ProfileView) -> Finding | None:
    """Allow Single Sign On unticked: nobody signs in with SAML through the profile."""
    if profile.allow_single_sign_on:
        return None
    return Finding(
        Code.PROFILE_SSO_NOT_ALLOWED,
        Status.FAIL,
        f"Profile {profile.name!r} does not have Allow Single Sign On ticked: Mimecast "
        "does not sign anyone in with SAML through it.",
        expected="Allow Single Sign On ticked",
        observed="not ticked",
        hint=Hint(Side.MIMECAST_PROFILE, "Allow Single Sign On", "tick it"),
    )


def check_reaches_profile(address: Address, profile: ProfileView, covered: bool) -> Finding | None:
    """The address's application setting must name this profile."""
    if address.profile == profile.name:
        return None
    reached = f"profile {address.profile!r}" if address.profile else "no SAML profile"
    return Finding(
        Code.PROFILE_OTHER_PROFILE,
        Status.FAIL,
        f"{address.email} is covered by an application setting with {reached}, "
        f"not {profile.name!r}.",
        expected=profile.name,
        observed=address.profile or "(none)",
        hint=Hint(
            Side.MIMECAST_APPLICATION_SETTINGS,
            "Authentication Profile",
            f"select {profile.name!r} in the application setting (group) that covers "
            f"{address.email}",
        ),
        covered_by_signature=covered,
    )


def check_enforced(address: Address, profile: ProfileView, covered: bool) -> Finding:
    """The profile must enforce SAML for the application the address signs in to."""
    application = address.application or "mimecast"
    name = APPLICATIONS.get(application, application)
    enforced = application in profile.enforced_applications or (
        "mimecast" in profile.enforced_applications
    )
    if not enforced:
        return Finding(
            Code.PROFILE_SAML_NOT_ENFORCED,
            Status.FAIL,
            f"Profile {profile.name!r} does not enforce SAML for {name}: Mimecast "
            "would ask for a password instead.",
            expected=name,
            observed=", ".join(
                APPLICATIONS.get(a, a) for a in sorted(profile.enforced_applications)
            )
            or "(none)",
            hint=Hint(Side.MIMECAST_PROFILE, "Enforce SAML Authentication for", f"tick {name}"),
            covered_by_signature=covered,
        )
    return Finding(
        Code.PROFILE_APPLIES,
        Status.PASS,
        f"{address.email} reaches profile {profile.name!r}, which enforces SAML for {name}.",
        expected=profile.name,
        observed=profile.name,
        covered_by_signature=covered,
    )


def check_profile(address: Address | None, settings: CheckSettings, covered: bool) -> Finding:
    """Allow Single Sign On, the address's profile, and SAML enforced for its application."""
    profile = settings.profile
    if profile is not None and (refused := check_sso_allowed(profile)) is not None:
        return refused
    if profile is None or address is None:
        why = "no tenant profile is configured" if profile is None else "the user was not found"
        return Finding(Code.PROFILE_SKIPPED, Status.SKIPPED, f"Not checked: {why}.")
    other = check_reaches_profile(address, profile, covered)
    return other if other is not None else check_enforced(address, profile, covered)

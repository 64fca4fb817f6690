"""AuthnStatement and replay.

Profiles §4.1.4.2: a Web SSO assertion carries at least one AuthnStatement. §4.1.4.5:
the SP should keep the IDs of used bearer assertions until they expire, and refuse a
second use. The replay cache belongs to whoever holds state (the server); the core
only looks.
"""

from __future__ import annotations

from lxml import etree

from sp_sim.core.codes import Code
from sp_sim.core.model import Finding, Hint, Side, Status
from sp_sim.core.settings import CheckSettings
from sp_sim.core.xml import ASSERTION, qname, text_of

_AUTHN = "/Response/Assertion/AuthnStatement"


def check_authn(assertion: etree._Element, settings: CheckSettings, covered: bool) -> Finding:
    """AuthnStatement present; its AuthnContextClassRef reported."""
    statement = assertion.find(qname(ASSERTION, "AuthnStatement"))
    if statement is None:
        return Finding(
            Code.AUTHN_MISSING,
            Status.FAIL,
            "The assertion has no AuthnStatement.",
            expected="an AuthnStatement",
            location=_AUTHN,
            covered_by_signature=covered,
        )
    class_ref = (
        text_of(
            statement.find(
                f"{qname(ASSERTION, 'AuthnContext')}/{qname(ASSERTION, 'AuthnContextClassRef')}"
            )
        )
        or "(none)"
    )
    requested = settings.profile.requested_contexts if settings.profile else ()
    if requested and class_ref not in requested:
        return Finding(
            Code.AUTHN_CONTEXT_DIFFERS,
            Status.WARN,
            f"The user signed in with {class_ref}; the profile requests {', '.join(requested)}. "
            "In an SP-initiated sign-in the IdP may refuse it"
            f"{settings.wording.aside('Entra: AADSTS75011')}.",
            expected=" or ".join(requested),
            observed=class_ref,
            hint=Hint(
                Side.MIMECAST_PROFILE,
                "Use Password protected Context / Use Integrated Authentication Context",
                "untick both, as Microsoft's tutorial says"
                if settings.wording.entra
                else "untick both, unless the IdP asserts one of them",
            ),
            location=f"{_AUTHN}/AuthnContext/AuthnContextClassRef",
            covered_by_signature=covered,
        )
    return Finding(
        Code.AUTHN_STATEMENT,
        Status.PASS,
        f"Authenticated with {class_ref} at {statement.get('AuthnInstant', '?')}.",
        observed=class_ref,
        location=_AUTHN,
        covered_by_signature=covered,
    )


def check_replay(assertion: etree._Element, settings: CheckSettings, covered: bool) -> Finding:
    """Refuse an assertion ID that was already used."""
    assertion_id = assertion.get("ID", "")
    location = "/Response/Assertion/@ID"
    if settings.seen_assertion_ids is None:
        return Finding(
            Code.REPLAY_SKIPPED,
            Status.SKIPPED,
            "No replay cache in an offline check.",
            observed=assertion_id,
            location=location,
            covered_by_signature=covered,
        )
    if assertion_id in settings.seen_assertion_ids:
        return Finding(
            Code.REPLAY_REPLAYED,
            Status.FAIL,
            f"Assertion {assertion_id} was already used: a replay.",
            expected="an assertion ID not seen before",
            observed=assertion_id,
            hint=Hint(Side.SENDER, "sign-in", "sign in again for a fresh assertion"),
            location=location,
            covered_by_signature=covered,
        )
    return Finding(
        Code.REPLAY_FRESH,
        Status.PASS,
        "The assertion ID is new.",
        observed=assertion_id,
        location=location,
        covered_by_signature=covered,
    )

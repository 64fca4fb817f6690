"""Audience: was the assertion issued for this SP's entity ID?

SAML Core §2.5.1.4: the assertion is valid only for the audiences named; with several
AudienceRestriction elements, each must name this SP. The IdP writes its setting for the
SP's entity ID here (Entra: the app's Identifier); Mimecast expects `https://<region>-api.mimecast.com/sso/<ACCOUNTCODE>`.
"""

from __future__ import annotations

from lxml import etree

from sp_sim.core.codes import Code
from sp_sim.core.mimecast import (
    Region,
    other_spelling,
    parse_mimecast_url,
    schemeless_entity_id,
)
from sp_sim.core.model import Finding, Hint, Status
from sp_sim.core.settings import CheckSettings
from sp_sim.core.wording import ENTRA, Wording
from sp_sim.core.xml import ASSERTION, qname, text_of

_LOCATION = "/Response/Assertion/Conditions/AudienceRestriction/Audience"


def check_audience(assertion: etree._Element, settings: CheckSettings, covered: bool) -> Finding:
    """Every AudienceRestriction must include the entity ID."""
    expected = settings.entity_id
    restrictions = assertion.findall(
        f"{qname(ASSERTION, 'Conditions')}/{qname(ASSERTION, 'AudienceRestriction')}"
    )
    audiences = [
        [text_of(a) or "" for a in r.findall(qname(ASSERTION, "Audience"))] for r in restrictions
    ]
    observed = ", ".join(a for group in audiences for a in group) or None
    if not restrictions:
        return Finding(
            Code.AUDIENCE_MISSING,
            Status.FAIL,
            "The assertion has no AudienceRestriction: it is not bound to any SP.",
            expected=expected,
            location=_LOCATION,
            covered_by_signature=covered,
        )
    if not expected:
        return Finding(
            Code.AUDIENCE_NOT_CONFIGURED,
            Status.SKIPPED,
            "No entity ID is configured; the audience was not compared.",
            observed=observed,
            location=_LOCATION,
            covered_by_signature=covered,
        )
    wanted = parse_mimecast_url(expected)
    spellings = {
        a for group in audiences for a in group if other_spelling(parse_mimecast_url(a), wanted)
    }
    unmet = [group for group in audiences if expected not in group and not spellings & set(group)]
    if not unmet:
        other = (
            f" ({', '.join(sorted(spellings))}: the other spelling of this region's host; accepted)"
            if spellings
            else ""
        )
        return Finding(
            Code.AUDIENCE_MATCH,
            Status.PASS,
            f"The assertion is meant for this entity ID{other}.",
            expected=expected,
            observed=observed,
            location=_LOCATION,
            covered_by_signature=covered,
        )
    nearest = next((a for a in unmet[0] if a), "")
    wording = settings.wording
    code, why = check_audience_value(nearest, expected, settings.region, wording)
    return Finding(
        code,
        Status.FAIL,
        f"{why} Mimecast refuses an assertion that is not addressed to it.",
        expected=expected,
        observed=observed or "(empty)",
        hint=Hint(wording.app, wording.identifier, f"set it to {expected}"),
        location=_LOCATION,
        covered_by_signature=covered,
    )


def check_audience_value(
    observed: str, expected: str, region: Region | None, wording: Wording = ENTRA
) -> tuple[Code, str]:
    """(code, explanation) of how an Audience or Identifier misses the entity ID (the
    doctor's Entra app by default, or the profile's provider)."""
    seen, wanted = parse_mimecast_url(observed), parse_mimecast_url(expected)
    code = wanted.account_code
    if code is None or not observed:
        return Code.AUDIENCE_MISMATCH, f"Audience is {observed!r}, not {expected}."
    if region is not None and observed == schemeless_entity_id(region, code):
        return (
            Code.AUDIENCE_MISSING_SCHEME,
            f"Audience {observed!r} is the scheme-less form Mimecast asks other IdPs for; "
            f"this profile expects the https:// URL"
            f"{wording.aside('the form an Entra Identifier takes')}.",
        )
    if seen.scheme != "https" and seen.host == wanted.host and seen.path == wanted.path:
        return Code.AUDIENCE_MISSING_SCHEME, f"Audience {observed!r} lacks https://."
    if seen.region is not None and wanted.region is not None and seen.region != wanted.region:
        return (
            Code.AUDIENCE_WRONG_REGION,
            f"Audience names the {seen.region.key!r} region ({seen.host}); the account "
            f"lives in {wanted.region.key!r} ({wanted.host}).",
        )
    if seen.host == wanted.host and seen.account_code is not None:
        got = seen.account_code
        if not got:
            return Code.AUDIENCE_ACCOUNT_CODE_MISSING, (
                f"Audience {observed!r} has no account code after /sso/."
            )
        if got.upper() == code.upper():
            return Code.AUDIENCE_ACCOUNT_CODE_CASE, (
                f"Audience has the account code as {got!r}; account codes are upper case ({code})."
            )
        return Code.AUDIENCE_ACCOUNT_CODE_WRONG, (
            f"Audience names account {got!r}; this account is {code!r}."
        )
    return Code.AUDIENCE_MISMATCH, f"Audience is {observed!r}, not {expected}."

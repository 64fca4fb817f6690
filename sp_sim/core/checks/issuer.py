"""Issuer: did the assertion come from the IdP the profile names?

SAML Core §2.2.5; Entra's Issuer is `https://sts.windows.net/<tenant-id>/`, trailing
slash included, in both the Response and the Assertion. The profile's Issuer URL must
equal it exactly.
"""

from __future__ import annotations

import re

from lxml import etree

from sp_sim.core.codes import Code
from sp_sim.core.model import Finding, Hint, Side, Status
from sp_sim.core.settings import CheckSettings
from sp_sim.core.xml import ASSERTION, qname, text_of

_STS = re.compile(r"^https://sts\.windows\.net/([0-9a-fA-F-]{36})/?$")
_LOGIN = re.compile(r"^https://login\.microsoftonline\.com/([^/]+)/(saml2|v2\.0|wsfed)/?", re.I)
_FIELD = "Issuer URL"


def check_issuer(
    response: etree._Element,
    assertion: etree._Element,
    settings: CheckSettings,
    response_covered: bool,
    assertion_covered: bool,
) -> list[Finding]:
    """Compare the Assertion's Issuer (and the Response's, when present) with the profile."""
    tag = qname(ASSERTION, "Issuer")
    in_assertion = text_of(assertion.find(tag))
    in_response = text_of(response.find(tag))
    if not in_assertion:
        return [
            Finding(
                Code.ISSUER_MISSING,
                Status.FAIL,
                "The Assertion has no Issuer.",
                expected=settings.idp_issuer,
                location="/Response/Assertion/Issuer",
                covered_by_signature=assertion_covered,
            )
        ]
    findings: list[Finding] = []
    if in_response and in_response != in_assertion:
        findings.append(
            Finding(
                Code.ISSUER_INCONSISTENT,
                Status.FAIL,
                "The Response and the Assertion name different issuers.",
                expected=in_assertion,
                observed=in_response,
                location="/Response/Issuer",
                covered_by_signature=response_covered,
            )
        )
    findings.append(_compare(in_assertion, settings, assertion_covered))
    return findings


def _compare(observed: str, settings: CheckSettings, covered: bool) -> Finding:
    location = "/Response/Assertion/Issuer"
    expected = settings.idp_issuer
    if not expected:
        return Finding(
            Code.ISSUER_NOT_CONFIGURED,
            Status.SKIPPED,
            "No Issuer URL is configured; the issuer was not compared.",
            observed=observed,
            location=location,
            covered_by_signature=covered,
        )
    if observed == expected:
        return Finding(
            Code.ISSUER_MATCH,
            Status.PASS,
            "Issuer is the profile's Issuer URL.",
            expected=expected,
            observed=observed,
            location=location,
            covered_by_signature=covered,
        )
    fix = Hint(
        Side.MIMECAST_PROFILE,
        _FIELD,
        f"set it to {observed} (Entra's 'Microsoft Entra Identifier'), if that is your tenant",
    )
    code, why = Code.ISSUER_MISMATCH, f"Issuer is {observed}, the profile expects {expected}."
    seen_tenant, wanted_tenant = _STS.match(observed), _STS.match(expected)
    if observed.rstrip("/") == expected.rstrip("/"):
        code = Code.ISSUER_TRAILING_SLASH
        why = (
            f"Issuer and the profile's Issuer URL differ only by the trailing slash "
            f"({observed!r} vs {expected!r}); the comparison is exact."
        )
        fix = Hint(Side.MIMECAST_PROFILE, _FIELD, f"set it to exactly {observed}")
    elif _LOGIN.match(expected):
        code = Code.ISSUER_LOGIN_URL
        why = (
            f"The profile's Issuer URL holds Entra's Login URL ({expected}); the issuer "
            f"is the Entra Identifier {observed}."
        )
        fix = Hint(
            Side.MIMECAST_PROFILE,
            _FIELD,
            f"set it to {observed}; the Login URL belongs in the Login URL field",
        )
    elif seen_tenant and wanted_tenant and seen_tenant.group(1) != wanted_tenant.group(1):
        code = Code.ISSUER_OTHER_TENANT
        why = (
            f"The assertion comes from Entra tenant {seen_tenant.group(1)}, the profile "
            f"trusts tenant {wanted_tenant.group(1)}."
        )
        fix = Hint(
            Side.MIMECAST_PROFILE,
            _FIELD,
            f"use the Issuer (and certificate) of tenant {seen_tenant.group(1)} if "
            "that is the right tenant; otherwise the user signed in to the wrong one",
        )
    return Finding(
        code,
        Status.FAIL,
        why,
        expected=expected,
        observed=observed,
        hint=fix,
        location=location,
        covered_by_signature=covered,
    )

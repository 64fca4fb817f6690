"""Issuer: did the assertion come from the IdP the profile names?

SAML Core §2.2.5: the IdP's entity ID. Entra's Issuer is
`https://sts.windows.net/<tenant-id>/`, trailing slash included, in both the Response and
the Assertion. The profile's Issuer URL must equal it exactly.
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
_ENTRA_NAME = ", Entra's 'Microsoft Entra Identifier'"


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


_Miss = tuple[Code, str, Hint]


def _trailing_slash(observed: str, expected: str) -> _Miss | None:
    if observed.rstrip("/") != expected.rstrip("/"):
        return None
    return (
        Code.ISSUER_TRAILING_SLASH,
        f"Issuer and the profile's Issuer URL differ only by the trailing slash "
        f"({observed!r} vs {expected!r}); the comparison is exact.",
        Hint(Side.MIMECAST_PROFILE, _FIELD, f"set it to exactly {observed}"),
    )


def _login_url(observed: str, expected: str) -> _Miss | None:
    if not _LOGIN.match(expected):
        return None
    return (
        Code.ISSUER_LOGIN_URL,
        f"The profile's Issuer URL holds Entra's Login URL ({expected}); the issuer "
        f"is {'the Entra Identifier ' if _STS.match(observed) else ''}{observed}.",
        Hint(
            Side.MIMECAST_PROFILE,
            _FIELD,
            f"set it to {observed}; the Login URL belongs in the Login URL field",
        ),
    )


def _other_tenant(observed: str, expected: str) -> _Miss | None:
    seen, wanted = _STS.match(observed), _STS.match(expected)
    if not (seen and wanted) or seen.group(1) == wanted.group(1):
        return None
    return (
        Code.ISSUER_OTHER_TENANT,
        f"The assertion comes from Entra tenant {seen.group(1)}, the profile "
        f"trusts tenant {wanted.group(1)}.",
        Hint(
            Side.MIMECAST_PROFILE,
            _FIELD,
            f"use the Issuer (and certificate) of tenant {seen.group(1)} if "
            "that is the right tenant; otherwise the user signed in to the wrong one",
        ),
    )


_NEAR_MISSES = (_trailing_slash, _login_url, _other_tenant)


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
    miss = next((m for rule in _NEAR_MISSES if (m := rule(observed, expected))), None)
    code, why, fix = miss or (
        Code.ISSUER_MISMATCH,
        f"Issuer is {observed}, the profile expects {expected}.",
        Hint(
            Side.MIMECAST_PROFILE,
            _FIELD,
            f"set it to {observed} (the IdP's entity ID"
            f"{_ENTRA_NAME if settings.wording.entra else ''}), if that is your IdP",
        ),
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

"""Destination and Recipient: was the message meant for this ACS URL?

SAML Bindings §3.5.5.2: a signed Response's Destination must be the URL it was sent
to. Profiles §4.1.4.3: the bearer SubjectConfirmationData Recipient must be the ACS
URL. The IdP writes its ACS URL setting into both (Entra: the Reply URL).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sp_sim.core.codes import Code
from sp_sim.core.mimecast import other_spelling, parse_mimecast_url
from sp_sim.core.model import Finding, Hint, Side, Status
from sp_sim.core.settings import CheckSettings

_CODES = {
    "Destination": (
        Code.DESTINATION_MATCH,
        Code.DESTINATION_MISMATCH,
        Code.DESTINATION_WRONG_REGION,
        Code.DESTINATION_LEGACY_ENDPOINT,
        Code.DESTINATION_BEHIND_PROXY,
    ),
    "Recipient": (
        Code.RECIPIENT_MATCH,
        Code.RECIPIENT_MISMATCH,
        Code.RECIPIENT_WRONG_REGION,
        Code.RECIPIENT_LEGACY_ENDPOINT,
        Code.RECIPIENT_BEHIND_PROXY,
    ),
}
_SETTING = {True: "the Entra Reply URL", False: "the IdP's ACS URL setting"}
_PROXY = "the reverse proxy in front of the SP (or the SP's list of trusted proxies)"


def _only_origin_differs(observed: str, expected: str) -> bool:
    """The same path, another scheme, host or port: what a proxy in between changes."""
    try:
        seen, wanted = urlsplit(observed), urlsplit(expected)
        origins = (
            (seen.scheme, seen.hostname, seen.port),
            (wanted.scheme, wanted.hostname, wanted.port),
        )
    except ValueError:
        return False
    same_path = seen.path.rstrip("/") == wanted.path.rstrip("/") and seen.query == wanted.query
    return same_path and origins[0] != origins[1]


def compare_acs(
    kind: str, observed: str, settings: CheckSettings, location: str, covered: bool
) -> Finding:
    """Compare a Destination or Recipient with the ACS URL, explaining near misses."""
    match, mismatch, wrong_region, legacy, behind_proxy = _CODES[kind]
    expected = settings.acs_url or ""
    if observed == expected:
        return Finding(
            match,
            Status.PASS,
            f"{kind} is this ACS URL.",
            expected=expected,
            observed=observed,
            location=location,
            covered_by_signature=covered,
        )
    wording = settings.wording
    hint = Hint(wording.app, wording.reply_url, f"set it to {expected}")
    if settings.proxy_url is not None and _only_origin_differs(observed, expected):
        return Finding(
            behind_proxy,
            Status.FAIL,
            f"{kind} is {observed}; this SP serves {expected}, and the request came through a "
            f"reverse proxy whose headers say {settings.proxy_url}. Behind a proxy: trust it "
            "with --trusted-proxy, or fix the proxy's headers (X-Forwarded-Proto/Host/Port "
            f"or Forwarded), rather than {_SETTING[wording.entra]}.",
            expected=expected,
            observed=observed,
            hint=Hint(Side.SENDER, _PROXY, "sp-sim serve --trusted-proxy <the proxy's CIDR>"),
            location=location,
            covered_by_signature=covered,
        )
    seen = parse_mimecast_url(observed)
    wanted = parse_mimecast_url(expected)
    if other_spelling(seen, wanted):
        # Jersey: Microsoft writes jer-api, Mimecast's own scripts je-api; both reach it.
        return Finding(
            match,
            Status.PASS,
            f"{kind} uses {seen.host}, the other spelling of this region's host; accepted.",
            expected=expected,
            observed=observed,
            location=location,
            covered_by_signature=covered,
        )
    code, why = mismatch, f"{kind} is {observed}, not this ACS URL {expected}."
    if seen.is_legacy:
        code = legacy
        why = (
            f"{kind} is an old Mimecast endpoint ({observed}); requests to it loop back "
            "to the login page."
        )
    elif seen.region is not None and wanted.region is not None and seen.region != wanted.region:
        code = wrong_region
        why = (
            f"{kind} points at the {seen.region.key!r} region ({seen.host}), but the "
            f"account lives in {wanted.region.key!r} ({wanted.host})."
        )
    elif seen.path.rstrip("/") == wanted.path.rstrip("/") and seen.host == wanted.host:
        why = f"{kind} differs from the ACS URL only in scheme, case or a trailing slash."
    return Finding(
        code,
        Status.FAIL,
        why,
        expected=expected,
        observed=observed,
        hint=hint,
        location=location,
        covered_by_signature=covered,
    )


def check_endpoint(settings: CheckSettings) -> Finding:
    """Did the message reach the region the account lives in?"""
    if settings.received_at is None or settings.acs_url is None:
        return Finding(
            Code.ENDPOINT_SKIPPED,
            Status.SKIPPED,
            "Not checked: an offline check (the message reached no endpoint).",
        )
    reached = parse_mimecast_url(settings.received_at)
    home = settings.region or parse_mimecast_url(settings.acs_url).region
    if reached.region is not None and home is not None and reached.region != home:
        return Finding(
            Code.ENDPOINT_WRONG_REGION,
            Status.FAIL,
            f"The message reached the {reached.region.key!r} grid ({reached.host}); the "
            f"account lives in {home.key!r} ({home.host}), which the "
            f"{reached.region.key!r} grid does not know.",
            expected=settings.acs_url,
            observed=settings.received_at,
            hint=Hint(
                settings.wording.app, settings.wording.reply_url, f"set it to {settings.acs_url}"
            ),
        )
    return Finding(
        Code.ENDPOINT_MATCH,
        Status.PASS,
        "The message reached the account's regional endpoint.",
        expected=settings.acs_url,
        observed=settings.received_at,
    )

"""Certificate: is the configured IdP certificate within its validity?

Mimecast keeps verifying with an expired certificate (by what support sees), so an
expired or soon-expiring certificate is a warning, not a failure. Entra mails its
expiry notices at 60, 30 and 7 days (hence the default window, for any IdP); the window
is `settings.certificate_warning`.
"""

from __future__ import annotations

from datetime import datetime

from sp_sim.core.certs import Certificate
from sp_sim.core.codes import Code
from sp_sim.core.model import Finding, Hint, Side, Status
from sp_sim.core.settings import CheckSettings

_RENEW = {
    entra: Hint(
        Side.MIMECAST_PROFILE,
        "Identity Provider Certificate (Metadata)",
        "create and activate a new signing certificate at the IdP"
        + (" (Entra: the app's SAML Signing Certificate)" if entra else "")
        + ", then paste it here or Import the metadata again",
    )
    for entra in (True, False)
}


def check_certificates(
    settings: CheckSettings, used: tuple[Certificate, ...], now: datetime
) -> list[Finding]:
    """One finding per certificate that verified (or, if none did, per configured one)."""
    subjects = used or settings.certificates
    if not subjects:
        return [Finding(Code.CERTIFICATE_SKIPPED, Status.SKIPPED, "No certificate configured.")]
    return [_one(certificate, settings, now) for certificate in subjects]


def _one(certificate: Certificate, settings: CheckSettings, now: datetime) -> Finding:
    left = certificate.not_after - now
    validity = f"valid {certificate.not_before:%Y-%m-%d} to {certificate.not_after:%Y-%m-%d}"
    if now >= certificate.not_after:
        return Finding(
            Code.CERTIFICATE_EXPIRED,
            Status.WARN,
            f"Certificate {certificate.thumbprint} expired {-left.days} day(s) ago "
            f"({validity}). The IdP signs with it until a new one is made active.",
            expected=f"not after {now:%Y-%m-%d}",
            observed=validity,
            hint=_RENEW[settings.wording.entra],
        )
    if left <= settings.certificate_warning:
        return Finding(
            Code.CERTIFICATE_EXPIRING,
            Status.WARN,
            f"Certificate {certificate.thumbprint} expires in {left.days} day(s) ({validity}).",
            expected=f"more than {settings.certificate_warning.days} days left",
            observed=validity,
            hint=_RENEW[settings.wording.entra],
        )
    return Finding(
        Code.CERTIFICATE_VALID,
        Status.PASS,
        f"Certificate {certificate.thumbprint} is {validity}.",
        observed=validity,
    )

"""The doctor's certificate rules: does the profile hold the certificate Entra signs with,
and does any known signing certificate expire soon. A pass only when some input says which
certificate is active; in Entra's federation metadata that is the first signing
certificate (the rollover one follows)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sp_sim.core.codes import Code
from sp_sim.core.model import Finding, Hint, Side, Status
from sp_sim.support.prediction import Evidence, predicted, unknown

_CERTIFICATE = "Identity Provider Certificate (Metadata)"


def _active(e: Evidence) -> tuple[str | None, str | None]:
    """The certificate Entra signs with, as each source says: the Entra app's
    preferredTokenSigningKeyThumbprint, and the federation metadata's first signing
    certificate (Entra lists the active one first, then the rollover one)."""
    said = e.entra.signing_thumbprint if e.entra else None
    first = e.metadata_certificates[0].thumbprint if e.metadata_certificates else None
    return said, first


def _not_in_profile(active: str, held: set[str], source: str) -> Finding:
    return predicted(
        Code.DOCTOR_CERTIFICATE_NOT_IN_PROFILE,
        f"Entra signs with {active} ({source}); the profile holds {', '.join(sorted(held))}.",
        active,
        ", ".join(sorted(held)),
        Hint(
            Side.MIMECAST_PROFILE,
            _CERTIFICATE,
            f"paste certificate {active} (Certificate (Base64) in Entra) "
            "or Import the metadata again",
        ),
    )


def certificate(e: Evidence) -> Finding:
    """A pass only when a source says which certificate Entra signs with and the profile
    holds it; sources that disagree about it make the check unknown."""
    held = {c.thumbprint for c in e.profile.certificates}
    if not held:
        return predicted(
            Code.DOCTOR_PROFILE_INCOMPLETE,
            "The profile holds no Identity Provider Certificate.",
            "Entra's signing certificate",
            "(none)",
            Hint(Side.MIMECAST_PROFILE, _CERTIFICATE, "paste it or Import"),
        )
    said, first = _active(e)
    if said is not None and said not in held:
        return _not_in_profile(said, held, "the Entra app's preferred signing key")
    published = {c.thumbprint for c in e.metadata_certificates}
    if published and not held & published:
        return predicted(
            Code.DOCTOR_CERTIFICATE_NOT_IN_METADATA,
            "None of the profile's certificates is in the federation "
            "metadata: rolled over in Entra, or from another app.",
            ", ".join(c.thumbprint for c in e.metadata_certificates),
            ", ".join(sorted(held)),
            Hint(Side.MIMECAST_PROFILE, _CERTIFICATE, "Import the metadata"),
        )
    if first is not None and first not in held:
        if said is None:
            return _not_in_profile(first, held, "the metadata's first, active, certificate")
        return Finding(
            Code.DOCTOR_UNKNOWN,
            Status.SKIPPED,
            f"Unknown: the Entra app says it signs with {said}, which the profile holds, but "
            f"the metadata's first (active) certificate is {first}, which it does not; one "
            "of the two files is out of date.",
            expected=f"{said} or {first}",
            observed=", ".join(sorted(held)),
        )
    if said is None and first is None:
        return unknown(
            "the certificate check",
            "the Entra app's signing thumbprint or its federation metadata",
        )
    return Finding(
        Code.DOCTOR_CERTIFICATE,
        Status.PASS,
        "The profile holds the certificate Entra signs with.",
        expected=said or first,
        observed=", ".join(sorted(held)),
    )


def certificate_expiry(e: Evidence, now: datetime) -> list[Finding]:
    """A warning for each known signing certificate (the profile's, the active one) that
    expires within 60 days. Silence here proves nothing about certificates not provided."""
    window = timedelta(days=60)
    said, _ = _active(e)
    ends = {c.thumbprint: c.not_after for c in e.profile.certificates}
    for key in e.entra.key_credentials if e.entra else ():
        if key.end is not None and (said is None or key.thumbprint == said):
            ends.setdefault(key.thumbprint or "?", key.end)
    if e.metadata_certificates:
        ends.setdefault(e.metadata_certificates[0].thumbprint, e.metadata_certificates[0].not_after)
    findings = []
    for thumbprint, end in ends.items():
        if end - now > window:
            continue
        state = "expired" if end <= now else f"expires in {(end - now).days} day(s)"
        findings.append(
            predicted(
                Code.DOCTOR_CERTIFICATE_EXPIRING,
                f"Signing certificate {thumbprint} {state} ({end:%Y-%m-%d}).",
                f"valid beyond {now + window:%Y-%m-%d}",
                f"{end:%Y-%m-%d}",
                Hint(
                    Side.ENTRA_APP,
                    "SAML Signing Certificate",
                    "create a new certificate, make it active, and paste "
                    "it into the Mimecast profile",
                ),
                Status.WARN,
            )
        )
    return findings

"""The doctor: the Mimecast account and the Entra app cross-checked with no sign-in at all,
predicting each failure before anyone tries. Findings take the engine's form; `PREDICTS`
names what each failing prediction says will happen (an AADSTS code or an engine check),
which the tests hold against the fake IdP so that the two cannot drift apart. A rule
passes only when its inputs prove it; a piece missing or partial makes it `doctor.unknown`.
The certificate rules live in `sp_sim.support.signing`, the inputs in
`sp_sim.support.prediction`. Pure: settings and an instant in, findings out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sp_sim.core.checks.audience import check_audience_value
from sp_sim.core.codes import Code
from sp_sim.core.mimecast import LEGACY_HOSTS, parse_mimecast_url, region_for_account
from sp_sim.core.model import Finding, Hint, Side, Status
from sp_sim.support.prediction import PREDICTS, Diagnosis, Evidence, Intent, predicted, unknown
from sp_sim.support.signing import certificate, certificate_expiry

__all__ = [
    "CHECKS",
    "PREDICTS",
    "Diagnosis",
    "Evidence",
    "Intent",
    "assignment",
    "certificate",
    "certificate_expiry",
    "context",
    "diagnose",
    "directory",
    "identifier",
    "issuer",
    "login_url",
    "name_id",
    "region",
    "reply_url",
    "sign_on_url",
]

_IDENTIFIER = "Basic SAML Configuration › Identifier (Entity ID)"
_REPLY = "Basic SAML Configuration › Reply URL (Assertion Consumer Service URL)"


def identifier(e: Evidence) -> Finding:
    if e.entra is None or e.entra.identifiers is None:
        return unknown("the Identifier check", "the Entra app (az ad sp show / app show)")
    if e.entity_id in e.entra.identifiers:
        return Finding(
            Code.DOCTOR_IDENTIFIER,
            Status.PASS,
            "The Entra app's Identifier is the Mimecast entity ID.",
            expected=e.entity_id,
            observed=", ".join(e.entra.identifiers),
        )
    hint = Hint(Side.ENTRA_APP, _IDENTIFIER, f"set it to {e.entity_id}")
    observed = ", ".join(e.entra.identifiers) or "(none)"
    schemeless = [
        i
        for i in e.entra.identifiers
        if "://" not in i
        and not i.startswith(("urn:", "spn:"))
        and i.strip("/").endswith(e.tenant.account.code)
    ]
    if schemeless:
        return predicted(
            Code.DOCTOR_IDENTIFIER_NOT_URL,
            f"The Identifier {schemeless[0]!r} lacks https://; Entra finds no app "
            "for an AuthnRequest Issuer that is not a URL.",
            e.entity_id,
            observed,
            hint,
        )
    nearest = next((i for i in e.entra.identifiers if "mimecast" in i), "")
    why = (
        check_audience_value(nearest, e.entity_id, e.tenant.account.region)[1]
        if nearest
        else "No Identifier names Mimecast."
    )
    return predicted(
        Code.DOCTOR_IDENTIFIER_MISMATCH,
        f"No Identifier is the entity ID. {why} SP-initiated sign-ins fail at Entra; "
        "IdP-initiated ones fail the audience check.",
        e.entity_id,
        observed,
        hint,
    )


def reply_url(e: Evidence) -> Finding:
    if e.entra is None or e.entra.reply_urls is None:
        return unknown("the Reply URL check", "the Entra app's reply URLs")
    if e.acs_url in e.entra.reply_urls:
        return Finding(
            Code.DOCTOR_REPLY_URL,
            Status.PASS,
            "A Reply URL is the region's ACS.",
            expected=e.acs_url,
            observed=", ".join(e.entra.reply_urls),
        )
    notes = []
    for url in e.entra.reply_urls:
        seen = parse_mimecast_url(url)
        if seen.is_legacy or LEGACY_HOSTS.match(seen.host):
            notes.append(f"{url} is an old endpoint")
        elif seen.region is not None and seen.region != e.tenant.account.region:
            notes.append(f"{url} is the {seen.region.key!r} region's")
        elif seen.path.rstrip("/") != "/login/saml":
            notes.append(f"{url} is not an ACS (a Sign-on URL pasted as Reply URL?)")
    return predicted(
        Code.DOCTOR_REPLY_URL_MISSING,
        "No Reply URL is this account's ACS" + (f": {'; '.join(notes)}." if notes else "."),
        e.acs_url,
        ", ".join(e.entra.reply_urls) or "(none)",
        Hint(Side.ENTRA_APP, _REPLY, f"add {e.acs_url}"),
    )


def context(e: Evidence) -> Finding:
    requested = e.profile.requested_contexts
    if not requested:
        return Finding(
            Code.DOCTOR_CONTEXT,
            Status.PASS,
            "Neither context checkbox is ticked: Entra accepts any sign-in method.",
        )
    return predicted(
        Code.DOCTOR_CONTEXT_REQUESTED,
        "A context checkbox is ticked: every SP-initiated sign-in asks for "
        f"{', '.join(requested)}, and Entra refuses users who signed in with MFA, "
        "a certificate, Windows integrated or passwordless.",
        "no RequestedAuthnContext",
        ", ".join(requested),
        Hint(
            Side.MIMECAST_PROFILE,
            "Use Password protected Context / Use Integrated Authentication Context",
            "untick both",
        ),
    )


def issuer(e: Evidence) -> Finding:
    if not e.profile.issuer_url:
        return predicted(
            Code.DOCTOR_PROFILE_INCOMPLETE,
            "The profile has no Issuer URL.",
            "Entra's Identifier (https://sts.windows.net/<tenant>/)",
            "(none)",
            Hint(Side.MIMECAST_PROFILE, "Issuer URL", "Import the metadata"),
        )
    if e.metadata is None:
        return unknown("the Issuer URL check", "the federation metadata")
    if e.profile.issuer_url == e.metadata.entity_id:
        return Finding(
            Code.DOCTOR_ISSUER,
            Status.PASS,
            "The Issuer URL is the metadata's entityID.",
            expected=e.metadata.entity_id,
            observed=e.profile.issuer_url,
        )
    why = (
        "differs only by the trailing slash"
        if e.profile.issuer_url.rstrip("/") == e.metadata.entity_id.rstrip("/")
        else "is the Login URL"
        if e.profile.issuer_url == e.metadata.login_url
        else "differs"
    )
    return predicted(
        Code.DOCTOR_ISSUER_MISMATCH,
        f"The profile's Issuer URL {why}.",
        e.metadata.entity_id,
        e.profile.issuer_url,
        Hint(Side.MIMECAST_PROFILE, "Issuer URL", f"set it to {e.metadata.entity_id}"),
    )


def region(e: Evidence) -> Finding:
    account = e.tenant.account
    expected = region_for_account(account.code)
    if expected is None:
        return unknown("the region check", f"a known prefix in account code {account.code}")
    if expected == account.region:
        return Finding(
            Code.DOCTOR_REGION,
            Status.PASS,
            f"Account {account.code} belongs to the {account.region.key!r} region.",
        )
    return predicted(
        Code.DOCTOR_REGION_MISMATCH,
        f"Account {account.code} has the {expected.key!r} prefix, but the settings use "
        f"the {account.region.key!r} region ({account.region.host}).",
        expected.host,
        account.region.host,
        Hint(
            Side.ENTRA_APP,
            _IDENTIFIER,
            f"use {expected.host} in the Identifier and Reply URL, if the account lives there",
        ),
    )


def sign_on_url(e: Evidence) -> Finding:
    if e.entra is None:
        return unknown("the Sign-on URL check", "the Entra app (az ad sp show)")
    if e.intent == Intent.SP:
        return Finding(
            Code.DOCTOR_SIGN_ON_URL,
            Status.PASS,
            "Only SP-initiated sign-in is intended: a Sign-on URL, set or not, does no harm.",
        )
    if e.entra.sign_on_url is None:  # e.g. only `az ad app show` or a claims policy given
        return unknown("the Sign-on URL check", "the servicePrincipal's loginUrl (az ad sp show)")
    if not e.entra.sign_on_url:
        return Finding(
            Code.DOCTOR_SIGN_ON_URL,
            Status.PASS,
            "No Sign-on URL set while IdP-initiated sign-in is intended.",
        )
    return predicted(
        Code.DOCTOR_SIGN_ON_URL_SET,
        f"A Sign-on URL ({e.entra.sign_on_url}) is set while IdP-initiated sign-in is "
        "intended: the My Apps tile sends the browser there without an assertion, and "
        "Mimecast says it can't validate your identity.",
        "(empty)",
        e.entra.sign_on_url,
        Hint(Side.ENTRA_APP, "Basic SAML Configuration › Sign on URL", "clear it"),
    )


def name_id(e: Evidence) -> Finding:
    source = e.entra.name_id_source if e.entra else None
    if source is None:
        return unknown(
            "the NameID check", "the claims-mapping policy or the Unique User Identifier setting"
        )
    if source == "user.mail":
        return Finding(
            Code.DOCTOR_NAMEID,
            Status.PASS,
            "The NameID is user.mail, the primary SMTP address Mimecast looks up.",
        )
    return predicted(
        Code.DOCTOR_NAMEID_UPN,
        f"The NameID comes from {source}; Mimecast needs the primary address. Users "
        "whose UPN differs (e.g. @…onmicrosoft.com) will not be found.",
        "user.mail",
        source,
        Hint(Side.ENTRA_APP, "Attributes & Claims › Unique User Identifier", "choose user.mail"),
        Status.WARN,
    )


def assignment(e: Evidence) -> Finding:
    if e.entra is None or e.entra.assignment_required is None:
        return unknown("the assignment check", "appRoleAssignmentRequired (az ad sp show)")
    if not e.entra.assignment_required:
        return Finding(
            Code.DOCTOR_ASSIGNMENT,
            Status.PASS,
            "Assignment is not required: every user may sign in.",
        )
    return predicted(
        Code.DOCTOR_ASSIGNMENT_REQUIRED,
        "Assignment is required: users (or groups they are direct members of) not "
        "assigned get AADSTS50105; nested groups don't count.",
        None,
        "required",
        Hint(Side.ENTRA_APP, "Users and groups", "assign every Mimecast user"),
        Status.WARN,
    )


def assigned_users(e: Evidence) -> Finding | None:
    """With assignment required, whether each Mimecast user is assigned decides the sign-in,
    and no input says so (az ad sp show holds the rule, not the assignments): unknown, so
    the verdict cannot be `works`."""
    if e.entra is None or not e.entra.assignment_required:
        return None
    return unknown(
        "whether every Mimecast user is assigned to the app (assignment is required)",
        "the app's user and group assignments (Enterprise app › Users and groups)",
    )


def directory(e: Evidence) -> Finding:
    if e.tenant.directory.domains:
        return Finding(
            Code.DOCTOR_DIRECTORY,
            Status.PASS,
            f"Registered domains: {', '.join(sorted(e.tenant.directory.domains))}.",
        )
    return predicted(
        Code.DOCTOR_DIRECTORY_EMPTY,
        "The directory has no registered domain: no address can be found.",
        "a registered domain",
        "(none)",
        Hint(Side.MIMECAST_DIRECTORY, "Domains", "register the users' domain"),
    )


def login_url(e: Evidence) -> Finding | None:
    if e.profile.login_url or e.intent == Intent.IDP:
        return None
    return predicted(
        Code.DOCTOR_PROFILE_INCOMPLETE,
        "The profile has no Login URL: SP-initiated sign-in cannot start.",
        "https://login.microsoftonline.com/<tenant>/saml2",
        "(none)",
        Hint(Side.MIMECAST_PROFILE, "Login URL", "Import the metadata"),
    )


CHECKS: tuple[Callable[[Evidence], Finding | None], ...] = (
    region,
    identifier,
    reply_url,
    sign_on_url,
    context,
    issuer,
    login_url,
    name_id,
    assignment,
    assigned_users,
    directory,
    certificate,
)


def diagnose(evidence: Evidence, now: datetime, sources: Sequence[str] = ()) -> Diagnosis:
    """Every prediction, failures first; `sources` name the inputs, for the reader."""
    findings = [f for check in CHECKS if (f := check(evidence)) is not None]
    findings += certificate_expiry(evidence, now)
    return Diagnosis.of(tuple(findings), tuple(sources))

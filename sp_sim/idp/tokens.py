"""What Entra puts in a token for one user and one app, and issuing it with faults applied.

The plain Python API of the fake IdP: `issue_response` mints without any server.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sp_sim.idp.faults import FaultSet
from sp_sim.idp.mint import Token, mint_response_element
from sp_sim.idp.model import (
    AUTHN_CONTEXT,
    AUTHN_METHODS_REFERENCES,
    GROUPS_LIMIT,
    NAMEID_FORMATS,
    EnterpriseApp,
    IdpTenant,
    User,
    pairwise_id,
)

CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
MS = "http://schemas.microsoft.com/identity/claims/"
GROUPS = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"
GROUPS_LINK = "http://schemas.microsoft.com/claims/groups.link"
AMR = "http://schemas.microsoft.com/claims/authnmethodsreferences"


def claims_for(
    tenant: IdpTenant, app: EnterpriseApp, user: User
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Entra's default claim set in its order, then the app's extra claims and groups."""
    default: list[tuple[str, tuple[str, ...]]] = [
        (f"{MS}tenantid", (tenant.tenant_id,)),
        (f"{MS}objectidentifier", (user.object_id,)),
        (f"{CLAIMS}name", (user.upn,)),
        (f"{CLAIMS}surname", (user.surname,)),
        (f"{CLAIMS}givenname", (user.given_name,)),
        (f"{MS}displayname", (user.display_name,)),
        (f"{MS}identityprovider", (tenant.issuer,)),
        (AMR, AUTHN_METHODS_REFERENCES[user.sign_in_method]),
        (f"{CLAIMS}emailaddress", (user.mail,)),
    ]
    extra: list[tuple[str, tuple[str, ...]]] = [
        (name, (user.attribute(source),)) for name, source in app.extra_claims
    ]
    if app.groups_claim and user.groups:
        if len(user.groups) > GROUPS_LIMIT:
            link = f"https://graph.windows.net/{tenant.tenant_id}/users/{user.object_id}/getMemberObjects"
            extra.append((GROUPS_LINK, (link,)))
        else:
            extra.append((GROUPS, user.groups))
    # Entra leaves out a claim whose source attribute is empty.
    return tuple((n, v) for n, v in (*default, *extra) if any(v))


def name_id_for(app: EnterpriseApp, user: User, requested_format: str | None) -> tuple[str, str]:
    """(value, format): the Unique User Identifier, or a pairwise ID when its source is empty.

    A NameIDPolicy format in the request wins over the app's setting.
    """
    value = user.attribute(app.name_id_source)
    name_format = requested_format or NAMEID_FORMATS.get(app.name_id_format, app.name_id_format)
    if not value:
        return pairwise_id(user, app), NAMEID_FORMATS["persistent"]
    return value, name_format


def token_for(
    tenant: IdpTenant,
    app: EnterpriseApp,
    user: User,
    now: datetime,
    acs_url: str | None = None,
    in_response_to: str | None = None,
    requested_format: str | None = None,
) -> Token:
    """The token Entra would issue, before any fault."""
    name_id, name_format = name_id_for(app, user, requested_format)
    recipient = acs_url or app.reply_url
    return Token(
        issuer=tenant.issuer,
        audience=app.identifiers[0],
        recipient=recipient,
        name_id=name_id,
        name_id_format=name_format,
        issue_instant=now,
        in_response_to=in_response_to,
        attributes=claims_for(tenant, app, user),
        authn_context=AUTHN_CONTEXT[user.sign_in_method],
        signing=app.signing,
        algorithm=app.algorithm,
        not_before_margin=timedelta(minutes=app.not_before_minutes),
        lifetime=timedelta(minutes=app.lifetime_minutes),
        confirmation_lifetime=timedelta(minutes=app.confirmation_minutes),
    )


@dataclass(frozen=True)
class Issued:
    """A response as sent, and the token it was minted from (after the faults that shape
    it): who it names, with which SessionIndex, for single logout."""

    xml: bytes
    token: Token


def issue(
    tenant: IdpTenant,
    app: EnterpriseApp,
    user: User,
    now: datetime,
    acs_url: str | None = None,
    in_response_to: str | None = None,
    requested_format: str | None = None,
    faults: FaultSet | None = None,
) -> Issued:
    """A signed Response as Entra would POST it, with the app's and the call's faults, and
    its token."""
    chosen = FaultSet.parse(app.faults).merged(faults)
    token = chosen.shape_token(
        token_for(tenant, app, user, now, acs_url, in_response_to, requested_format),
        app_id=app.app_id,
    )
    key = chosen.signing_key(tenant.active_key)
    response = mint_response_element(token, key)
    if app.token_encryption_certificate is not None:
        chosen = chosen.merged(FaultSet.parse(["encrypted-assertion"]))
    return Issued(chosen.after_signing(response, app.token_encryption_certificate), token)


def issue_response(
    tenant: IdpTenant,
    app: EnterpriseApp,
    user: User,
    now: datetime,
    acs_url: str | None = None,
    in_response_to: str | None = None,
    requested_format: str | None = None,
    faults: FaultSet | None = None,
) -> bytes:
    """A signed Response as Entra would POST it, with the app's and the call's faults."""
    return issue(tenant, app, user, now, acs_url, in_response_to, requested_format, faults).xml

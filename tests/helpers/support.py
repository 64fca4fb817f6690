"""Helpers the support tests share: an `az ad sp show` document for the fake IdP's app, and
a capture's worth of sign-ins (works, Entra error, refused, works)."""

from __future__ import annotations

import base64
from typing import Any

from sp_sim.idp.model import IdpTenant
from tests.helpers.server import Running

USER = "B.Simon@contoso.com"


def service_principal(idp: IdpTenant, **changes: Any) -> dict[str, Any]:
    """What `az ad sp show` prints for the fake IdP's Mimecast app."""
    app, certificate = idp.apps[0], idp.active_key.certificate
    document = {
        "appId": app.app_id,
        "displayName": app.name,
        "servicePrincipalType": "Application",
        "servicePrincipalNames": [*app.identifiers, app.app_id],
        "replyUrls": list(app.reply_urls),
        "loginUrl": None,
        "logoutUrl": None,
        "appRoleAssignmentRequired": False,
        "preferredSingleSignOnMode": "saml",
        "preferredTokenSigningKeyThumbprint": certificate.thumbprint,
        "samlSingleSignOnSettings": {"relayState": None},
        "keyCredentials": [
            {
                "customKeyIdentifier": base64.b64encode(
                    bytes.fromhex(certificate.thumbprint)
                ).decode(),
                "startDateTime": certificate.not_before.isoformat(),
                "endDateTime": certificate.not_after.isoformat(),
                "type": "AsymmetricX509Cert",
                "usage": "Verify",
                "keyId": "5a2c1c84-5a37-4b5f-8f5c-0c5f0e1d2a3b",
            }
        ],
    }
    document.update(changes)
    return document


async def four_sign_ins(running: Running) -> None:
    """A working SP-initiated sign-in, an Entra error, a refused response, a working tile."""
    assert (await running.flows.sp_initiated(USER)).works
    good = running.idp.apps[0]
    running.change_idp_app(reply_urls=("https://eu-api.mimecast.com/login/saml",))
    assert (await running.flows.sp_initiated(USER)).aadsts == "AADSTS50011"
    running.change_idp_app(reply_urls=good.reply_urls)
    assert not (await running.flows.idp_initiated(running.launch, USER, ("wrong-audience",))).works
    assert (await running.flows.idp_initiated(running.launch, USER)).works

"""A fake IdP app as Microsoft Graph describes it: what `az ad sp show --id <appId>` prints
(its servicePrincipal), what `az ad app show --id <appId>` prints (its application), and
the claims-mapping policy that carries its Unique User Identifier. The shapes are Graph
v1.0's; `sp_sim.support.graph.read_graph` and `read_claims_policy` read them back into the
same settings, so `sp-sim doctor` can be practised on a realistic input.

Object IDs are not in the IdP file; they are derived from the tenant and app IDs (UUID 5),
so they are stable between runs.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from typing import Any

from sp_sim.core.certs import Certificate
from sp_sim.idp.model import EnterpriseApp, IdpTenant

__all__ = ["application", "claims_mapping_policy", "not_found", "service_principal"]

GRAPH = "https://graph.microsoft.com/v1.0/$metadata"
NAMEID_CLAIM = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier"
SAML_APP_TAGS = (
    "WindowsAzureActiveDirectoryIntegratedApp",
    "WindowsAzureActiveDirectoryCustomSingleSignOnApplication",
)


def _object_id(tenant: IdpTenant, app: EnterpriseApp, kind: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{tenant.tenant_id}/{kind}/{app.app_id}"))


def _instant(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _thumbprint_bytes(certificate: Certificate) -> str:
    """Graph's customKeyIdentifier is binary (the 20 thumbprint bytes), base64 in JSON."""
    return base64.b64encode(bytes.fromhex(certificate.thumbprint)).decode("ascii")


def _key(
    tenant: IdpTenant, app: EnterpriseApp, certificate: Certificate, usage: str, name: str
) -> dict[str, Any]:
    return {
        "customKeyIdentifier": _thumbprint_bytes(certificate),
        "displayName": name,
        "endDateTime": _instant(certificate.not_after),
        "key": None,  # Graph returns the key only when `$select=keyCredentials` asks for it
        "keyId": str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"{tenant.tenant_id}/{app.app_id}/{usage}/{name}")
        ),
        "startDateTime": _instant(certificate.not_before),
        "type": "AsymmetricX509Cert",
        "usage": usage,
    }


def _signing_keys(tenant: IdpTenant, app: EnterpriseApp) -> list[dict[str, Any]]:
    """Each SAML signing certificate is a Sign (private key) and a Verify (certificate)
    keyCredential with the same thumbprint; the active one first."""
    keys = []
    for signing in tenant.signing_keys:
        certificate = signing.certificate
        name = certificate.subject or "CN=Microsoft Azure Federated SSO Certificate"
        keys += [
            _key(tenant, app, certificate, "Sign", name),
            _key(tenant, app, certificate, "Verify", name),
        ]
    return keys


def service_principal(tenant: IdpTenant, app: EnterpriseApp) -> dict[str, Any]:
    """`az ad sp show --id <appId>`: the enterprise app's single sign-on settings."""
    keys = _signing_keys(tenant, app)
    encryption = app.token_encryption_certificate
    encryption_key = (
        None if encryption is None else _key(tenant, app, encryption, "Encrypt", encryption.subject)
    )
    if encryption_key is not None:
        keys.append(encryption_key)
    return {
        "@odata.context": f"{GRAPH}#servicePrincipals/$entity",
        "id": _object_id(tenant, app, "servicePrincipal"),
        "accountEnabled": True,
        "appDisplayName": app.name,
        "appId": app.app_id,
        "appOwnerOrganizationId": tenant.tenant_id,
        "appRoleAssignmentRequired": app.assignment_required,
        "appRoles": [
            {
                "allowedMemberTypes": ["User"],
                "description": "msiam_access",
                "displayName": "msiam_access",
                "id": _object_id(tenant, app, "appRole/msiam_access"),
                "isEnabled": True,
                "origin": "Application",
                "value": None,
            }
        ],
        "displayName": app.name,
        "homepage": None,
        "keyCredentials": keys,
        "loginUrl": app.sign_on_url or None,
        "logoutUrl": app.logout_url or None,
        "notificationEmailAddresses": [],
        "passwordCredentials": [],
        "preferredSingleSignOnMode": "saml",
        "preferredTokenSigningKeyThumbprint": tenant.active_key.certificate.thumbprint,
        "replyUrls": list(app.reply_urls),
        "samlSingleSignOnSettings": {"relayState": None},
        "servicePrincipalNames": [*app.identifiers, app.app_id],
        "servicePrincipalType": "Application",
        "signInAudience": "AzureADMyOrg",
        "tags": list(SAML_APP_TAGS),
        "tokenEncryptionKeyId": None if encryption_key is None else encryption_key["keyId"],
    }


def application(tenant: IdpTenant, app: EnterpriseApp) -> dict[str, Any]:
    """`az ad app show --id <appId>`: the app registration (Identifier and Reply URLs live
    here too; the signing certificates and the Sign-on URL do not)."""
    return {
        "@odata.context": f"{GRAPH}#applications/$entity",
        "id": _object_id(tenant, app, "application"),
        "appId": app.app_id,
        "displayName": app.name,
        "groupMembershipClaims": "SecurityGroup" if app.groups_claim else None,
        "identifierUris": list(app.identifiers),
        "keyCredentials": [],
        "passwordCredentials": [],
        "publisherDomain": None,
        "signInAudience": "AzureADMyOrg",
        "tags": [],
        "web": {
            "homePageUrl": None,
            "implicitGrantSettings": {
                "enableAccessTokenIssuance": False,
                "enableIdTokenIssuance": False,
            },
            "logoutUrl": app.logout_url or None,
            "redirectUriSettings": [{"index": None, "uri": u} for u in app.reply_urls],
            "redirectUris": list(app.reply_urls),
        },
    }


def claims_mapping_policy(tenant: IdpTenant, app: EnterpriseApp) -> dict[str, Any]:
    """The claimsMappingPolicy (as `az rest` GETs it from the servicePrincipal's
    claimsMappingPolicies) whose NameID claim is the app's Unique User Identifier."""
    source = app.name_id_source.removeprefix("user.")
    definition = {
        "ClaimsMappingPolicy": {
            "Version": 1,
            "IncludeBasicClaimSet": "true",
            "ClaimsSchema": [{"Source": "user", "ID": source, "SamlClaimType": NAMEID_CLAIM}],
        }
    }
    return {
        "@odata.context": f"{GRAPH}#policies/claimsMappingPolicies/$entity",
        "id": _object_id(tenant, app, "claimsMappingPolicy"),
        "definition": [json.dumps(definition, separators=(",", ":"))],
        "displayName": f"{app.name} NameID",
        "isOrganizationDefault": False,
    }


def not_found(what: str, known: tuple[str, ...]) -> dict[str, Any]:
    """Graph's answer for an object it does not have, naming the ones this IdP has."""
    return {
        "error": {
            "code": "Request_ResourceNotFound",
            "message": f"Resource '{what}' does not exist or one of its queried "
            "reference-property objects are not present.",
            "sp_sim": f"This fake IdP has: {', '.join(known) or '(nothing)'}.",
        }
    }

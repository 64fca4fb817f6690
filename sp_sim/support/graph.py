"""The Entra app as Microsoft Graph describes it: the JSON of `az ad sp show` (a
servicePrincipal) and/or `az ad app show` (an application), and optionally a
claims-mapping policy. Whatever the files do not say stays None: unknown, never assumed."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sp_sim.core.errors import InputError
from sp_sim.core.xml import parse_instant

NAMEID_CLAIM = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier"


class GraphError(InputError, ValueError):
    """The file is not Graph JSON sp-sim can read."""


@dataclass(frozen=True)
class KeyCredential:
    thumbprint: str | None
    start: datetime | None
    end: datetime | None
    usage: str | None


@dataclass(frozen=True)
class EntraApp:
    """The SSO settings of one Entra enterprise app, each None when not provided."""

    app_id: str | None = None
    name: str | None = None
    identifiers: tuple[str, ...] | None = None
    reply_urls: tuple[str, ...] | None = None
    sign_on_url: str | None = None
    """The Sign-on URL: "" when the file says there is none, None when it does not say."""
    logout_url: str | None = None
    assignment_required: bool | None = None
    signing_thumbprint: str | None = None
    key_credentials: tuple[KeyCredential, ...] = ()
    name_id_source: str | None = None
    sources: tuple[str, ...] = field(default_factory=tuple)


def _thumbprint(value: Any) -> str | None:
    """Graph's customKeyIdentifier: hex, or base64 of the 20 thumbprint bytes."""
    if not isinstance(value, str) or not value:
        return None
    compact = value.replace(" ", "").replace(":", "")
    if len(compact) == 40 and all(c in "0123456789abcdefABCDEF" for c in compact):
        return compact.upper()
    try:
        raw = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw.hex().upper() if len(raw) == 20 else None


def _instant(value: Any) -> datetime | None:
    try:
        return parse_instant(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list):
        return tuple(str(v) for v in value if isinstance(v, str))
    return None


def read_graph(data: bytes, source: str = "az JSON") -> EntraApp:
    """A servicePrincipal or application object (or a list holding one)."""
    try:
        document = json.loads(data.removeprefix(b"\xef\xbb\xbf"))
    except ValueError as error:
        raise GraphError(f"{source}: not JSON ({error})") from None
    if isinstance(document, list) and document:
        document = document[0]
    if not isinstance(document, dict):
        raise GraphError(f"{source}: not a Graph object")
    if "servicePrincipalNames" in document or "servicePrincipalType" in document:
        names = _strings(document.get("servicePrincipalNames")) or ()
        app_id = document.get("appId")
        return EntraApp(
            app_id=app_id,
            name=document.get("displayName"),
            identifiers=tuple(n for n in names if n != app_id) or None,
            reply_urls=_strings(document.get("replyUrls")),
            sign_on_url=str(document.get("loginUrl") or "") if "loginUrl" in document else None,
            logout_url=document.get("logoutUrl") or None,
            assignment_required=_flag(document.get("appRoleAssignmentRequired")),
            signing_thumbprint=_thumbprint(document.get("preferredTokenSigningKeyThumbprint")),
            key_credentials=tuple(
                KeyCredential(
                    _thumbprint(k.get("customKeyIdentifier")),
                    _instant(k.get("startDateTime")),
                    _instant(k.get("endDateTime")),
                    k.get("usage"),
                )
                for k in document.get("keyCredentials") or []
                if isinstance(k, dict)
            ),
            sources=(f"{source} (servicePrincipal)",),
        )
    if "identifierUris" in document or "web" in document:
        web: dict[str, Any] = document["web"] if isinstance(document.get("web"), dict) else {}
        return EntraApp(
            app_id=document.get("appId"),
            name=document.get("displayName"),
            identifiers=_strings(document.get("identifierUris")),
            reply_urls=_strings(web.get("redirectUris")),
            logout_url=web.get("logoutUrl") or None,
            sources=(f"{source} (application)",),
        )
    raise GraphError(f"{source}: neither a servicePrincipal nor an application object")


def read_claims_policy(data: bytes, source: str = "claims policy") -> str | None:
    """The NameID source attribute (user.mail, …) from a claims-mapping policy, if it sets one."""
    try:
        document = json.loads(data.removeprefix(b"\xef\xbb\xbf"))
    except ValueError as error:
        raise GraphError(f"{source}: not JSON ({error})") from None
    definitions = document.get("definition", [document]) if isinstance(document, dict) else []
    for definition in definitions:
        policy = json.loads(definition) if isinstance(definition, str) else definition
        schema = ((policy or {}).get("ClaimsMappingPolicy") or {}).get("ClaimsSchema") or []
        for claim in schema:
            if claim.get("SamlClaimType") == NAMEID_CLAIM and claim.get("ID"):
                return f"user.{str(claim['ID']).lower()}"
    return None


def merge(first: EntraApp, second: EntraApp) -> EntraApp:
    """Combine what two files say (a servicePrincipal and an application), first wins."""
    values = {
        name: getattr(first, name)
        if getattr(first, name) not in (None, ())
        else getattr(second, name)
        for name in EntraApp.__dataclass_fields__
    }
    values["sources"] = first.sources + second.sources
    return EntraApp(**values)

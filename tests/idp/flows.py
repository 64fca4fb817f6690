"""Play the browser and the SP against the fake IdP: send requests, read its answers."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from yarl import URL

from sp_sim.core import CheckSettings, Report, check_response
from sp_sim.core.bindings import (
    Binding,
    decode_message,
    post_fields,
    read_autopost,
    redirect_query,
)
from sp_sim.idp.model import IdpTenant
from sp_sim.server.authn_request import build_authn_request
from tests.helpers import NOW

ENTITY_ID = "https://us-api.mimecast.com/sso/CUSA1A1"
ACS = "https://us-api.mimecast.com/login/saml"


@dataclass
class Answer:
    """What the IdP answered: an auto-POST to the SP, or an error page."""

    status: int
    text: str
    saml_response: bytes | None
    action: str | None
    relay_state: str | None

    @property
    def aadsts(self) -> str | None:
        found = re.search(r"id=aadsts>(AADSTS\d+)<", self.text)
        return found.group(1) if found else None


async def answer_of(response: Any) -> Answer:
    text = await response.text()
    form = read_autopost(text) if response.status == 200 else None
    data = None
    if form is not None and "SAMLResponse" in form.fields:
        data = decode_message(form.fields["SAMLResponse"], Binding.POST)
    return Answer(
        response.status,
        text,
        data,
        form.action if form else None,
        form.fields.get("RelayState") if form else None,
    )


def tenant_path(client: Any, tenant: IdpTenant, rest: str) -> str:
    return f"/{tenant.tenant_id}/{rest}"


async def sp_initiated(
    client: Any,
    tenant: IdpTenant,
    *,
    user: str | None = "bsimon@contoso.onmicrosoft.com",
    issuer: str = ENTITY_ID,
    acs: str | None = ACS,
    binding: Binding = Binding.REDIRECT,
    contexts: tuple[str, ...] = (),
    name_id_format: str | None = None,
    faults: tuple[str, ...] = (),
    xml: bytes | None = None,
    request_id: str = "_req-1",
    signing_key: Any = None,
) -> Answer:
    """Send an AuthnRequest like Mimecast's and return the IdP's answer."""
    destination = f"{client.make_url('')}".rstrip("/") + f"/{tenant.tenant_id}/saml2"
    if xml is None:
        _, xml = build_authn_request(
            issuer, acs, destination, NOW, request_id, contexts, name_id_format
        )
    extra = "".join(f"&fault={f}" for f in faults) + (f"&user={user}" if user else "")
    path = f"/{tenant.tenant_id}/saml2"
    if binding is Binding.REDIRECT:
        query = redirect_query(xml, "relay-1", signing_key)
        # encoded=True: send the query byte for byte, as a browser does; a signed Redirect
        # request is verified over exactly these bytes.
        return await answer_of(await client.get(URL(f"{path}?{query}{extra}", encoded=True)))
    return await answer_of(
        await client.post(f"{path}?{extra.lstrip('&')}", data=post_fields(xml, "relay-1"))
    )


def judge(answer: Answer, settings: CheckSettings, **changes: Any) -> Report:
    assert answer.saml_response is not None, answer.text[:500]
    return check_response(answer.saml_response, replace(settings, **changes), NOW)

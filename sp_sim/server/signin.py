"""SP-initiated sign-in: Mimecast's email page finds the account, the profile and the
application, and sends an AuthnRequest to the profile's Login URL, with the typed address as
Entra's `login_hint`."""

from __future__ import annotations

from aiohttp import web

from sp_sim.core.bindings import Binding, autopost, post_fields, redirect_query
from sp_sim.core.mimecast import REGIONS
from sp_sim.server import captures, csrf, external, pages, prelogin, urls
from sp_sim.server.authn_request import build_authn_request, with_login_hint
from sp_sim.server.state import SentRequest, region_of, server_state


def _sign_in_page(request: web.Request, error: str | None = None) -> web.Response:
    state = server_state(request)
    host, code = REGIONS[region_of(request)].host, state.tenant.account.code
    notice = external.notice_html(external.logins_of(state))
    return csrf.form_response(
        request,
        lambda token: pages.sign_in(host, code, error, token, notice),
        400 if error else 200,
    )


async def sign_in_page(request: web.Request) -> web.Response:
    return _sign_in_page(request)


async def sign_in(request: web.Request) -> web.Response:
    """Find the user's profile and send the AuthnRequest, by Redirect or POST. The form's
    CSRF token is checked by the `csrf` middleware; a full request store (StoreFull) is
    answered with HTTP 503 by the app's middleware."""
    state = server_state(request)
    form = await request.post()
    email = str(form.get("email", "")).strip()
    tenant = state.tenant
    address = tenant.directory.find(email) if email else None
    if address is None:
        domain = email.rpartition("@")[2].lower()
        if not email or "@" not in email:
            return _sign_in_page(request, "Enter an email address.")
        if not tenant.directory.has_domain(domain):
            return _sign_in_page(request, f"{domain} is not a registered domain of this account.")
        return _sign_in_page(request, f"{email} is not in this account's directory.")
    if address.profile is None:
        return _sign_in_page(
            request,
            f"No application setting reaches {address.email} with a SAML authentication profile.",
        )
    profile = tenant.profile(address.profile)
    if not profile.login_url:
        return _sign_in_page(request, f"Profile {profile.name!r} has no Login URL.")
    answers = urls.of(state)
    request_id, xml = build_authn_request(
        answers.entity_id,
        answers.acs_url,
        profile.login_url,
        state.clock(),
        requested_contexts=profile.requested_contexts,
    )
    sent = SentRequest(request_id, region_of(request), profile.name, address.email)
    await state.store.add_request(sent)  # StoreFull / StoreUnavailable: the app's 503
    response: web.Response
    if state.options.binding is Binding.POST:
        action = with_login_hint(profile.login_url, address.email)
        fields = post_fields(xml, request_id)
        response = web.Response(text=autopost(action, fields), content_type="text/html")
        carried = captures.authn_request_sent(request, state.clock(), action, fields)
    else:
        separator = "&" if "?" in profile.login_url else "?"
        query = redirect_query(xml, request_id)  # login_hint after it, outside what is signed
        location = with_login_hint(f"{profile.login_url}{separator}{query}", address.email)
        response = web.Response(status=302, headers={"Location": location})
        carried = captures.authn_request_sent(request, state.clock(), location, None)
    state.remember_sent(request_id, carried)  # for the attempt's HAR download
    prelogin.remember(request, response, request_id)
    return response

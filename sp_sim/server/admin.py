"""The account's authentication profiles: view and edit them and the directory (validated
as the TOML file is, `settings_form`), Import metadata (from a URL, fetched with aiohttp, or
an uploaded file), save the tenant as TOML, and download SP metadata per region and account.
Every POST here carries the form's CSRF token (checked by the `csrf` middleware)."""

from __future__ import annotations

from dataclasses import replace

from aiohttp import web

from sp_sim.core.mimecast import REGIONS
from sp_sim.errors import ConfigError
from sp_sim.server import api, csrf, pages, settings_form, urls, workbench
from sp_sim.server.csrf import Exempt
from sp_sim.server.metadata import (
    MAX_METADATA_BYTES,
    ImportFailed,
    fetch_metadata,
    import_metadata,
    sp_metadata,
)
from sp_sim.server.state import region_of, server_state
from sp_sim.tenant.config import tenant_to_toml


async def profiles(request: web.Request) -> web.Response:
    return _admin(request, None, 200)


async def import_profile(request: web.Request) -> web.Response:
    """POST /admin/profiles/{name}/import with `url` or a `metadata` file (and the form's
    CSRF token, checked by the `csrf` middleware before this runs)."""
    state = server_state(request)
    name = request.match_info["name"]
    names = [p.name for p in state.tenant.profiles]
    if name not in names:
        return _admin(request, f"There is no profile {name!r}.", 404)
    form = await request.post()
    url = str(form.get("url", "")).strip()
    upload = form.get("metadata")
    try:
        if url:
            data = await fetch_metadata(url)
        elif isinstance(upload, web.FileField):
            data = upload.file.read(MAX_METADATA_BYTES + 1)
            if len(data) > MAX_METADATA_BYTES:
                raise ImportFailed("the file is larger than 1 MiB")
        else:
            raise ImportFailed("give a Metadata URL or a metadata file")
        profile = import_metadata(state.tenant.profile(name), data, url or None)
    except ImportFailed as error:
        return _admin(request, f"Import failed: {error}", 400)
    state.tenant = replace(
        state.tenant,
        profiles=tuple(profile if p.name == name else p for p in state.tenant.profiles),
    )
    return _admin(
        request,
        f"Imported into {name!r}: Issuer {profile.issuer_url}, "
        f"{len(profile.certificates)} certificate(s).",
        200,
    )


def _admin(request: web.Request, message: str | None, status: int) -> web.Response:
    tenant = server_state(request).tenant

    def render(token: str) -> str:
        editors = [settings_form.profile_form(p, i, token) for i, p in enumerate(tenant.profiles)]
        directory = settings_form.directory_form(tenant, token)
        return pages.admin(tenant.profiles, message, token, editors, directory)

    return csrf.form_response(request, render, status)


async def save_profile(request: web.Request) -> web.Response:
    """POST /admin/profiles/{name}: the profile as edited, validated as the TOML is; the
    next sign-in uses it."""
    state = server_state(request)
    name = request.match_info["name"]
    if name not in {p.name for p in state.tenant.profiles}:
        return _admin(request, f"There is no profile {name!r}.", 404)
    try:
        state.tenant = settings_form.with_profile(state.tenant, name, await request.post())
    except ConfigError as error:
        return _admin(request, f"Not saved: {error}", 400)
    return _admin(request, f"Saved profile {name!r}; the next sign-in uses it.", 200)


async def save_directory(request: web.Request) -> web.Response:
    """POST /admin/directory: the domains and addresses as edited."""
    state = server_state(request)
    try:
        state.tenant = settings_form.with_directory(state.tenant, await request.post())
    except ConfigError as error:
        return _admin(request, f"Not saved: {error}", 400)
    return _admin(request, "Saved the directory; the next sign-in uses it.", 200)


async def tenant_toml(request: web.Request) -> web.Response:
    """GET /admin/tenant.toml: the running tenant as a file `sp-sim serve --config` reads."""
    tenant = server_state(request).tenant
    return web.Response(
        text=tenant_to_toml(tenant),
        content_type="application/toml",
        headers={
            "Content-Disposition": f'attachment; filename="tenant-{tenant.account.code}.toml"'
        },
    )


async def metadata(request: web.Request) -> web.Response:
    """GET /sso/{code} or /sso/{code}/metadata.xml on a region: the SP metadata."""
    state = server_state(request)
    code = request.match_info["code"]
    account = state.tenant.account
    if code != account.code or region_of(request) != account.region.key:
        where = REGIONS[region_of(request)].host
        return web.Response(
            text=pages.message_page(
                "Unknown account",
                f"No account {code} on {where}; this simulator holds "
                f"{account.code} on {account.region.host}.",
            ),
            status=404,
            content_type="text/html",
        )
    answers = urls.of(state)
    body = sp_metadata(answers.entity_id, answers.acs_url, answers.slo_url)
    return web.Response(
        body=body,
        content_type="application/samlmetadata+xml",
        headers={"Content-Disposition": f'attachment; filename="mimecast-{account.code}.xml"'},
    )


def add_routes(app: web.Application) -> None:
    """The browser workbench's and the JSON API's routes (`sp_sim.server.workbench`,
    `sp_sim.server.api`), registered by the app factory."""
    api.add_api(app)
    workbench.add_workbench(app)
    app.router.add_get("/admin/tenant.toml", tenant_toml)
    app.router.add_post("/admin/profiles/{name}", save_profile)
    app.router.add_post("/admin/directory", save_directory)


def exempting_api(exempt: Exempt) -> Exempt:
    """The CSRF exemption `exempt`, and the API's own (`api.exempt`)."""
    return lambda request: api.exempt(request) or exempt(request)

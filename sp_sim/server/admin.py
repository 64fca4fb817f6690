"""The account's authentication profiles: view them, Import metadata (from a URL, fetched
with aiohttp, or an uploaded file), and download SP metadata per region and account."""

from __future__ import annotations

from dataclasses import replace

from aiohttp import web

from sp_sim.core.mimecast import REGIONS
from sp_sim.server import csrf, pages, urls
from sp_sim.server.metadata import (
    MAX_METADATA_BYTES,
    ImportFailed,
    fetch_metadata,
    import_metadata,
    sp_metadata,
)
from sp_sim.server.state import region_of, server_state


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
    profiles = server_state(request).tenant.profiles
    return csrf.form_response(request, lambda token: pages.admin(profiles, message, token), status)


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

"""The settings editor on /admin, on a real simulator: every profile field and the directory
editable, validated as the TOML is, effective on the next sign-in, CSRF-protected, and the
tenant downloadable as TOML."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from sp_sim.tenant import AuthenticationProfile, load_tenant
from tests.helpers.server import Running, Start

USER = "B.Simon@contoso.com"
Fields = list[tuple[str, str]]


def profile_fields(profile: AuthenticationProfile) -> Fields:
    """What a browser sends for the profile's form left as it is."""
    fields: Fields = [
        (key, getattr(profile, key) or "")
        for key in ("provider", "issuer_url", "login_url", "logout_url", "metadata_url")
    ]
    for key in (
        "allow_single_sign_on",
        "use_password_protected_context",
        "use_integrated_authentication_context",
        "allow_unsigned_logout",
    ):
        if getattr(profile, key):
            fields.append((key, "on"))
    fields += [("enforce_saml_for", a) for a in sorted(profile.enforce_saml_for)]
    fields.append(("idp_certificates", "\n".join(c.pem for c in profile.certificates)))
    return fields


async def _save(running: Running, path: str, fields: Fields) -> tuple[int, str]:
    token = await running.csrf_token("/admin")
    async with running.flows.session.post(
        f"{running.base}{path}", data=[*fields, ("csrf_token", token)]
    ) as response:
        return response.status, await response.text()


def _profile_path(running: Running) -> str:
    return f"/admin/profiles/{quote(running.state.tenant.profiles[0].name)}"


async def test_admin_shows_every_field_and_the_directory(sp_start: Start) -> None:
    running = await sp_start()
    profile = running.state.tenant.profiles[0]
    async with running.flows.session.get(f"{running.base}/admin") as response:
        text = await response.text()
    assert f'value="{profile.login_url}"' in text
    assert "id=p0-use_password_protected_context" in text
    assert "id=directory" in text
    assert 'value="B.Simon@contoso.com"' in text


async def test_unchanged_save_keeps_the_tenant(sp_start: Start) -> None:
    running = await sp_start()
    before = running.state.tenant
    status, _ = await _save(running, _profile_path(running), profile_fields(before.profiles[0]))
    assert status == 200
    assert running.state.tenant == before


async def test_a_ticked_context_fails_the_next_sign_in_with_75011(sp_start: Start) -> None:
    running = await sp_start()
    assert (await running.flows.sp_initiated(USER)).works
    fields = profile_fields(running.state.tenant.profiles[0])
    status, _ = await _save(
        running, _profile_path(running), [*fields, ("use_integrated_authentication_context", "on")]
    )
    assert status == 200
    assert running.state.tenant.profiles[0].use_integrated_authentication_context
    outcome = await running.flows.sp_initiated(USER)
    assert outcome.aadsts == "AADSTS75011"


async def test_invalid_values_get_the_tomls_message_and_change_nothing(sp_start: Start) -> None:
    running = await sp_start()
    before = running.state.tenant
    fields = [*profile_fields(before.profiles[0]), ("enforce_saml_for", "nonsense")]
    status, text = await _save(running, _profile_path(running), fields)
    assert status == 400
    assert "settings: profiles[0].enforce_saml_for" in text
    status, text = await _save(
        running,
        "/admin/directory",
        [
            ("domains", "contoso.com"),
            ("email", "x@contoso.com"),
            ("global_name", ""),
            ("profile", "nope"),
            ("application", ""),
        ],
    )
    assert status == 400
    assert "no profile named" in text
    status, text = await _save(
        running, _profile_path(running), [("idp_certificates", "not a certificate")]
    )
    assert status == 400
    assert running.state.tenant == before


async def test_directory_edit_takes_effect(sp_start: Start) -> None:
    running = await sp_start()
    domains = " ".join(sorted(running.state.tenant.directory.domains))
    status, _ = await _save(running, "/admin/directory", [("domains", domains)])
    assert status == 200
    assert running.state.tenant.directory.addresses == ()
    outcome = await running.flows.sp_initiated(USER)
    assert outcome.report is None
    assert "not in this account" in outcome.page


async def test_unknown_profile_is_a_404(sp_start: Start) -> None:
    running = await sp_start()
    status, _ = await _save(running, "/admin/profiles/nope", [])
    assert status == 404


async def test_save_without_the_token_is_refused(sp_start: Start) -> None:
    running = await sp_start()
    async with running.flows.session.post(
        f"{running.base}/admin/directory", data={"domains": "evil.example"}
    ) as response:
        assert response.status == 403
    assert running.state.tenant.directory.domains != frozenset({"evil.example"})


async def test_save_as_toml_reads_back_to_the_running_tenant(
    sp_start: Start, tmp_path: Path
) -> None:
    running = await sp_start()
    async with running.flows.session.get(f"{running.base}/admin/tenant.toml") as response:
        assert response.status == 200
        assert "attachment" in response.headers["Content-Disposition"]
        (tmp_path / "tenant.toml").write_text(await response.text())
    assert load_tenant(tmp_path / "tenant.toml") == running.state.tenant

"""The settings editor on /admin: every field of an authentication profile and the
directory, as forms, read back into the dict a tenant TOML file would give, so that the
same validation (`sp_sim.tenant.config.tenant_from_dict`) and messages apply.

The document starts from the running tenant as TOML (`tenant_to_toml`), and only the
edited table is replaced: what the form does not show is kept as it was.
"""

from __future__ import annotations

import tomllib
from html import escape
from pathlib import Path
from typing import Any

from multidict import MultiDictProxy

from sp_sim.core.settings import APPLICATIONS
from sp_sim.server.pages import csrf_field
from sp_sim.tenant import AuthenticationProfile, Tenant
from sp_sim.tenant.config import tenant_from_dict, tenant_to_toml

SOURCE = Path("settings")
"""How validation messages name the form: `settings: profiles[0].login_url: ...`."""
_TEXT_FIELDS = {
    "provider": "Provider",
    "issuer_url": "Issuer URL",
    "login_url": "Login URL",
    "logout_url": "Logout URL",
    "metadata_url": "Metadata URL",
}
_CHECKBOXES = {
    "allow_single_sign_on": "Allow Single Sign On",
    "use_password_protected_context": "Use Password protected Context",
    "use_integrated_authentication_context": "Use Integrated Authentication Context",
    "allow_unsigned_logout": "Allow unsigned logout messages",
}
Form = MultiDictProxy[Any]


def _checked(on: bool) -> str:
    return " checked" if on else ""


def profile_form(profile: AuthenticationProfile, index: int, token: str) -> str:
    """One profile's fields, editable."""
    texts = "".join(
        f'<p><label>{escape(label)} <input type=text name={key} id="p{index}-{key}" '
        f'value="{escape(getattr(profile, key) or "")}" style=width:480px></label></p>'
        for key, label in _TEXT_FIELDS.items()
    )
    boxes = "".join(
        f"<p><label><input type=checkbox name={key} id=p{index}-{key}"
        f"{_checked(getattr(profile, key))}> {escape(label)}</label></p>"
        for key, label in _CHECKBOXES.items()
    )
    enforced = "".join(
        f"<label><input type=checkbox name=enforce_saml_for value={key}"
        f"{_checked(key in profile.enforce_saml_for)}> {escape(name)}</label> "
        for key, name in APPLICATIONS.items()
    )
    pems = escape("\n".join(c.pem.strip() for c in profile.certificates))
    return (
        f'<form method=post action="/admin/profiles/{escape(profile.name)}" id=profile-{index}>'
        f"{csrf_field(token)}<h3>Settings</h3>{texts}{boxes}"
        f"<p>Enforce SAML Authentication for: {enforced}</p>"
        "<p><label>Identity Provider Certificates (PEM)<br><textarea name=idp_certificates "
        f"rows=6 style=width:100%>{pems}</textarea></label></p>"
        f"<button type=submit id=save-{index}>Save</button></form>"
    )


def _address_row(email: str, name: str, profile: str, application: str) -> str:
    cells = [("email", email), ("global_name", name), ("profile", profile)]
    cells.append(("application", application))
    return "".join(
        f'<td><input name={key} value="{escape(value)}" aria-label={key}></td>'
        for key, value in cells
    )


def directory_form(tenant: Tenant, token: str) -> str:
    """The registered domains and the addresses (clear an email to remove its row)."""
    rows = [
        _address_row(a.email, a.global_name, a.profile or "", a.application or "")
        for a in tenant.directory.addresses
    ]
    rows.append(_address_row("", "", "", ""))
    table = "".join(f"<tr>{row}</tr>" for row in rows)
    domains = escape("\n".join(sorted(tenant.directory.domains)))
    return (
        f"<div class=card><h2>Directory</h2><form method=post action=/admin/directory "
        f"id=directory>{csrf_field(token)}<p><label>Registered domains (one a line)<br>"
        f"<textarea name=domains rows=3 style=width:320px>{domains}</textarea></label></p>"
        "<table><tr><th>email</th><th>global name</th><th>profile</th><th>application ("
        f"{escape(', '.join(APPLICATIONS))})</th></tr>{table}</table>"
        "<button type=submit id=save-directory>Save</button></form>"
        '<p><a id=download href="/admin/tenant.toml">Save as TOML</a></p></div>'
    )


def _document(tenant: Tenant) -> dict[str, Any]:
    return tomllib.loads(tenant_to_toml(tenant))


def _text(form: Form, key: str) -> str | None:
    value = str(form.get(key, "")).strip()
    return value or None


def with_profile(tenant: Tenant, name: str, form: Form) -> Tenant:
    """The tenant with profile `name` as the form says; ConfigError as the TOML's."""
    document = _document(tenant)
    tables: list[dict[str, Any]] = document["profiles"]
    table = next(t for t in tables if t["name"] == name)
    for key in _TEXT_FIELDS:
        table.pop(key, None)
        if (value := _text(form, key)) is not None:
            table[key] = value
    for key in _CHECKBOXES:
        table[key] = key in form
    table["enforce_saml_for"] = [str(v) for v in form.getall("enforce_saml_for", [])]
    pems = str(form.get("idp_certificates", "")).strip()
    table["idp_certificates"] = [pems] if pems else []
    return tenant_from_dict(document, SOURCE)


def with_directory(tenant: Tenant, form: Form) -> Tenant:
    """The tenant with the form's domains and addresses; ConfigError as the TOML's."""
    document = _document(tenant)
    columns = [
        [str(v).strip() for v in form.getall(key, [])]
        for key in ("email", "global_name", "profile", "application")
    ]
    addresses = []
    for email, global_name, profile, application in zip(*columns, strict=False):
        if not email:
            continue
        row = {"email": email, "global_name": global_name}
        row |= {k: v for k, v in (("profile", profile), ("application", application)) if v}
        addresses.append(row)
    domains = str(form.get("domains", "")).split()
    document["directory"] = {"domains": domains, "addresses": addresses}
    return tenant_from_dict(document, SOURCE)

"""Settings typed on the check page, instead of the running tenant's: the SP's entity ID,
ACS URL, the IdP's Issuer and certificates, and the clock skew, as `sp-sim check` takes
them as flags (`--entity-id`, `--acs-url`, `--idp-issuer`, `--idp-cert`, `--clock-skew`)
and with the same rules and messages. The running tenant is not changed.

What the flags do not give is not configured, as for `sp-sim check` without `--tenant`:
no directory, no profile, no account, so the checks that need them say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from html import escape
from typing import Any

from multidict import MultiDictProxy

from sp_sim.core.certs import Certificate, CertificateError, load_certificates, unique
from sp_sim.core.settings import CheckSettings
from sp_sim.server import urls
from sp_sim.server.state import ServerState

Form = MultiDictProxy[Any]

MAX_CLOCK_SKEW = 86400
"""A day, the most `--clock-skew` and the tenant file's `checks.clock_skew_seconds` take."""
TEXT_FIELDS = {
    "entity_id": ("Entity ID (the Audience; Entra's Identifier)", "--entity-id"),
    "acs_url": ("ACS URL (Destination and Recipient; Entra's Reply URL)", "--acs-url"),
    "idp_issuer": ("IdP Issuer (Mimecast's Issuer URL)", "--idp-issuer"),
}
MAX_TEXT = 2048


class SettingsProblem(ValueError):
    """A typed setting that cannot be used; the message names the field as its flag."""


@dataclass(frozen=True)
class TypedSettings:
    """The typed settings as text, as the form shows them again."""

    entity_id: str = ""
    acs_url: str = ""
    idp_issuer: str = ""
    certificates: str = ""
    clock_skew: str = "300"

    @classmethod
    def of_tenant(cls, state: ServerState) -> TypedSettings:
        """The running tenant's values (its first profile's), to start editing from."""
        tenant, answers = state.tenant, urls.of(state)
        profile = tenant.profile()
        return cls(
            answers.entity_id,
            answers.acs_url,
            profile.issuer_url or "",
            "\n".join(c.pem.strip() for c in profile.certificates),
            str(int(tenant.clock_skew.total_seconds())),
        )

    @classmethod
    def of_form(cls, form: Form) -> TypedSettings:
        def text(key: str) -> str:
            return str(form.get(key, "")).strip()

        return cls(*(text(k) for k in (*TEXT_FIELDS, "certificates", "clock_skew")))

    def check_settings(self, request_id: str | None) -> CheckSettings:
        """The settings the engine compares against; SettingsProblem says which is wrong."""
        for key, (_, flag) in TEXT_FIELDS.items():
            if len(getattr(self, key)) > MAX_TEXT:
                raise SettingsProblem(f"{flag}: longer than {MAX_TEXT} characters")
        certificates: tuple[Certificate, ...] = ()
        if self.certificates:
            try:
                certificates = unique(load_certificates(self.certificates.encode(), "--idp-cert"))
            except CertificateError as error:
                raise SettingsProblem(str(error)) from None
        return CheckSettings(
            entity_id=self.entity_id or None,
            acs_url=self.acs_url or None,
            idp_issuer=self.idp_issuer or None,
            certificates=certificates,
            clock_skew=timedelta(seconds=clock_skew(self.clock_skew)),
            outstanding_requests=frozenset({request_id} if request_id else ()),
            seen_assertion_ids=frozenset(),
        )


def clock_skew(text: str) -> int:
    """Seconds, 0 to a day (empty: 300), worded as `--clock-skew`'s errors are."""
    if not text:
        return 300
    try:
        value = int(text)
    except ValueError:
        raise SettingsProblem(f"--clock-skew: not a whole number: {text[:40]!r}") from None
    if not 0 <= value <= MAX_CLOCK_SKEW:
        raise SettingsProblem(
            f"--clock-skew: {value} is out of range: 0 to {MAX_CLOCK_SKEW} seconds (a day)"
        )
    return value


def fieldset(typed: TypedSettings, against_typed: bool) -> str:
    """The form's choice of what to judge against, and the typed settings' inputs."""
    checked = (" checked", "") if not against_typed else ("", " checked")
    inputs = "".join(
        f"<p><label for=typed-{key}>{escape(label)}</label><br><input id=typed-{key} "
        f'name={key} value="{escape(getattr(typed, key))}" style=width:100%></p>'
        for key, (label, _) in TEXT_FIELDS.items()
    )
    return (
        "<fieldset id=against><legend>Judge it against</legend>"
        f"<label><input type=radio name=against value=tenant id=against-tenant{checked[0]}> "
        "this server's tenant (as its ACS would)</label><br>"
        f"<label><input type=radio name=against value=typed id=against-typed{checked[1]}> "
        "the settings below, as <code>sp-sim check</code> takes them (the tenant is not "
        "changed)</label></fieldset>"
        "<fieldset id=typed-settings><legend>Settings (used when judging against them; "
        "filled in from this server's tenant)</legend>"
        f"{inputs}<p><label for=typed-certificates>IdP signing certificates (PEM, bare "
        "base64 or federation metadata)</label><br><textarea id=typed-certificates "
        f"name=certificates rows=5 style=width:100%>{escape(typed.certificates)}</textarea>"
        "</p><p><label for=typed-clock_skew>Clock skew allowed (seconds, 0 to 86400)</label> "
        f'<input id=typed-clock_skew name=clock_skew value="{escape(typed.clock_skew)}" '
        "inputmode=numeric size=6></p></fieldset>"
    )

"""The fake IdP's HTML: the account picker, Entra's error page, the auto-POST form.

Every value is escaped. The auto-POST page is sp_sim.core.bindings's.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from sp_sim.core.aadsts import find_aadsts
from sp_sim.idp.faults import FAULTS
from sp_sim.idp.model import EnterpriseApp, IdpTenant

_STYLE = """
body{font-family:Segoe UI,Arial,sans-serif;background:#f2f2f2;margin:0}
main{max-width:440px;margin:8vh auto;background:#fff;padding:44px;box-shadow:0 2px 6px #0003}
h1{font-size:24px;font-weight:600;margin:0 0 16px}
label{display:block;padding:10px;border-bottom:1px solid #eee;cursor:pointer}
button{background:#0067b8;color:#fff;border:0;padding:8px 24px;font-size:15px;margin-top:16px}
.code{font-family:Consolas,monospace;background:#fbeaea;padding:12px;word-break:break-word}
small{color:#666}
"""


def page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(title)}"
        f"</title><style>{_STYLE}</style></head><body><main>{body}</main></body></html>"
    )


def account_picker(
    tenant: IdpTenant,
    app: EnterpriseApp,
    pending_id: str,
    action: str,
    login_hint: str | None = None,
) -> str:
    """Entra's "Pick an account", with no passwords, and the optional faults; the account
    the request's `login_hint` names (its UPN or mail) is selected, else the first."""
    hint = (login_hint or "").strip()
    hinted = tenant.user(hint) if hint else None  # by UPN, mail or object ID, as Entra does
    chosen = tenant.users.index(hinted) if hinted in tenant.users else 0
    users = "".join(
        f'<label><input type=radio name=user value="{escape(u.upn)}"'
        f"{' checked' if i == chosen else ''}> {escape(u.display_name or u.upn)} "
        f"<small>{escape(u.upn)} · {escape(u.sign_in_method)}</small></label>"
        for i, u in enumerate(tenant.users)
    )
    shown = f"<p id=login-hint><small>login_hint: {escape(hint)}</small></p>" if hint else ""
    faults = "".join(
        f'<option value="{escape(n)}">{escape(n)}: {escape(d)}</option>' for n, d in FAULTS.items()
    )
    return page(
        "Sign in to your account",
        (
            f"<p><small>sp-sim fake Microsoft Entra ID · tenant {escape(tenant.tenant_id)}</small>"
            f"</p><h1>Pick an account</h1><p>to continue to {escape(app.name)}</p>{shown}"
            f'<form method=post action="{escape(action)}">'
            f'<input type=hidden name=pending value="{escape(pending_id)}">{users}'
            f"<p><label for=fault>Inject a fault (optional)</label><select id=fault name=fault>"
            f'<option value="">none</option>{faults}</select></p>'
            f"<button type=submit id=signin>Sign in</button></form>"
        ),
    )


def error_page(code: str, message: str, correlation_id: str, now: datetime) -> str:
    """Entra's "Sorry, but we're having trouble signing you in" page, then (unlike Entra)
    what the code means and what to change, from the AADSTS catalogue, and a way back."""
    return page(
        "Sign in to your account",
        (
            "<h1>Sorry, but we're having trouble signing you in.</h1>"
            f"<p class=code id=error><span id=aadsts>{escape(code)}</span>: {escape(message)}</p>"
            "<p><small>Troubleshooting details</small><br>"
            f"<small>Correlation Id: {escape(correlation_id)}</small><br>"
            f"<small>Timestamp: {now:%Y-%m-%dT%H:%M:%SZ}</small></p>{_explained(code)}"
        ),
    )


def _explained(code: str) -> str:
    known = find_aadsts(code)
    if known is None:
        return ""
    hint = known.hint
    return (
        '<div id=explanation style="border-top:1px solid #ddd;margin-top:24px">'
        f"<p><small>sp-sim explains</small><br>{escape(known.meaning)}</p>"
        f"<p id=fix style=color:#0550ae>Fix in {escape(str(hint.side))} › "
        f"{escape(hint.field)}: {escape(hint.text)}</p>"
        '<p><a id=back href="/">Back to sp-sim</a> · <a href="/results">recent attempts</a>'
        "</p></div>"
    )


def signed_out(detail: str = "") -> str:
    """Entra's "You signed out of your account" page."""
    more = f"<p id=detail>{escape(detail)}</p>" if detail else ""
    return page(
        "Sign out",
        "<h1 id=signed-out>You signed out of your account</h1>"
        f"<p>It's a good idea to close all browser windows.</p>{more}",
    )


def logout_refused(app_name: str, status: str, message: str) -> str:
    """The app answered the IdP's LogoutRequest with a status other than Success."""
    return page(
        "Sign out",
        (
            f"<h1 id=logout-refused>{escape(app_name)} did not sign you out</h1>"
            f"<p class=code><span id=logout-status>{escape(status)}</span></p>"
            f"<p id=logout-message>{escape(message)}</p>"
        ),
    )

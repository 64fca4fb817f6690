"""The fake IdP's HTML: the account picker, Entra's error page, the auto-POST form.

Every value is escaped. The auto-POST page is sp_sim.core.bindings's.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from sp_sim.core.aadsts import find_aadsts
from sp_sim.idp.faults import FAULTS, fault_value
from sp_sim.idp.model import EnterpriseApp, IdpTenant

_STYLE = """
body{font-family:Segoe UI,Arial,sans-serif;background:#f2f2f2;margin:0}
main{max-width:440px;margin:8vh auto;background:#fff;padding:44px;box-shadow:0 2px 6px #0003}
h1{font-size:24px;font-weight:600;margin:0 0 16px}
label{display:block;padding:10px;border-bottom:1px solid #eee;cursor:pointer}
button{background:#0067b8;color:#fff;border:0;padding:8px 24px;font-size:15px;margin-top:16px}
.code{font-family:Consolas,monospace;background:#fbeaea;padding:12px;word-break:break-word}
small{color:#666}
.todo{color:#0550ae;font-weight:600}input#fault-value{width:100%;padding:6px;box-sizing:border-box}
select{max-width:100%}
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
    faults = "".join(_fault_option(n, d) for n, d in FAULTS.items())
    return page(
        "Sign in to your account",
        (
            f"<p><small>sp-sim fake Microsoft Entra ID · tenant {escape(tenant.tenant_id)}</small>"
            f"</p><h1>Pick an account</h1><p>to continue to {escape(app.name)}</p>{shown}"
            f'<form method=post action="{escape(action)}">'
            f'<input type=hidden name=pending value="{escape(pending_id)}">{users}'
            f"<p><label for=fault>Inject a fault (optional)</label><select id=fault name=fault>"
            f'<option value="">none</option>{faults}</select></p>{_value_box()}'
            f"<button type=submit id=signin>Sign in</button></form>{_VALUE_SCRIPT}"
        ),
    )


def _fault_option(name: str, description: str) -> str:
    value = fault_value(name)
    data = ""
    if value is not None:
        data = f' data-value="{escape(value.kind)}" data-required="{int(value.required)}"'
        if value.minimum is not None and value.maximum is not None:
            data += f' data-min="{value.minimum}" data-max="{value.maximum}"'
    return f'<option value="{escape(name)}"{data}>{escape(name)}: {escape(description)}</option>'


def _value_box() -> str:
    """The value a fault takes (`clock-offset`'s seconds, another Audience, …), with what
    each one accepts; the few lines of `_VALUE_SCRIPT` fit the box to the chosen fault."""
    takes = "".join(
        f"<li><code>{escape(n)}</code>: {escape(v.describe())}</li>"
        for n in FAULTS
        if (v := fault_value(n)) is not None and (v.required or v.kind != "NAMEID")
    )
    return (
        "<p><label for=fault-value>Its value (for a fault marked =…)</label>"
        "<input id=fault-value name=fault_value autocomplete=off></p>"
        f"<details id=fault-values><summary><small>Which faults take a value</small></summary>"
        f"<ul><small>{takes}<li>the signature-wrapping variants and <code>tampered</code>: "
        "the NameID to inject (optional)</li></small></ul></details>"
    )


_VALUE_SCRIPT = (
    "<script>(function(){var s=document.getElementById('fault'),"
    "v=document.getElementById('fault-value');function fit(){var d=s.options[s.selectedIndex]"
    ".dataset;v.disabled=!d.value;v.required=d.required==='1';v.placeholder=d.value?"
    "(d.min?d.value+' from '+d.min+' to '+d.max:d.value)+(d.required==='1'?'':' (optional)')"
    ":'this fault takes no value';if(d.min){v.type='number';v.min=d.min;v.max=d.max;v.step='1'}"
    "else{v.type='text';v.removeAttribute('min');v.removeAttribute('max')}}"
    "s.addEventListener('change',fit);fit()})()</script>"
)


def title_for(status: int, reason: str, text: str) -> str:
    """The heading of a plain error answer from the fake IdP."""
    return "This fault cannot be used" if status == 400 and "fault" in text else reason


def todo_for(status: int, text: str, allowed: str = "") -> str:
    """What to do after a plain error answer from the fake IdP."""
    if status == 405:
        return f"open this address with {allowed or 'another method'} (a link or its form)."
    if "fault" in text:
        return (
            "correct the fault and start the sign-in again: name a fault from the account "
            "picker's list, with =value only where it takes one (the picker says which, "
            "and each value's range)."
        )
    if status == 404:
        return "check the address; the fake IdP's home page (its /) lists what it serves."
    return "start the sign-in again from the application, or from sp-sim's home page."


def problem(title: str, text: str, todo: str) -> str:
    """A plain error page of the fake IdP (not an AADSTS one): what happened, what to do,
    and a way back."""
    return page(
        title,
        (
            f"<h1 id=problem>{escape(title)}</h1><p id=what>{escape(text)}</p>"
            f"<p class=todo id=todo>What to do: {escape(todo)}</p>"
            '<p><a id=home href="/">Back to the sp-sim home page</a></p>'
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

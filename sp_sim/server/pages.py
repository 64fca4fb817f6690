"""The simulator's HTML: Mimecast-like sign-in, the result page, recent attempts, admin.

Everything shown from a message or a setting is escaped.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from html import escape

from lxml import etree

from sp_sim.core.model import Finding, Report, Status
from sp_sim.core.xml import UnsafeXML, parse_untrusted
from sp_sim.render.text import initiated
from sp_sim.server.state import Attempt
from sp_sim.tenant import AuthenticationProfile

_STYLE = """
body{font-family:system-ui,Segoe UI,Arial,sans-serif;margin:0;background:#f5f6f8;color:#1d2430}
header{background:#1d2430;color:#fff;padding:12px 24px}header a{color:#9cd}
main{max-width:1100px;margin:24px auto;padding:0 24px}
.card{background:#fff;border-radius:6px;padding:20px;margin-bottom:16px;box-shadow:0 1px 3px #0002}
.works{border-left:8px solid #1a7f37}.fails{border-left:8px solid #cf222e}
.badge{display:inline-block;min-width:44px;text-align:center;border-radius:3px;padding:1px 6px;
font-size:12px;font-weight:700;color:#fff}
.badge.fail{background:#cf222e}.badge.warn{background:#bf8700}.badge.pass{background:#1a7f37}
.badge.skipped{background:#8c959f}tr.fail{background:#fff0f0}tr.warn{background:#fff8e5}
table{border-collapse:collapse;width:100%;table-layout:fixed}td,th{text-align:left;
vertical-align:top;padding:6px;border-bottom:1px solid #eee;font-size:14px;
overflow-wrap:anywhere}th.status{width:64px}th.code{width:200px}code,pre{font-family:ui-monospace,Consolas,monospace}
pre{background:#f6f8fa;padding:12px;overflow:auto;font-size:12px}
.signed{background:#e6ffec;border-left:4px solid #1a7f37;display:block}
.hint{color:#0550ae}input[type=email],input[type=url]{width:320px;padding:6px}
button{background:#0b5cad;color:#fff;border:0;border-radius:4px;padding:8px 18px}
"""


def page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(title)}"
        f"</title><style>{_STYLE}</style></head><body><header>sp-sim · Mimecast SAML "
        f'simulator · <a href="/">home</a> · <a href="/results">recent attempts</a> · '
        f'<a href="/check">check a response</a> · <a href="/admin">profiles</a></header>'
        f"<main>{body}</main></body></html>"
    )


def message_page(title: str, text: str) -> str:
    return page(title, f"<div class=card><h1>{escape(title)}</h1><p>{escape(text)}</p></div>")


def csrf_field(token: str) -> str:
    """The hidden field that proves a POST came from this server's own form."""
    return f'<input type=hidden name=csrf_token value="{escape(token)}">'


def sign_in(region: str, account: str, error: str | None = None, csrf_token: str = "") -> str:
    problem = f'<p class=fail id=problem style="color:#cf222e">{escape(error)}</p>' if error else ""
    return page(
        "Mimecast sign in",
        (
            f"<div class=card><h1>Sign in</h1><p>Mimecast ({escape(region)} grid, account "
            f"{escape(account)}) — simulated.</p>{problem}"
            f"<form method=post>{csrf_field(csrf_token)}<label>Email address <input type=email "
            "name=email id=email required autofocus></label> <button type=submit id=next>Next"
            "</button></form></div>"
        ),
    )


def _finding_row(finding: Finding) -> str:
    hint = (
        f"<div class=hint>Fix in {escape(str(finding.hint.side))} › "
        f"{escape(finding.hint.field)}: {escape(finding.hint.text)}</div>"
        if finding.hint
        else ""
    )
    unverified = " <em>(unsigned content)</em>" if finding.covered_by_signature is False else ""
    return (
        f'<tr class="finding {finding.status}" data-code="{escape(finding.code)}">'
        f'<td><span class="badge {finding.status}">{escape(finding.status.upper())}</span></td>'
        f"<td><code>{escape(finding.code)}</code>{unverified}</td>"
        f"<td>{escape(finding.message)}{hint}</td>"
        f"<td>{escape(finding.expected or '')}</td><td>{escape(finding.observed or '')}</td>"
        "</tr>"
    )


def marked_xml(xml: bytes | None, signed: Iterable[str]) -> str:
    """The message pretty-printed, the parts a verified signature covers highlighted.

    Whatever the message holds (comments, processing instructions, odd nesting), this does
    not raise: a message that cannot be marked is shown as its escaped text."""
    if not xml:
        return "<pre>(nothing decoded)</pre>"
    try:
        return _marked(parse_untrusted(xml), set(signed))
    except (UnsafeXML, etree.LxmlError, ValueError, TypeError, RecursionError):
        return f"<pre>{escape(xml[:65536].decode('utf-8', 'replace'))}</pre>"


def _marked(root: etree._Element, signed: set[str]) -> str:
    if "Response" in signed:
        etree.indent(root)
        text = escape(etree.tostring(root, encoding="unicode"))
        return f"<pre><span class=signed>{text}</span></pre>"
    # A marker the message cannot contain, so its own comments cannot fake a green part.
    marker = f"SPSIM-{secrets.token_hex(8)}"
    start, end = f"{marker}-START", f"{marker}-END"
    if "Assertion" in signed:
        for element in root.iterchildren(etree.Element):
            if etree.QName(element).localname == "Assertion":
                element.addprevious(etree.Comment(start))
                element.addnext(etree.Comment(end))
    etree.indent(root)
    text = escape(etree.tostring(root, encoding="unicode"))
    text = text.replace(escape(f"<!--{start}-->"), "<span class=signed>")
    text = text.replace(escape(f"<!--{end}-->"), "</span>")
    return f"<pre>{text}</pre>"


def result(attempt: Attempt, *, checked: bool = False) -> str:
    """The result page for one POST to /login/saml; `checked`: for a message pasted on the
    check page, which is neither recorded nor linked to a stored report."""
    report: Report = attempt.report
    verdict = "works" if report.works else "fails"
    summary = report.summary()
    headline = summary[:1].upper() + summary[1:]
    context = [
        "checked on the check page (nothing recorded)"
        if checked
        else f"attempt {attempt.attempt_id}",
        f"{attempt.region} grid via {attempt.via}",
        f"judged at {report.judged_at}",
        initiated(report.initiated_by),
        "signed: " + (" and ".join(report.signed_elements) or "nothing verified"),
    ]
    rows = "".join(_finding_row(f) for f in report.ordered())
    counts = ", ".join(f"{sum(1 for f in report.findings if f.status is s)} {s}" for s in Status)
    json_link = f'<a href="/results/{attempt.attempt_id}.json">JSON report</a> · '
    return page(
        headline,
        (
            f'<div class="card {verdict}" id=verdict data-verdict="{verdict}"><h1>'
            f"{escape(headline)}</h1><p>{escape(' · '.join(context))}</p>"
            f"<p>User: <strong id=user>{escape(report.user or '—') if report.works else '—'}"
            f"</strong> · Application: <strong>{escape(report.application or '—')}</strong></p>"
            f"<p>{'' if checked else json_link}{counts}</p></div>"
            f"<div class=card><h2>Checks</h2><table><tr><th class=status></th><th class=code>code"
            "</th><th>what</th>"
            f"<th>expected</th><th>observed</th></tr>{rows}</table></div>"
            f"<div class=card><h2>The message</h2><p>Green: covered by a verified signature.</p>"
            f"{marked_xml(report.xml, report.signed_elements)}</div>"
        ),
    )


def _attempt_row(a: Attempt) -> str:
    report = a.report
    failing = " ".join(sorted({str(f.code) for f in report.failures}))
    # A failing response's NameID was not proven: shown, but said so.
    user = report.user if report.works else f"{report.user} (unverified)" if report.user else ""
    return (
        f'<tr class=attempt data-verdict="{report.verdict}"><td><a href="/results/'
        f'{escape(a.attempt_id)}">{a.at:%Y-%m-%d %H:%M:%S}</a></td>'
        f"<td>{escape(user or '—')}</td><td>{escape(initiated(report.initiated_by))}</td>"
        f'<td><span class="badge {"pass" if report.works else "fail"}">{report.verdict}'
        f"</span></td><td class=codes><code>{escape(failing) or '—'}</code></td>"
        f"<td>{escape(a.region)}</td></tr>"
    )


def attempts(items: Iterable[Attempt]) -> str:
    """Recent attempts, newest first: time, user, initiator, verdict, failing codes; or
    words that say how to make one."""
    rows = "".join(_attempt_row(a) for a in reversed(list(items)))
    if not rows:
        body = (
            "<p id=empty>No sign-in has reached the ACS yet. Start one from the "
            '<a href="/">home page</a> (SP- or IdP-initiated), or paste a response on the '
            '<a href="/check">check page</a> (checks there are not recorded).</p>'
        )
    else:
        body = (
            "<table><tr><th>time</th><th>user</th><th>initiated</th><th>verdict</th>"
            f"<th>failing codes</th><th>grid</th></tr>{rows}</table>"
        )
    return page("Recent attempts", f"<div class=card><h1>Recent attempts</h1>{body}</div>")


def admin(
    profiles: Iterable[AuthenticationProfile],
    message: str | None = None,
    csrf_token: str = "",
    editors: Sequence[str] = (),
    footer: str = "",
) -> str:
    """The profiles, each with its Import form and its editor (`editors`, already built,
    in order), then `footer` (the directory)."""
    cards = []
    for index, profile in enumerate(profiles):
        editor = editors[index] if index < len(editors) else ""
        certificates = (
            "".join(f"<li><code>{escape(c.describe())}</code></li>" for c in profile.certificates)
            or "<li>none</li>"
        )
        fields = [
            ("Issuer URL", profile.issuer_url),
            ("Login URL", profile.login_url),
            ("Logout URL", profile.logout_url),
            ("Metadata URL", profile.metadata_url),
        ]
        rows = "".join(
            f"<tr><th>{escape(k)}</th><td><code>{escape(v or '')}</code></td></tr>"
            for k, v in fields
        )
        name = escape(profile.name)
        cards.append(
            f"<div class=card><h2>{name}</h2><table>{rows}</table><p>Identity Provider "
            f"Certificates</p><ul>{certificates}</ul>"
            f'<form method=post action="/admin/profiles/{name}/import" '
            f"enctype=multipart/form-data>{csrf_field(csrf_token)}<h3>Import</h3><p><label>"
            "Metadata URL "
            "<input type=url name=url></label></p><p><label>or a metadata file "
            "<input type=file name=metadata></label></p><button type=submit>Import</button>"
            f"</form>{editor}</div>"
        )
    note = f"<div class=card id=message>{escape(message)}</div>" if message else ""
    return page("Authentication profiles", note + "".join(cards) + footer)

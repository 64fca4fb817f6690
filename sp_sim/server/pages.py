"""The simulator's HTML: Mimecast-like sign-in, the result page, recent attempts, admin.

Everything shown from a message or a setting is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape

from sp_sim.core.model import Finding, Report, Status
from sp_sim.render.text import initiated
from sp_sim.server import xml_view
from sp_sim.server.state import Attempt
from sp_sim.server.xml_view import Anchor
from sp_sim.tenant import AuthenticationProfile

_STYLE = """
body{font-family:system-ui,Segoe UI,Arial,sans-serif;margin:0;background:#f5f6f8;color:#1d2430}
header{background:#1d2430;color:#fff;padding:12px 24px}header a{color:#9cd}
main{max-width:1100px;margin:24px auto;padding:0 24px}
.card{background:#fff;border-radius:6px;padding:20px;margin-bottom:16px;box-shadow:0 1px 3px #0002}
.works{border-left:8px solid #1a7f37}.fails{border-left:8px solid #cf222e}
.badge{display:inline-block;min-width:44px;text-align:center;border-radius:3px;padding:1px 6px;
font-size:12px;font-weight:700;color:#fff;white-space:nowrap}
.badge.fail{background:#cf222e}.badge.warn{background:#9a6700}.badge.pass{background:#1a7f37}
.badge.skipped{background:#6e7781}tr.fail{background:#fff0f0}tr.warn{background:#fff8e5}
table{border-collapse:collapse;width:100%;table-layout:fixed}td,th{text-align:left;
vertical-align:top;padding:6px;border-bottom:1px solid #eee;font-size:14px;
overflow-wrap:anywhere}th.status{width:84px}th.code{width:200px}code,pre{font-family:ui-monospace,Consolas,monospace}
pre{background:#f6f8fa;padding:12px;overflow:auto;font-size:12px}
.signed{background:#e6ffec;border-left:4px solid #1a7f37;display:block}
.hint{color:#0550ae}input[type=email],input[type=url]{width:320px;padding:6px}
button{background:#0b5cad;color:#fff;border:0;border-radius:4px;padding:8px 18px}
a.locate{display:block;font-size:12px;margin-top:4px}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.todo{color:#0550ae;font-weight:600}
"""
_STYLE += xml_view.STYLE


def page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(title)}"
        f"</title><style>{_STYLE}</style></head><body><header>sp-sim · Mimecast SAML "
        f'simulator · <a href="/">home</a> · <a href="/results">recent attempts</a> · '
        f'<a href="/check">check a response</a> · <a href="/admin">profiles</a></header>'
        f"<main>{body}</main></body></html>"
    )


def message_page(title: str, text: str, todo: str | None = None) -> str:
    """A page that says what happened, what to do about it (`todo`), and links home."""
    then = f"<p class=todo id=todo>What to do: {escape(todo)}</p>" if todo else ""
    return page(
        title,
        f"<div class=card id=message-page><h1>{escape(title)}</h1><p id=what>{escape(text)}</p>"
        f'{then}<p><a id=home href="/">Back to the sp-sim home page</a></p></div>',
    )


def csrf_field(token: str) -> str:
    """The hidden field that proves a POST came from this server's own form."""
    return f'<input type=hidden name=csrf_token value="{escape(token)}">'


def sign_in(
    region: str, account: str, error: str | None = None, csrf_token: str = "", notice: str = ""
) -> str:
    """The email page; `notice`: HTML shown above it (where SP-initiated sign-ins go when
    that is off this machine, `sp_sim.server.external.notice_html`)."""
    problem = f'<p class=fail id=problem style="color:#cf222e">{escape(error)}</p>' if error else ""
    return page(
        "Mimecast sign in",
        (
            f"{notice}<div class=card><h1>Sign in</h1><p>Mimecast ({escape(region)} grid, account "
            f"{escape(account)}) — simulated.</p>{problem}"
            f"<form method=post>{csrf_field(csrf_token)}<label>Email address <input type=email "
            "name=email id=email required autofocus></label> <button type=submit id=next>Next"
            "</button></form></div>"
        ),
    )


def _finding_row(finding: Finding, anchors: Mapping[str, Anchor] | None = None) -> str:
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
        f"<td><code>{escape(finding.code)}</code>{unverified}"
        f"{_locate(finding.location, (anchors or {}).get(finding.location or ''))}</td>"
        f"<td>{escape(finding.message)}{hint}</td>"
        f"<td>{escape(finding.expected or '')}</td><td>{escape(finding.observed or '')}</td>"
        "</tr>"
    )


def _locate(location: str | None, anchor: Anchor | None) -> str:
    """The link from a finding to the node it read in the message below."""
    if location is None or anchor is None:
        return ""
    absent = "" if anchor.exact else " (not in the message: its parent)"
    return (
        f'<a class=locate href="#{anchor.anchor}" data-location="{escape(location)}" '
        f'title="{escape(location)}">{escape(anchor.label)}{absent}</a>'
    )


def marked_xml(xml: bytes | None, signed: Iterable[str]) -> str:
    """The message highlighted, the parts a verified signature covers shaded (nothing
    marked unsigned: for messages signed other ways, such as a Redirect-signed logout).

    Whatever the message holds (comments, processing instructions, odd nesting), this does
    not raise: a message that cannot be parsed is shown as its escaped text."""
    return xml_view.render(xml, signed, mark_unsigned=False).html


def _message_card(view: xml_view.XmlView) -> str:
    notes = "".join(f"<li>{n}</li>" for n in view.notes)
    listed = f"<ul class=xml-notes id=xml-notes>{notes}</ul>" if notes else ""
    return (
        "<div class=card><h2>The message</h2><p>Green: covered by a verified signature. "
        "<span class=unsigned>unsigned</span> no verified signature covers it: read for "
        "diagnosis only. A check's link in the table above highlights the node it read. "
        f"Long values are collapsed: click to expand.</p>{listed}{view.html}</div>"
    )


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
    view = xml_view.render(
        report.xml, report.signed_elements, (f.location for f in report.findings if f.location)
    )
    rows = "".join(_finding_row(f, view.anchors) for f in report.ordered())
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
            "<div class=card><h2>Checks</h2><table><tr>"
            "<th class=status><span class=sr-only>status</span></th><th class=code>code"
            "</th><th>what</th>"
            f"<th>expected</th><th>observed</th></tr>{rows}</table></div>"
            f"{_message_card(view)}"
        ),
    )


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
    heading = "<h1>Authentication profiles</h1>"
    return page("Authentication profiles", heading + note + "".join(cards) + footer)

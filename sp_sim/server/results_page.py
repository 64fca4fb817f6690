"""The HTML of the results: the list with its filters (`results_list`), an IdP refusal's
page (`refusal_page`), and the downloads card an attempt's page gets (`downloads_card`).
Everything shown from a message, a setting or the query string is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from sp_sim.core.aadsts import CATALOGUE
from sp_sim.render.text import initiated
from sp_sim.server.listing import INITIATORS, REFUSED, VERDICTS, Filters, Listed
from sp_sim.server.pages import page
from sp_sim.server.state import Refusal

_VERDICT_WORDS = {"works": "works", "fails": "fails", "refused": REFUSED}
_BADGE = {"works": "pass", "fails": "fail", "refused": "warn"}


def _row(row: Listed) -> str:
    href = f"/results/{escape(row.result_id)}"
    kind = "refusal" if row.verdict == REFUSED else "attempt"
    codes = " ".join(row.codes)
    return (
        f'<tr class={kind} data-verdict="{escape(row.verdict_key)}" '
        f'data-result="{escape(row.result_id)}"><td><a href="{href}">'
        f"{row.at:%Y-%m-%d %H:%M:%S}</a></td>"
        f"<td>{escape(row.user or '—')}</td>"
        f"<td>{escape(initiated(row.initiator) if row.initiator else '—')}</td>"
        f'<td><span class="badge {_BADGE[row.verdict_key]}">{escape(row.verdict)}</span></td>'
        f"<td class=codes><code>{escape(codes) or '—'}</code></td>"
        f"<td>{escape(row.region or '—')}</td>"
        f'<td><a href="{href}.har" download>HAR</a></td></tr>'
    )


def _options(name: str, values: Sequence[str], chosen: str, words: dict[str, str]) -> str:
    options = [f'<option value=""{" selected" if not chosen else ""}>any</option>']
    for value in values:
        selected = " selected" if value == chosen else ""
        options.append(f'<option value="{value}"{selected}>{escape(words[value])}</option>')
    return f"<select id=filter-{name} name={name}>{''.join(options)}</select>"


def _filter_form(filters: Filters) -> str:
    initiators = {"sp": "SP-initiated", "idp": "IdP-initiated"}
    return (
        "<form method=get action=/results id=filters role=search>"
        f"<label for=filter-verdict>Verdict</label> "
        f"{_options('verdict', VERDICTS, filters.verdict, _VERDICT_WORDS)} "
        f"<label for=filter-initiator>Initiated</label> "
        f"{_options('initiator', INITIATORS, filters.initiator, initiators)} "
        "<label for=filter-user>User</label> <input id=filter-user name=user "
        f'value="{escape(filters.user)}" size=18> '
        "<label for=filter-code>Failing code</label> <input id=filter-code name=code "
        f'value="{escape(filters.code)}" size=18 placeholder="e.g. signature or AADSTS50105"> '
        "<button type=submit id=apply-filters>Filter</button>"
        + (' <a href="/results" id=clear-filters>clear</a>' if filters.active else "")
        + "</form>"
    )


def results_list(
    rows: Sequence[Listed], filters: Filters, total: int, problem: str | None = None
) -> str:
    """Recent results, newest first, with the filter form; `total`: before filtering. An
    empty list says why (nothing yet, or nothing matching) and what to do."""
    note = (
        f'<p id=problem class=fail style="color:#cf222e">{escape(problem)}</p>' if problem else ""
    )
    if not total:
        body = (
            "<p id=empty>No sign-in has reached the ACS yet, and the fake IdP has refused "
            'none. Start one from the <a href="/">home page</a> (SP- or IdP-initiated), '
            'or paste a response on the <a href="/check">check page</a> (checks there are '
            "not recorded).</p>"
        )
    elif not rows:
        body = (
            f"<p id=empty>None of the {total} recent results matches these filters. "
            '<a href="/results">Show them all</a>.</p>'
        )
    else:
        shown = f"{len(rows)} of {total}" if filters.active else f"{total}"
        body = (
            f"<p id=count>{shown} recent results, newest first.</p>"
            "<table><tr><th>time</th><th>user</th><th>initiated</th><th>verdict</th>"
            "<th>failing codes</th><th>grid</th><th>download</th></tr>"
            f"{''.join(_row(r) for r in rows)}</table>"
        )
    form = _filter_form(filters) if total else ""
    return page(
        "Recent attempts", f"<div class=card><h1>Recent attempts</h1>{note}{form}{body}</div>"
    )


def downloads_card(result_id: str) -> str:
    """Links to the result's capture and case downloads."""
    base = f"/results/{escape(result_id)}"
    links = (
        (f"{base}.har", "HAR 1.2", "download-har"),
        (f"{base}.saml-tracer.json", "SAML-tracer JSON", "download-saml-tracer"),
        (f"{base}.case.zip", "case bundle (zip)", "download-case"),
    )
    items = " · ".join(
        f'<a id={anchor} href="{href}" download>{escape(text)}</a>' for href, text, anchor in links
    )
    return (
        f"<div class=card id=downloads><h2>Download</h2><p>{items}</p><p>Re-judge the HAR "
        "with <code>sp-sim evidence FILE --tenant TENANT.toml</code>; the case bundle "
        "holds both and says how to re-run it.</p></div>"
    )


def with_downloads(html: str, result_id: str) -> str:
    """A result page with its downloads card at the end of its content."""
    head, found, tail = html.rpartition("</main>")
    return f"{head}{downloads_card(result_id)}{found}{tail}" if found else html


def refusal_page(refusal: Refusal) -> str:
    """What the IdP answered instead of a response, what the code means, what to change."""
    known = CATALOGUE.get(refusal.code)
    explained = ""
    if known is not None:
        hint = known.hint
        explained = (
            f"<p>{escape(known.meaning)}</p><p class=hint id=fix>Fix in {escape(str(hint.side))}"
            f" › {escape(hint.field)}: {escape(hint.text)}</p>"
        )
    context = [
        f"refusal {refusal.refusal_id}",
        initiated(refusal.initiated_by.lower()),
        f"at {refusal.at.isoformat()}",
        f"user {refusal.user}" if refusal.user else "user not known",
    ]
    sent = "".join(
        f"<li><code>{escape(c.method)} {escape(c.url[:200])}</code> → HTTP {c.status or '?'}</li>"
        for c in refusal.exchanges
    )
    return page(
        f"Refused by the IdP: {refusal.code}",
        (
            f'<div class="card fails" id=verdict data-verdict="refused"><h1>Refused by the '
            f"IdP: <span id=aadsts>{escape(refusal.code)}</span></h1>"
            f"<p>{escape(' · '.join(context))}</p><p id=message>{escape(refusal.message)}</p>"
            f"{explained}<p>No SAMLResponse reached the ACS: nothing was judged.</p></div>"
            f"<div class=card><h2>What the browser sent</h2><ul>{sent}</ul></div>"
            f"{downloads_card(refusal.refusal_id)}"
        ),
    )

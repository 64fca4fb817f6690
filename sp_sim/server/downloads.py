"""Each result as the files support works with: a HAR 1.2 capture, a SAML-tracer export,
and a case bundle (`sp_sim.support.case`) as a zip. All are written from what the browser
sent (`Captured`, kept with the attempt or refusal), with the writers the evidence readers
are tested against (`sp_sim.support.capture`), so `sp-sim evidence` reads them back.

    /results/<id>.har                 HAR 1.2: the AuthnRequest (when this server sent it),
                                      then the POST to the ACS, or the IdP's refusal page
    /results/<id>.saml-tracer.json    the same requests as SAML-tracer exports them
    /results/<id>.case.zip            case-<id>/: case.toml, inputs/ (tenant.toml and the
                                      HAR), report.json, report.txt, and RERUN.txt

The simulator's own answers are not kept (the result page is the report): the ACS entry's
answer carries the verdict header and the Date the server sent, no body. The case holds
the tenant as served when it is downloaded: edited since the attempt, the case may judge
otherwise.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from sp_sim.server.store import Attempt, Captured, Refusal
from sp_sim.support.capture import Exchange, Recorder, to_har, to_saml_tracer
from sp_sim.support.case import create_case
from sp_sim.tenant import Tenant
from sp_sim.tenant.config import tenant_to_toml

Result = Attempt | Refusal
CREATOR = "sp-sim results"
_STATUS_TEXT = {0: "", 200: "OK", 302: "Found", 400: "Bad Request"}


def result_id(result: Result) -> str:
    return result.attempt_id if isinstance(result, Attempt) else result.refusal_id


def _exchange(captured: Captured, verdict: str | None) -> Exchange:
    headers = list(captured.answer_headers)
    if captured.status:  # an answer this server gave: with its Date (the simulated time)
        headers.append(("Date", format_datetime(captured.at, usegmt=True)))
    if verdict is not None:
        headers.append(("X-Sp-Sim-Verdict", verdict))
    return Exchange(
        captured.at,
        captured.method,
        captured.url,
        list(captured.headers),
        captured.body,
        captured.status,
        _STATUS_TEXT.get(captured.status, ""),
        headers,
        captured.answer,
        captured.answer_type,
    )


def recorder(result: Result) -> Recorder:
    """The result's requests in order; the last one (the POST to the ACS, or the refused
    request) answered with the verdict header."""
    verdict = result.report.verdict if isinstance(result, Attempt) else None
    exchanges = result.exchanges
    return Recorder(
        [
            _exchange(c, verdict if n == len(exchanges) - 1 else None)
            for n, c in enumerate(exchanges)
        ]
    )


def posted_in_full(result: Result) -> bool:
    """Whether the result kept what it needs for a capture: its requests, and for an
    attempt the POST's body (not kept over `captures.BODY_KEPT`, or with an older store)."""
    if not result.exchanges:
        return False
    return not isinstance(result, Attempt) or result.exchanges[-1].body is not None


def har(result: Result) -> dict[str, Any]:
    """HAR 1.2, as a browser's DevTools export it."""
    document = to_har(recorder(result), CREATOR)
    document["log"]["comment"] = _comment(result)
    return document


def saml_tracer(result: Result) -> dict[str, Any]:
    """A SAML-tracer export, timestamped when the result was recorded."""
    return to_saml_tracer(recorder(result), result.at)


def _comment(result: Result) -> str:
    if isinstance(result, Attempt):
        return f"sp-sim attempt {result.attempt_id}: {result.report.verdict}"
    return f"sp-sim: the IdP refused the sign-in with {result.code}"


def case_zip(result: Result, tenant: Tenant) -> bytes:
    """A case bundle built from the result's HAR and `tenant`, zipped under `case-<id>/`.
    Blocking (it judges the capture): run it off the event loop."""
    name = f"case-{result_id(result)}"
    with tempfile.TemporaryDirectory(prefix="sp-sim-case-") as scratch:
        root = Path(scratch)
        (root / "tenant.toml").write_text(tenant_to_toml(tenant))
        (root / "evidence.har").write_text(json.dumps(har(result), indent=2))
        folder = root / name
        case = create_case(folder, root / "tenant.toml", evidence=root / "evidence.har")
        (folder / "RERUN.txt").write_text(_rerun(name, result.at, str(case.verdict)))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                bundle.write(path, path.relative_to(root).as_posix())
        return buffer.getvalue()


def _rerun(name: str, at: datetime, verdict: str) -> str:
    return (
        f"sp-sim case bundle of a result recorded at {at.isoformat()}; case verdict: {verdict}.\n"
        "Unzip it, then re-run it at its pinned instant:\n\n"
        f"    sp-sim case run {name}\n\n"
        "or judge its capture alone against its tenant:\n\n"
        f"    sp-sim evidence {name}/inputs/evidence.har --tenant {name}/inputs/tenant.toml\n\n"
        "A server started with --local-urls answers to its own URLs, which the tenant file\n"
        "does not hold: add --entity-id and --acs-url with the URLs its home page shows.\n"
    )

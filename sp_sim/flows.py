"""Drive a sign-in through the simulator and an IdP as a browser would, with a
cookie-keeping aiohttp client, and return what happened at each hop.

    async with FlowDriver("http://127.0.0.1:8080") as flows:
        outcome = await flows.sp_initiated("B.Simon@contoso.com")
        assert outcome.works, outcome.failures

Everything it sends and receives is kept in `recorder`, from which `sp_sim.support.capture`
writes HAR and SAML-tracer files of the real formats.
"""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp
from yarl import URL

from sp_sim.autopost import AutoPost, read_autopost
from sp_sim.support.capture import Exchange, Recorder

_AADSTS = re.compile(r"id=aadsts>(AADSTS\d+)<")
_CSRF = re.compile(r'<input type=hidden name=csrf_token value="([^"]*)"')
Fields = dict[str, str] | Sequence[tuple[str, str]]


@dataclass
class FlowOutcome:
    """Where the flow ended: the simulator's report, or the IdP's (or SP's) error page."""

    stage: str
    report: dict[str, Any] | None = None
    aadsts: str | None = None
    status: int = 200
    page: str = ""
    hops: list[str] = field(default_factory=list)

    @property
    def works(self) -> bool:
        return self.report is not None and self.report["report"]["verdict"] == "works"

    @property
    def findings(self) -> list[dict[str, Any]]:
        return [] if self.report is None else list(self.report["report"]["findings"])

    @property
    def failures(self) -> list[dict[str, Any]]:
        return [f for f in self.findings if f["status"] == "fail"]

    def codes(self, status: str | None = None) -> set[str]:
        return {f["code"] for f in self.findings if status is None or f["status"] == status}


@dataclass(frozen=True)
class _Answer:
    status: int
    url: URL
    headers: dict[str, str]
    text: str
    content_type: str


class FlowDriver:
    """A browser stand-in bound to one simulator base URL. It never leaves that origin: a
    hop elsewhere (a real IdP's sign-in page, a real Mimecast host) ends the flow with
    stage "external" and the URL in `page`, so that tests send no traffic off the machine."""

    def __init__(
        self,
        base_url: str,
        session: aiohttp.ClientSession | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._origin = URL(self.base_url).origin()
        self._own = session is None
        self.session = session or aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.clock = clock or (lambda: datetime.now(UTC))
        self.recorder = Recorder()

    async def __aenter__(self) -> FlowDriver:
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._own:
            await self.session.close()

    def _leaves(self, url: str | URL, outcome: FlowOutcome) -> bool:
        target = URL(url) if isinstance(url, str) else url
        if not target.is_absolute() or target.origin() == self._origin:
            return False
        outcome.stage, outcome.page = "external", str(target)
        outcome.hops.append(f"stopped before {target.origin()}")
        return True

    async def _send(
        self,
        method: str,
        url: str | URL,
        outcome: FlowOutcome,
        *,
        data: Fields | None = None,
        headers: dict[str, str] | None = None,
        allow_redirects: bool = True,
    ) -> _Answer:
        """One browser request, recorded with every redirect hop."""
        body = (
            None
            if data is None
            else urlencode(list(data.items()) if isinstance(data, dict) else list(data))
        )
        sent_headers = dict(headers or {})
        if body is not None:
            sent_headers["Content-Type"] = "application/x-www-form-urlencoded"
        started, ticks = self.clock(), time.perf_counter()
        async with self.session.request(
            method, url, data=body, headers=sent_headers, allow_redirects=allow_redirects
        ) as response:
            text = await response.text(errors="replace")
            elapsed = (time.perf_counter() - ticks) * 1000
            for number, hop in enumerate((*response.history, response)):
                last = hop is response
                self.recorder.add(
                    Exchange(
                        started=started,
                        method=hop.method,
                        url=str(hop.url),
                        request_headers=list(hop.request_info.headers.items()),
                        post_text=body if number == 0 else None,
                        status=hop.status,
                        status_text=hop.reason or "",
                        response_headers=list(hop.headers.items()),
                        response_text=text if last else "",
                        mime_type=hop.content_type,
                        time_ms=elapsed if last else 0.0,
                    )
                )
                outcome.hops.append(f"{hop.method} {hop.url.path} {hop.status}")
            return _Answer(
                response.status, response.url, dict(response.headers), text, response.content_type
            )

    async def sp_initiated(
        self,
        email: str,
        *,
        user: str | None = None,
        region: str = "us",
        faults: tuple[str, ...] = (),
    ) -> FlowOutcome:
        """Mimecast's sign-in page → AuthnRequest → IdP (account `user`, else `email`) →
        POST to /login/saml → the report."""
        outcome = FlowOutcome(stage="sp-sign-in")
        sign_in = f"{self.base_url}/{region}/login"
        # Like a browser: open the page, then submit its form with the CSRF token it holds.
        page = await self._send("GET", sign_in, outcome)
        token = _CSRF.search(page.text)
        answer = await self._send(
            "POST",
            sign_in,
            outcome,
            data={"email": email, "csrf_token": html.unescape(token.group(1)) if token else ""},
            allow_redirects=False,
        )
        if answer.status == 302:
            location = URL(answer.headers["Location"], encoded=True)
            if self._leaves(location, outcome):
                return outcome
            outcome.stage = "idp"
            idp = await self._send("GET", location, outcome)
            return await self._idp_answer(idp, user or email, faults, outcome)
        form = read_autopost(answer.text) if answer.status == 200 else None
        if form is None:
            outcome.status, outcome.page = answer.status, answer.text
            return outcome
        if self._leaves(form.action, outcome):
            return outcome
        outcome.stage = "idp"
        idp = await self._send("POST", form.action, outcome, data=form.fields)
        return await self._idp_answer(idp, user or email, faults, outcome)

    async def idp_initiated(
        self, launch_url: str, user: str, faults: tuple[str, ...] = ()
    ) -> FlowOutcome:
        """A My Apps tile: the IdP posts an unsolicited response to the simulator."""
        outcome = FlowOutcome(stage="idp")
        query = urlencode([("user", user), *(("fault", f) for f in faults)])
        url = launch_url if launch_url.startswith("http") else f"{self.base_url}{launch_url}"
        if self._leaves(url, outcome):
            return outcome
        answer = await self._send("GET", f"{url}{'&' if '?' in url else '?'}{query}", outcome)
        return await self._idp_answer(answer, user, faults, outcome)

    async def post_response(self, form: AutoPost, outcome: FlowOutcome) -> FlowOutcome:
        """POST a SAMLResponse to the simulator and read its JSON report (none when it
        refuses the request outright, e.g. HTTP 503 for a full replay cache: `page` says
        why)."""
        if self._leaves(form.action, outcome):
            return outcome
        outcome.stage = "sp-acs"
        answer = await self._send(
            "POST", form.action, outcome, data=form.fields, headers={"Accept": "application/json"}
        )
        outcome.status = answer.status
        if answer.status == 200 and answer.content_type == "application/json":
            outcome.report = json.loads(answer.text)
        else:
            outcome.page = answer.text
        return outcome

    async def continue_at(self, location: str, user: str, outcome: FlowOutcome) -> FlowOutcome:
        """Carry on a flow at an IdP URL (for example after a pause)."""
        if self._leaves(location, outcome):
            return outcome
        answer = await self._send("GET", URL(location, encoded=True), outcome)
        return await self._idp_answer(answer, user, (), outcome)

    async def _idp_answer(
        self, answer: _Answer, user: str, faults: tuple[str, ...], outcome: FlowOutcome
    ) -> FlowOutcome:
        form = read_autopost(answer.text) if answer.status == 200 else None
        outcome.status = answer.status
        if form is not None and "pending" in form.fields:  # the account picker
            if self._leaves(form.action, outcome):
                return outcome
            data = [*{**form.fields, "user": user}.items(), *(("fault", f) for f in faults)]
            answer = await self._send("POST", form.action, outcome, data=data)
            form = read_autopost(answer.text) if answer.status == 200 else None
            outcome.status = answer.status
        if form is None or "SAMLResponse" not in form.fields:
            found = _AADSTS.search(answer.text)
            outcome.aadsts = found.group(1) if found else None
            outcome.page = answer.text
            return outcome
        return await self.post_response(form, outcome)

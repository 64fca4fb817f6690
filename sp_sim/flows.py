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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode

import aiohttp
from yarl import URL

from sp_sim.core.bindings import AutoPost, read_autopost
from sp_sim.core.model import Finding, Report, Status
from sp_sim.support.capture import Exchange, Recorder

_AADSTS = re.compile(r"id=aadsts>(AADSTS\d+)<")
_CSRF = re.compile(r'<input type=hidden name=csrf_token value="([^"]*)"')
Fields = dict[str, str] | Sequence[tuple[str, str]]


class Stage(StrEnum):
    """Where a flow ended."""

    SP_SIGN_IN = "sp-sign-in"
    """At the simulator's sign-in page, which answered with a page (`page`), no request."""
    IDP = "idp"
    """At the IdP, which sent no response to post: an error page (`aadsts`, `page`)."""
    SP_ACS = "sp-acs"
    """At the simulator's ACS: `report` says what it made of the response (or `page` why
    it refused the request outright, e.g. HTTP 503 for a full replay cache)."""
    EXTERNAL = "external"
    """Before a hop off the simulator's origin (a real IdP's sign-in page); `page` is the URL."""


@dataclass(frozen=True)
class FlowOutcome:
    """Where the flow ended: the simulator's report (and its attempt ID at /results), or the
    IdP's (or SP's) error page, with every hop on the way."""

    stage: Stage
    report: Report | None = None
    attempt: str | None = None
    aadsts: str | None = None
    status: int = 200
    page: str = ""
    hops: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "stage", Stage(self.stage))  # "idp" works too
        object.__setattr__(self, "hops", tuple(self.hops))

    @classmethod
    def of_report(cls, report: Report) -> FlowOutcome:
        """A report judged without a flow (an offline check), as an outcome."""
        return cls(Stage.SP_ACS, report)

    @property
    def works(self) -> bool:
        return self.report is not None and self.report.works

    @property
    def findings(self) -> tuple[Finding, ...]:
        return () if self.report is None else self.report.findings

    @property
    def failures(self) -> tuple[Finding, ...]:
        return () if self.report is None else self.report.failures

    def codes(self, status: Status | str | None = None) -> set[str]:
        """The finding codes present, optionally only those with one status."""
        if self.report is None:
            return set()
        return self.report.codes(None if status is None else Status(status))

    def to_dict(self) -> dict[str, Any]:
        """The outcome as JSON: where it ended, the hops, and the report when there is one."""
        return {
            "stage": str(self.stage),
            "status": self.status,
            "aadsts": self.aadsts,
            "hops": list(self.hops),
            "attempt": self.attempt,
            "report": None if self.report is None else self.report.to_dict(),
        }


class _Trail:
    """A flow under way: where it is, the last status and the hops so far. The driver's own;
    each flow ends in one frozen FlowOutcome."""

    def __init__(self, stage: Stage, status: int = 200, hops: Iterable[str] = ()) -> None:
        self.stage, self.status, self.hops = stage, status, list(hops)

    @classmethod
    def resume(cls, outcome: FlowOutcome | None) -> _Trail:
        if outcome is None:
            return cls(Stage.IDP)
        return cls(outcome.stage, outcome.status, outcome.hops)

    def end(
        self,
        *,
        report: Report | None = None,
        attempt: str | None = None,
        aadsts: str | None = None,
        page: str = "",
    ) -> FlowOutcome:
        return FlowOutcome(self.stage, report, attempt, aadsts, self.status, page, tuple(self.hops))


@dataclass(frozen=True)
class _Answer:
    status: int
    url: URL
    headers: dict[str, str]
    text: str
    content_type: str


_LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}


def browser_jar(*origins: str | URL) -> aiohttp.CookieJar:
    """A cookie jar for these origins that, like a browser, keeps and sends `Secure` cookies
    over plain HTTP only on loopback (a potentially trustworthy origin)."""
    loopback = [
        URL(o).origin() for o in origins if URL(o).scheme == "http" and URL(o).host in _LOOPBACK
    ]
    return aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=loopback)


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
        self.session = session or aiohttp.ClientSession(cookie_jar=browser_jar(self._origin))
        self.clock = clock or (lambda: datetime.now(UTC))
        self.recorder = Recorder()

    async def __aenter__(self) -> FlowDriver:
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._own:
            await self.session.close()

    def _leaving(self, url: str | URL, trail: _Trail) -> FlowOutcome | None:
        """The outcome "stopped before another origin" when `url` leaves this one."""
        target = URL(url) if isinstance(url, str) else url
        if not target.is_absolute() or target.origin() == self._origin:
            return None
        trail.stage = Stage.EXTERNAL
        trail.hops.append(f"stopped before {target.origin()}")
        return trail.end(page=str(target))

    async def _send(
        self,
        method: str,
        url: str | URL,
        trail: _Trail,
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
                trail.hops.append(f"{hop.method} {hop.url.path} {hop.status}")
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
        trail = _Trail(Stage.SP_SIGN_IN)
        sign_in = f"{self.base_url}/{region}/login"
        # Like a browser: open the page, then submit its form with the CSRF token it holds.
        page = await self._send("GET", sign_in, trail)
        token = _CSRF.search(page.text)
        answer = await self._send(
            "POST",
            sign_in,
            trail,
            data={"email": email, "csrf_token": html.unescape(token.group(1)) if token else ""},
            allow_redirects=False,
        )
        if answer.status == 302:
            location = URL(answer.headers["Location"], encoded=True)
            if left := self._leaving(location, trail):
                return left
            trail.stage = Stage.IDP
            idp = await self._send("GET", location, trail)
            return await self._idp_answer(idp, user or email, faults, trail)
        form = read_autopost(answer.text) if answer.status == 200 else None
        if form is None:
            trail.status = answer.status
            return trail.end(page=answer.text)
        if left := self._leaving(form.action, trail):
            return left
        trail.stage = Stage.IDP
        idp = await self._send("POST", form.action, trail, data=form.fields)
        return await self._idp_answer(idp, user or email, faults, trail)

    async def idp_initiated(
        self, launch_url: str, user: str, faults: tuple[str, ...] = ()
    ) -> FlowOutcome:
        """A My Apps tile: the IdP posts an unsolicited response to the simulator."""
        trail = _Trail(Stage.IDP)
        query = urlencode([("user", user), *(("fault", f) for f in faults)])
        url = launch_url if launch_url.startswith("http") else f"{self.base_url}{launch_url}"
        if left := self._leaving(url, trail):
            return left
        answer = await self._send("GET", f"{url}{'&' if '?' in url else '?'}{query}", trail)
        return await self._idp_answer(answer, user, faults, trail)

    async def post_response(
        self, form: AutoPost, outcome: FlowOutcome | None = None
    ) -> FlowOutcome:
        """POST a SAMLResponse to the simulator and read its JSON report, carrying on from
        `outcome`'s hops (none when it refuses the request outright, e.g. HTTP 503 for a
        full replay cache: `page` says why)."""
        return await self._post(form, _Trail.resume(outcome))

    async def _post(self, form: AutoPost, trail: _Trail) -> FlowOutcome:
        if left := self._leaving(form.action, trail):
            return left
        trail.stage = Stage.SP_ACS
        answer = await self._send(
            "POST", form.action, trail, data=form.fields, headers={"Accept": "application/json"}
        )
        trail.status = answer.status
        if answer.status == 200 and answer.content_type == "application/json":
            document = json.loads(answer.text)
            report = Report.from_dict(document["report"])
            return trail.end(report=report, attempt=str(document["attempt"]))
        return trail.end(page=answer.text)

    async def continue_at(
        self, location: str, user: str, outcome: FlowOutcome | None = None
    ) -> FlowOutcome:
        """Carry on a flow at an IdP URL (for example after a pause)."""
        trail = _Trail.resume(outcome)
        if left := self._leaving(location, trail):
            return left
        answer = await self._send("GET", URL(location, encoded=True), trail)
        return await self._idp_answer(answer, user, (), trail)

    async def _idp_answer(
        self, answer: _Answer, user: str, faults: tuple[str, ...], trail: _Trail
    ) -> FlowOutcome:
        form = read_autopost(answer.text) if answer.status == 200 else None
        trail.status = answer.status
        if form is not None and "pending" in form.fields:  # the account picker
            if left := self._leaving(form.action, trail):
                return left
            data = [*{**form.fields, "user": user}.items(), *(("fault", f) for f in faults)]
            answer = await self._send("POST", form.action, trail, data=data)
            form = read_autopost(answer.text) if answer.status == 200 else None
            trail.status = answer.status
        if form is None or "SAMLResponse" not in form.fields:
            found = _AADSTS.search(answer.text)
            return trail.end(aadsts=found.group(1) if found else None, page=answer.text)
        return await self._post(form, trail)

"""Drive a sign-in through the simulator and an IdP as a browser would, with a
cookie-keeping aiohttp client, and return what happened at each hop.

    async with FlowDriver("http://127.0.0.1:8080") as flows:
        outcome = await flows.sp_initiated("B.Simon@contoso.com")
        assert outcome.works, outcome.failures
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
from yarl import URL

from sp_sim.autopost import AutoPost, read_autopost

_AADSTS = re.compile(r"id=aadsts>(AADSTS\d+)<")


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


class FlowDriver:
    """A browser stand-in bound to one simulator base URL. It never leaves that origin: a
    hop elsewhere (a real IdP's sign-in page, a real Mimecast host) ends the flow with
    stage "external" and the URL in `page`, so that tests send no traffic off the machine."""

    def __init__(self, base_url: str, session: aiohttp.ClientSession | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._origin = URL(self.base_url).origin()
        self._own = session is None
        self.session = session or aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    def _leaves(self, url: str | URL, outcome: FlowOutcome) -> bool:
        target = URL(url) if isinstance(url, str) else url
        if not target.is_absolute() or target.origin() == self._origin:
            return False
        outcome.stage, outcome.page = "external", str(target)
        outcome.hops.append(f"stopped before {target.origin()}")
        return True

    async def __aenter__(self) -> FlowDriver:
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._own:
            await self.session.close()

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
        async with self.session.post(
            f"{self.base_url}/{region}/login", data={"email": email}, allow_redirects=False
        ) as response:
            outcome.hops.append(f"POST /{region}/login {response.status}")
            text = await response.text()
            if response.status == 302:
                location = URL(response.headers["Location"], encoded=True)
                if self._leaves(location, outcome):
                    return outcome
                return await self._at_idp(location, user or email, faults, outcome)
            form = read_autopost(text) if response.status == 200 else None
            if form is None:
                outcome.status, outcome.page = response.status, text
                return outcome
        if self._leaves(form.action, outcome):
            return outcome
        async with self.session.post(form.action, data=form.fields) as response:
            outcome.hops.append(f"POST {form.action} {response.status}")
            return await self._idp_answer(response, user or email, faults, outcome)

    async def idp_initiated(
        self, launch_url: str, user: str, faults: tuple[str, ...] = ()
    ) -> FlowOutcome:
        """A My Apps tile: the IdP posts an unsolicited response to the simulator."""
        outcome = FlowOutcome(stage="idp")
        query = urlencode([("user", user), *(("fault", f) for f in faults)])
        url = launch_url if launch_url.startswith("http") else f"{self.base_url}{launch_url}"
        async with self.session.get(f"{url}{'&' if '?' in url else '?'}{query}") as response:
            outcome.hops.append(f"GET {url} {response.status}")
            return await self._idp_answer(response, user, faults, outcome)

    async def post_response(self, form: AutoPost, outcome: FlowOutcome) -> FlowOutcome:
        """POST a SAMLResponse to the simulator and read its JSON report."""
        if self._leaves(form.action, outcome):
            return outcome
        outcome.stage = "sp-acs"
        headers = {"Accept": "application/json"}
        async with self.session.post(form.action, data=form.fields, headers=headers) as response:
            outcome.hops.append(f"POST {form.action} {response.status}")
            outcome.status = response.status
            if response.content_type == "application/json":
                outcome.report = await response.json()
            else:
                outcome.page = await response.text()
        return outcome

    async def _at_idp(
        self, location: URL, user: str, faults: tuple[str, ...], outcome: FlowOutcome
    ) -> FlowOutcome:
        outcome.stage = "idp"
        async with self.session.get(location) as response:
            outcome.hops.append(f"GET {location.path} {response.status}")
            return await self._idp_answer(response, user, faults, outcome)

    async def _idp_answer(
        self,
        response: aiohttp.ClientResponse,
        user: str,
        faults: tuple[str, ...],
        outcome: FlowOutcome,
    ) -> FlowOutcome:
        text = await response.text()
        form = read_autopost(text) if response.status == 200 else None
        if form is not None and "pending" in form.fields:  # the account picker
            if self._leaves(form.action, outcome):
                return outcome
            fields = {**form.fields, "user": user}
            data = [*fields.items(), *(("fault", f) for f in faults)]
            async with self.session.post(form.action, data=data) as picked:
                outcome.hops.append(f"POST {form.action} {picked.status}")
                text = await picked.text()
                form = read_autopost(text) if picked.status == 200 else None
                outcome.status = picked.status
        else:
            outcome.status = response.status
        if form is None or "SAMLResponse" not in form.fields:
            found = _AADSTS.search(text)
            outcome.aadsts = found.group(1) if found else None
            outcome.page = text
            return outcome
        return await self.post_response(form, outcome)

"""Single logout, verified, both ways, over real servers on loopback with the fake Entra ID
mounted at /idp: SP-initiated (GET /us/logout → IdP → signed LogoutResponse → signed out)
and IdP-initiated (the IdP's signed LogoutRequest → the SP ends the session and answers
Success), every logout fault caught by its finding, forged and hostile messages refused
with a non-Success status or a refusal page, never a 500. The browser is played by hand,
hop by hop, sending each Location byte for byte as a browser does."""

from __future__ import annotations

import base64
import random
import re
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree
from yarl import URL

from sp_sim.core.bindings import (
    Binding,
    Parameter,
    encode_message,
    read_redirect_query,
    redirect_query,
)
from sp_sim.core.logout import (
    REQUEST_DENIED,
    REQUEST_UNSUPPORTED,
    REQUESTER,
    UNKNOWN_PRINCIPAL,
    KnownSession,
    LogoutSettings,
    check_post_logout,
    check_redirect_logout,
)
from sp_sim.core.model import Status
from sp_sim.core.xml import ASSERTION, PROTOCOL, STATUS_SUCCESS, SignatureAlgorithm, qname
from sp_sim.idp.app import IDP_STATE
from sp_sim.idp.faults import LOGOUT_FAULTS, FaultSet
from sp_sim.idp.logout import logout_request, logout_response
from sp_sim.idp.mint import sign_element
from sp_sim.idp.state import SignIn
from sp_sim.server.app import IDP_APP
from sp_sim.server.state import ServerOptions, Session
from sp_sim.tenant import load_tenant
from tests.helpers import NOW, load_key
from tests.helpers.server import DEMO_TENANT, Running, Start

USER = "B.Simon@contoso.com"
FAIL, WARN, PASS = Status.FAIL, Status.WARN, Status.PASS
_FINDING = re.compile(r'<tr class="finding (\w+)" data-code="([a-z0-9.-]+)">')


@dataclass(frozen=True)
class Hop:
    status: int
    url: URL
    location: URL | None
    headers: dict[str, str]
    text: str

    @property
    def findings(self) -> dict[str, str]:
        """code → status, from an sp-sim logout page."""
        return {code: status for status, code in _FINDING.findall(self.text)}


async def browse(running: Running, url: str | URL, hops: int = 8) -> list[Hop]:
    """GET `url` and follow redirects as a browser does: each Location sent as it is."""
    target = url if isinstance(url, URL) else URL(url, encoded=True)
    seen: list[Hop] = []
    for _ in range(hops):
        if not target.is_absolute():
            target = URL(running.base, encoded=True).join(target)
        async with running.flows.session.get(target, allow_redirects=False) as response:
            location = response.headers.get("Location")
            hop = Hop(
                response.status,
                target,
                None if location is None else URL(location, encoded=True),
                dict(response.headers),
                await response.text(),
            )
        seen.append(hop)
        assert hop.status < 500, hop.text[:300]
        assert "Traceback" not in hop.text
        if hop.location is None:
            return seen
        target = hop.location
    return seen


def message_in(url: URL) -> etree._Element:
    """The logout message a Redirect URL carries."""
    return etree.fromstring(read_redirect_query(url.raw_query_string).xml())


def status_of(root: etree._Element) -> tuple[str | None, str | None, str | None]:
    code = root.find(f"{qname(PROTOCOL, 'Status')}/{qname(PROTOCOL, 'StatusCode')}")
    assert code is not None
    second = code.find(qname(PROTOCOL, "StatusCode"))
    message = root.find(f"{qname(PROTOCOL, 'Status')}/{qname(PROTOCOL, 'StatusMessage')}")
    return (
        code.get("Value"),
        None if second is None else second.get("Value"),
        None if message is None else message.text,
    )


async def signed_in(sp_start: Start, **kwargs: Any) -> Running:
    running = await sp_start(**kwargs)
    assert (await running.flows.sp_initiated(USER)).works
    assert len(running.state.sessions) == 1
    return running


def signout_url(running: Running, *faults: str) -> str:
    query = "&".join(f"fault={f}" for f in faults)
    return f"{running.base}{running.launch}/signout{'?' + query if query else ''}"


def idp_sessions(running: Running) -> list[tuple[SignIn, ...]]:
    return list(running.app[IDP_APP][IDP_STATE].sessions.values())


def the_session(running: Running) -> Session:
    (key,) = list(running.state.sessions)
    session = running.state.sessions.get(key)
    assert session is not None
    return session


# SP-initiated: /us/logout → the fake IdP → its signed LogoutResponse → signed out


async def test_sp_initiated_logout_end_to_end(sp_start: Start) -> None:
    running = await signed_in(sp_start)
    session = the_session(running)
    assert session.session_index  # from the signed assertion's AuthnStatement
    to_idp, to_sp, page = await browse(running, f"{running.base}/us/logout")
    assert to_idp.location is not None
    request = message_in(to_idp.location)
    assert request.findtext(qname(ASSERTION, "NameID")) == USER
    assert request.findtext(qname(PROTOCOL, "SessionIndex")) == session.session_index
    assert to_sp.location is not None
    assert {"SigAlg", "Signature"} <= set(to_sp.location.query)  # signed by the IdP
    assert status_of(message_in(to_sp.location))[0] == STATUS_SUCCESS
    assert page.status == 200
    assert "is signed out" in page.text
    assert page.headers["X-Sp-Sim-Logout"] == "accepted"
    assert page.findings == {"logout.accepted": "pass"}
    assert len(running.state.sessions) == 0
    assert not any(idp_sessions(running))  # the IdP ended its sign-in too
    (again,) = await browse(running, f"{running.base}/us/logout")
    assert again.status == 400  # the session is gone


async def test_sp_initiated_answer_that_is_not_success_ends_only_the_local_session(
    sp_start: Start,
) -> None:
    running = await signed_in(sp_start)
    running.change_idp_app(faults=("logout-failed",))
    *_, page = await browse(running, f"{running.base}/us/logout")
    assert page.status == 400
    assert page.findings["logout.failed"] == "fail"
    assert page.headers["X-Sp-Sim-Logout"] == "refused"
    assert len(running.state.sessions) == 0  # a genuine answer: sp-sim's session ends


# IdP-initiated: the fake IdP's signed LogoutRequest → the SP ends the session → Success


async def test_idp_initiated_logout_end_to_end(sp_start: Start) -> None:
    running = await signed_in(sp_start)
    session = the_session(running)
    at_idp, at_sp, page = await browse(running, signout_url(running))
    assert at_idp.location is not None
    request = message_in(at_idp.location)
    assert request.findtext(qname(ASSERTION, "Issuer")) == running.idp.issuer
    assert request.findtext(qname(ASSERTION, "NameID")) == USER
    assert request.findtext(qname(PROTOCOL, "SessionIndex")) == session.session_index
    assert {"SigAlg", "Signature"} <= set(at_idp.location.query)
    assert at_sp.status == 302
    assert at_sp.findings == {"logout.accepted": "pass"}
    assert at_sp.location is not None
    answer = message_in(at_sp.location)
    assert answer.get("InResponseTo") == request.get("ID")
    assert status_of(answer) == (STATUS_SUCCESS, None, None)
    assert len(running.state.sessions) == 0
    assert "id=signed-out" in page.text
    assert not any(idp_sessions(running))
    (nothing,) = await browse(running, signout_url(running))
    assert nothing.status == 400  # the IdP has no sign-in left to log out


# Every logout fault of the fake IdP, over HTTP, caught by its finding

SP_INITIATED = "sp"
IDP_INITIATED = "idp"
LOGOUT_EXPECTED: dict[str, tuple[str, dict[str, Status], tuple[str, str | None] | None]] = {
    # fault: (direction, findings, the SP's answer status (IdP-initiated) or None)
    "unsigned-logout": (IDP_INITIATED, {"logout.unsigned": FAIL}, (REQUESTER, REQUEST_DENIED)),
    "logout-wrong-issuer": (
        IDP_INITIATED,
        {"logout.issuer-mismatch": FAIL},
        (REQUESTER, REQUEST_DENIED),
    ),
    "logout-other-key": (
        IDP_INITIATED,
        {"logout.signature-invalid": FAIL},
        (REQUESTER, REQUEST_DENIED),
    ),
    "logout-sha1": (IDP_INITIATED, {"logout.sha1": WARN, "logout.accepted": PASS}, None),
    "logout-tampered": (
        IDP_INITIATED,
        {"logout.signature-invalid": FAIL, "logout.unknown-session": FAIL},
        (REQUESTER, REQUEST_DENIED),
    ),
    "logout-unknown-session": (
        IDP_INITIATED,
        {"logout.unknown-session": FAIL},
        (REQUESTER, UNKNOWN_PRINCIPAL),
    ),
    "logout-failed": (SP_INITIATED, {"logout.failed": FAIL}, None),
}


def test_every_logout_fault_has_an_expectation() -> None:
    assert set(LOGOUT_EXPECTED) == set(LOGOUT_FAULTS)


@pytest.mark.parametrize("fault", LOGOUT_EXPECTED)
async def test_logout_fault_is_caught(fault: str, sp_start: Start) -> None:
    running = await signed_in(sp_start)
    direction, expected, answer = LOGOUT_EXPECTED[fault]
    if direction == SP_INITIATED:
        running.change_idp_app(faults=(fault,))
        *_, at_sp = await browse(running, f"{running.base}/us/logout")
    else:
        at_sp = (await browse(running, signout_url(running, fault)))[1]
    for code, status in expected.items():
        assert at_sp.findings.get(code) == status, (code, at_sp.findings)
    works = all(s is not FAIL for s in expected.values())
    assert at_sp.headers["X-Sp-Sim-Logout"] == ("accepted" if works else "refused")
    if direction == IDP_INITIATED:
        assert at_sp.location is not None
        top, second, message = status_of(message_in(at_sp.location))
        assert (top, second) == (answer or (STATUS_SUCCESS, None))
        if not works:
            assert message is not None
            assert next(iter(expected)) in message  # the reason names its code
        assert len(running.state.sessions) == (0 if works else 1)


@pytest.mark.parametrize("fault", ["unsigned-logout", "logout-wrong-issuer", "logout-other-key"])
async def test_a_forged_logout_response_keeps_the_session(fault: str, sp_start: Start) -> None:
    running = await signed_in(sp_start)
    running.change_idp_app(faults=(fault,))
    *_, page = await browse(running, f"{running.base}/us/logout")
    assert page.status == 400
    assert page.findings[next(iter(LOGOUT_EXPECTED[fault][1]))] == "fail"
    assert len(running.state.sessions) == 1
    assert len(running.state.logouts) == 1  # still awaiting a genuine answer


async def test_the_idp_shows_the_refusal(sp_start: Start) -> None:
    running = await signed_in(sp_start)
    *_, page = await browse(running, signout_url(running, "logout-wrong-issuer"))
    assert page.status == 400
    assert "id=logout-refused" in page.text
    assert REQUEST_DENIED in page.text
    assert "logout.issuer-mismatch" in page.text
    assert idp_sessions(running)[0]  # not confirmed, so the IdP keeps its sign-in


# The profile's setting: unsigned logout messages accepted with a warning


async def test_unsigned_logout_accepted_with_a_warning_when_the_profile_allows(
    sp_start: Start,
) -> None:
    demo = load_tenant(DEMO_TENANT)
    tenant = replace(demo, profiles=(replace(demo.profile(), allow_unsigned_logout=True),))
    running = await signed_in(sp_start, tenant=tenant)
    _, at_sp, page = await browse(running, signout_url(running, "unsigned-logout"))
    assert "Signature" not in at_sp.url.query
    assert at_sp.findings == {"logout.unsigned": "warn", "logout.accepted": "pass"}
    assert len(running.state.sessions) == 0
    assert "id=signed-out" in page.text
    # and the other way round:
    assert (await running.flows.sp_initiated(USER)).works
    running.change_idp_app(faults=("unsigned-logout",))
    *_, signed_out = await browse(running, f"{running.base}/us/logout")
    assert signed_out.status == 200
    assert signed_out.findings == {"logout.unsigned": "warn", "logout.accepted": "pass"}


# Forged, tampered and re-encoded messages


def _sign_in_record(running: Running, name_id: str = USER) -> SignIn:
    session = the_session(running)
    assert session.session_index is not None
    return SignIn(
        running.idp.apps[0].app_id,
        "bsimon@contoso.onmicrosoft.com",
        name_id,
        "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
        session.session_index,
    )


def _idp_request(running: Running, key: str | None = None, name_id: str = USER) -> URL:
    """An IdP-initiated LogoutRequest for the signed-in user, signed by `key`, delivered
    to this server's SLO endpoint."""
    idp = running.idp
    if key is not None:
        idp = replace(idp, signing_keys=(load_key(key),))
    app = running.idp.apps[0]
    assert app.logout_url
    _, location = logout_request(
        idp, app, app.logout_url, _sign_in_record(running, name_id), NOW, FaultSet()
    )
    return URL(running.app[IDP_APP][IDP_STATE].deliver(location), encoded=True)


async def _at_sp(running: Running, url: URL) -> Hop:
    (hop,) = await browse(running, url, hops=1)
    return hop


async def test_signed_by_an_attacker_key_is_refused(sp_start: Start) -> None:
    running = await signed_in(sp_start)
    hop = await _at_sp(running, _idp_request(running, key="attacker"))
    assert hop.findings == {"logout.signature-invalid": "fail"}
    assert hop.location is not None
    assert status_of(message_in(hop.location))[:2] == (REQUESTER, REQUEST_DENIED)
    assert len(running.state.sessions) == 1


def _lower_escapes(text: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), text)


def _with_field(url: URL, name: str, value: str) -> URL:
    parts = [p for p in url.raw_query_string.split("&") if not p.startswith(f"{name}=")]
    query = "&".join([*parts, f"{name}={value}"] if value else parts)
    return URL(f"{str(url).split('?', 1)[0]}?{query}", encoded=True)


@pytest.mark.parametrize(
    ("tamper", "code"),
    [
        ("re-encoded", "logout.signature-invalid"),  # same values, other octets: not signed
        ("sha512", "logout.signature-invalid"),
        ("no-signature", "logout.signature-invalid"),
        ("no-sigalg", "logout.signature-invalid"),
        ("dsa", "logout.unsupported-algorithm"),
        ("relay-state-added", "logout.signature-invalid"),
        ("second-request", "logout.malformed"),
    ],
)
async def test_a_tampered_query_is_refused(tamper: str, code: str, sp_start: Start) -> None:
    running = await signed_in(sp_start)
    url = _idp_request(running)
    query = url.raw_query_string
    if tamper == "re-encoded":
        url = URL(
            f"{str(url).split('?', 1)[0]}?{_lower_escapes(query.replace('/', '%2F'))}", encoded=True
        )
    elif tamper == "sha512":
        url = _with_field(url, "SigAlg", quote(SignatureAlgorithm.RSA_SHA512.value, safe=""))
    elif tamper == "no-signature":
        url = _with_field(url, "Signature", "")
    elif tamper == "no-sigalg":
        url = _with_field(url, "SigAlg", "")
    elif tamper == "dsa":
        url = _with_field(url, "SigAlg", quote("http://www.w3.org/2000/09/xmldsig#dsa-sha1"))
    elif tamper == "relay-state-added":
        url = _with_field(url, "RelayState", "evil")
    else:  # the signed request, then an attacker's unsigned one: which would be read?
        evil = _idp_request(running, key="attacker", name_id="BrittaSimon@contoso.com")
        url = URL(
            f"{url}&SAMLRequest={read_redirect_query(evil.raw_query_string).value}", encoded=True
        )
    hop = await _at_sp(running, url)
    assert hop.findings.get(code) == "fail", hop.findings
    assert hop.headers["X-Sp-Sim-Logout"] == "refused"
    assert len(running.state.sessions) == 1


async def test_the_signature_covers_the_octets_as_received(sp_start: Start) -> None:
    """Signed over lower-case escapes, as some senders write them: a verifier that
    re-encoded the fields would fail this; sp-sim takes the octets as they came."""
    running = await signed_in(sp_start)
    xml = etree.tostring(message_in(_idp_request(running)))
    covered = (
        f"SAMLRequest={_lower_escapes(quote(encode_message(xml, Binding.REDIRECT), safe=''))}"
        f"&SigAlg={_lower_escapes(quote(SignatureAlgorithm.RSA_SHA256.value, safe=''))}"
    )
    signed = redirect_query(xml, signing_key=running.idp.active_key)
    assert signed != covered  # sp-sim itself encodes otherwise
    key = serialization.load_pem_private_key(running.idp.active_key.private_key_pem, None)
    assert isinstance(key, rsa.RSAPrivateKey)
    signature = key.sign(covered.encode(), padding.PKCS1v15(), hashes.SHA256())
    query = f"{covered}&Signature={quote(base64.b64encode(signature).decode(), safe='')}"
    hop = await _at_sp(running, URL(f"{running.base}/us/login/saml/logout?{query}", encoded=True))
    assert hop.findings == {"logout.accepted": "pass"}
    assert len(running.state.sessions) == 0


# Unknown sessions and requests


async def test_unknown_name_id_is_refused_with_unknown_principal(sp_start: Start) -> None:
    running = await signed_in(sp_start)
    hop = await _at_sp(running, _idp_request(running, name_id="BrittaSimon@contoso.com"))
    assert hop.findings == {"logout.unknown-session": "fail"}
    assert hop.location is not None
    top, second, message = status_of(message_in(hop.location))
    assert (top, second) == (REQUESTER, UNKNOWN_PRINCIPAL)
    assert message is not None
    assert message.startswith("logout.unknown-session: ")
    assert len(running.state.sessions) == 1


async def test_a_session_sp_sim_no_longer_holds_is_unknown(sp_start: Start) -> None:
    running = await signed_in(sp_start)
    for key in list(running.state.sessions):
        running.state.sessions.pop(key)
    _, at_sp, page = await browse(running, signout_url(running))
    assert at_sp.findings == {"logout.unknown-session": "fail"}
    assert "id=logout-refused" in page.text


async def test_a_logout_response_answering_nothing_is_refused(sp_start: Start) -> None:
    running = await signed_in(sp_start)
    app = running.idp.apps[0]
    assert app.logout_url
    location = logout_response(
        running.idp, app, app.logout_url, "_never-sent", NOW, None, FaultSet()
    )
    url = URL(running.app[IDP_APP][IDP_STATE].deliver(location), encoded=True)
    hop = await _at_sp(running, url)
    assert hop.status == 400
    assert hop.findings == {"logout.unknown-request": "fail"}
    assert len(running.state.sessions) == 1


async def test_a_logout_response_is_used_once(sp_start: Start) -> None:
    running = await signed_in(sp_start)
    _, to_sp, page = await browse(running, f"{running.base}/us/logout")
    assert page.status == 200
    assert to_sp.location is not None
    replayed = await _at_sp(running, to_sp.location)
    assert replayed.status == 400
    assert replayed.findings == {"logout.unknown-request": "fail"}


# The HTTP-POST binding: an enveloped XML signature, verified by checks.signature


def _posted_request(running: Running, key: str | None = "active", name_id: str = USER) -> bytes:
    """The IdP's LogoutRequest for the signed-in user, for HTTP-POST: signed (enveloped)
    with the IdP's active key, another key, or not at all."""
    root = message_in(_idp_request(running, name_id=name_id))
    if key == "active":
        sign_element(root, running.idp.active_key)
    elif key is not None:
        sign_element(root, load_key(key))
    return etree.tostring(root)


async def _post(running: Running, fields: dict[str, str]) -> Hop:
    url = f"{running.base}/us/login/saml/logout"
    async with running.flows.session.post(url, data=fields, allow_redirects=False) as response:
        location = response.headers.get("Location")
        hop = Hop(
            response.status,
            URL(url),
            None if location is None else URL(location, encoded=True),
            dict(response.headers),
            await response.text(),
        )
    assert hop.status < 500
    assert "Traceback" not in hop.text
    return hop


def _b64(xml: bytes) -> str:
    return encode_message(xml, Binding.POST)


async def test_post_binding_signed_logout_request_is_accepted(sp_start: Start) -> None:
    running = await signed_in(sp_start)
    hop = await _post(running, {"SAMLRequest": _b64(_posted_request(running))})
    assert hop.findings == {"logout.accepted": "pass"}
    assert hop.location is not None
    assert status_of(message_in(hop.location))[0] == STATUS_SUCCESS
    assert len(running.state.sessions) == 0


@pytest.mark.parametrize(
    ("key", "change", "code"),
    [
        (None, None, "logout.unsigned"),
        ("attacker", None, "logout.signature-invalid"),
        ("active", "tampered", "logout.signature-invalid"),
        ("active", "wrapped", "logout.unsigned"),
        ("active", "same-id", "logout.malformed"),
    ],
)
async def test_post_binding_refusals(
    key: str | None, change: str | None, code: str, sp_start: Start
) -> None:
    running = await signed_in(sp_start)
    xml = _posted_request(running, key)
    if change == "tampered":
        xml = xml.replace(USER.encode(), b"BrittaSimon@contoso.com")
    elif change in ("wrapped", "same-id"):
        # An attacker's LogoutRequest holding the genuine signed one in its Extensions.
        evil = message_in(_idp_request(running, name_id="BrittaSimon@contoso.com"))
        if change == "same-id":
            evil.set("ID", etree.fromstring(xml).get("ID", ""))
        extensions = etree.SubElement(evil, qname(PROTOCOL, "Extensions"))
        extensions.append(etree.fromstring(xml))
        xml = etree.tostring(evil)
    hop = await _post(running, {"SAMLRequest": _b64(xml), "RelayState": "r"})
    assert hop.findings.get(code) == "fail", hop.findings
    assert len(running.state.sessions) == 1


# Hostile input: a refusal page or a refused LogoutResponse, never a 500

_BOMB = encode_message(b"<a>" + b"x" * (3 * 1024 * 1024) + b"</a>", Binding.REDIRECT)


def _deflated(xml: bytes) -> str:
    return quote(encode_message(xml, Binding.REDIRECT), safe="")


HOSTILE_QUERIES = [
    "",
    "SAMLRequest=",
    "SAMLRequest=%%%",
    "SAMLRequest=bm90IHhtbA==",
    "SAMLRequest=" + _deflated(b"not xml"),
    "SAMLRequest=" + _deflated(b"<?xml version='1.0'?><!DOCTYPE r [<!ENTITY a 'aaaa'>]><r>&a;</r>"),
    "SAMLRequest=" + _deflated(b"<samlp:AuthnRequest xmlns:samlp='" + PROTOCOL.encode() + b"'/>"),
    "SAMLResponse=" + _deflated(b"<samlp:LogoutRequest xmlns:samlp='" + PROTOCOL.encode() + b"'/>"),
    "SAMLRequest=" + _deflated(b"<samlp:LogoutRequest xmlns:samlp='" + PROTOCOL.encode() + b"'/>"),
    "SAMLRequest=" + _deflated(b"<x/>") + "&SAMLResponse=" + _deflated(b"<x/>"),
    "SAMLRequest=" + quote(_BOMB, safe=""),
    "SAMLRequest=%F0%9F%92%A9&SigAlg=%FF%FE&Signature=%00",
    "SAMLRequest=" + _deflated(b"\xff\xfe<\x00"),
    "SAMLRequest&SAMLResponse&SigAlg&Signature",
    "RelayState=" + "x" * 5000,
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES, ids=range(len(HOSTILE_QUERIES)))
async def test_hostile_redirect_input_is_refused(query: str, sp_start: Start) -> None:
    running = await signed_in(sp_start)
    url = URL(f"{running.base}/us/login/saml/logout?{query}", encoded=True)
    hop = await _at_sp(running, url)
    assert hop.status == 400
    assert hop.headers["X-Sp-Sim-Logout"] == "refused"
    assert hop.findings == {"logout.malformed": "fail"}
    assert len(running.state.sessions) == 1


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"SAMLRequest": "***"},
        {"SAMLRequest": _b64(b"<x/>")},
        {"SAMLResponse": _b64(b"\x00" * 100)},
        {"SAMLRequest": _b64(b"<?xml version='1.0'?><!DOCTYPE r SYSTEM 'file:///etc/passwd'><r/>")},
    ],
)
async def test_hostile_post_input_is_refused(fields: dict[str, str], sp_start: Start) -> None:
    running = await signed_in(sp_start)
    hop = await _post(running, fields)
    assert hop.status == 400
    assert hop.findings == {"logout.malformed": "fail"}


async def test_random_mutations_of_a_signed_request_never_break_the_server(
    sp_start: Start,
) -> None:
    """A seeded fuzz over HTTP; the pure check gets many more below."""
    running = await signed_in(sp_start)
    url = _idp_request(running, name_id="nobody@contoso.com")
    base, query = str(url).split("?", 1)
    rng = random.Random(9)
    for _ in range(25):
        chars = list(query)
        for _ in range(rng.randint(1, 4)):
            chars[rng.randrange(len(chars))] = rng.choice("%&=+/aZ09~-._")
        await _at_sp(running, URL(f"{base}?{''.join(chars)}", encoded=True))


async def test_a_full_logout_store_is_a_clear_503(sp_start: Start) -> None:
    running = await signed_in(sp_start, options=ServerOptions(store_limit=1))
    async with running.flows.session.get(
        f"{running.base}/us/logout", allow_redirects=False
    ) as first:
        assert first.status == 302
    async with running.flows.session.get(
        f"{running.base}/us/logout", allow_redirects=False
    ) as second:
        assert second.status == 503
        text = await second.text()
    assert "logout store" in text
    assert "Traceback" not in text


# The pure check, without a server


def _settings(**changes: Any) -> LogoutSettings:
    key = load_key("entra-active")
    base = LogoutSettings(
        issuer="https://sts.windows.net/t/",
        certificates=(key.certificate,),
        sessions=(KnownSession("s1", USER, "_index-1"), KnownSession("s2", USER, "_index-2")),
        outstanding_requests=frozenset({"_sent-1"}),
    )
    return replace(base, **changes)


def _request_xml(name_id: str = USER, indexes: tuple[str, ...] = ("_index-1",)) -> bytes:
    root = etree.Element(
        qname(PROTOCOL, "LogoutRequest"),
        {"ID": "_lr1", "Version": "2.0", "IssueInstant": "2026-06-01T12:00:00.000Z"},
    )
    etree.SubElement(root, qname(ASSERTION, "Issuer")).text = "https://sts.windows.net/t/"
    etree.SubElement(root, qname(ASSERTION, "NameID")).text = name_id
    for index in indexes:
        etree.SubElement(root, qname(PROTOCOL, "SessionIndex")).text = index
    return etree.tostring(root)


def _signed_query(xml: bytes, key: str = "entra-active", **kwargs: Any) -> str:
    return redirect_query(xml, signing_key=load_key(key), **kwargs)


def test_no_session_index_ends_every_session_of_the_name_id() -> None:
    outcome = check_redirect_logout(_signed_query(_request_xml(indexes=())), _settings())
    assert outcome.accepted
    assert set(outcome.ended_sessions) == {"s1", "s2"}
    named = check_redirect_logout(_signed_query(_request_xml()), _settings())
    assert named.ended_sessions == ("s1",)
    assert named.answer_status() == (STATUS_SUCCESS, None)
    assert named.status_message() is None


def test_name_id_is_compared_case_insensitively() -> None:
    outcome = check_redirect_logout(_signed_query(_request_xml(USER.upper())), _settings())
    assert outcome.ended_sessions == ("s1",)


def test_every_check_runs_and_every_failure_is_in_the_answer() -> None:
    settings = _settings(issuer="https://sts.windows.net/other/", sessions=())
    outcome = check_redirect_logout(_signed_query(_request_xml(), key="attacker"), settings)
    assert outcome.codes(Status.FAIL) == {
        "logout.issuer-mismatch",
        "logout.signature-invalid",
        "logout.unknown-session",
    }
    assert outcome.ended_sessions == ()
    assert outcome.answer_status() == (REQUESTER, REQUEST_DENIED)
    message = outcome.status_message()
    assert message is not None
    assert "logout.unknown-session" in message
    assert all(f.covered_by_signature is False for f in outcome.failures if f.location)


def test_no_issuer_url_in_the_profile_is_not_a_pass() -> None:
    outcome = check_redirect_logout(_signed_query(_request_xml()), _settings(issuer=None))
    assert outcome.codes(Status.FAIL) == {"logout.issuer-mismatch"}


def test_no_certificate_in_the_profile_is_not_a_pass() -> None:
    outcome = check_redirect_logout(_signed_query(_request_xml()), _settings(certificates=()))
    assert outcome.codes(Status.FAIL) == {"logout.signature-invalid"}


def test_sha1_is_accepted_with_a_warning_and_others_refused() -> None:
    sha1 = _signed_query(_request_xml(), algorithm=SignatureAlgorithm.RSA_SHA1)
    outcome = check_redirect_logout(sha1, _settings())
    assert outcome.accepted
    assert outcome.codes(Status.WARN) == {"logout.sha1"}
    dsa = sha1.replace(
        quote(SignatureAlgorithm.RSA_SHA1.value, safe="/:"),
        quote("http://www.w3.org/2000/09/xmldsig#dsa-sha1", safe=""),
    )
    refused = check_redirect_logout(dsa, _settings())
    assert refused.codes(Status.FAIL) == {"logout.unsupported-algorithm"}
    assert refused.answer_status() == (REQUESTER, REQUEST_UNSUPPORTED)


def test_post_binding_pure() -> None:
    root = etree.fromstring(_request_xml())
    sign_element(root, load_key("entra-active"))
    fields = [("SAMLRequest", _b64(etree.tostring(root))), ("RelayState", "r")]
    outcome = check_post_logout(fields, _settings())
    assert outcome.accepted
    assert outcome.relay_state == "r"
    twice = check_post_logout([*fields, ("SAMLRequest", _b64(b"<x/>"))], _settings())
    assert twice.codes() == {"logout.malformed"}


def test_a_logout_response_must_answer_an_outstanding_request_with_success() -> None:
    def response(in_response_to: str, status: str = STATUS_SUCCESS) -> str:
        root = etree.Element(
            qname(PROTOCOL, "LogoutResponse"),
            {"ID": "_r1", "Version": "2.0", "InResponseTo": in_response_to},
        )
        etree.SubElement(root, qname(ASSERTION, "Issuer")).text = "https://sts.windows.net/t/"
        status_element = etree.SubElement(root, qname(PROTOCOL, "Status"))
        etree.SubElement(status_element, qname(PROTOCOL, "StatusCode"), Value=status)
        return _signed_query(etree.tostring(root), parameter=Parameter.RESPONSE)

    assert check_redirect_logout(response("_sent-1"), _settings()).accepted
    unknown = check_redirect_logout(response("_other"), _settings())
    assert unknown.codes(Status.FAIL) == {"logout.unknown-request"}
    assert not unknown.authentic
    failed = check_redirect_logout(response("_sent-1", REQUESTER), _settings())
    assert failed.codes(Status.FAIL) == {"logout.failed"}
    assert failed.authentic  # genuine, just not Success


def test_the_pure_check_never_raises_on_mutated_input() -> None:
    """A seeded fuzz: whatever the bytes, an outcome; accepted only when what the
    signature covers is unchanged."""
    query = _signed_query(_request_xml(), relay_state="relay")
    covered = read_redirect_query(query).signed_octets
    rng = random.Random(2026)
    alphabet = "%&=+/ aZ09_-.~\x00\x7f\u00e9\ud800"
    for _ in range(400):
        chars = list(query)
        for _ in range(rng.randint(1, 6)):
            position = rng.randrange(len(chars))
            if rng.random() < 0.2:
                del chars[position]
            else:
                chars[position] = rng.choice(alphabet)
        mutated = "".join(chars)
        outcome = check_redirect_logout(mutated, _settings())
        assert outcome.findings
        if outcome.accepted:
            assert read_redirect_query(mutated).signed_octets == covered


@pytest.mark.parametrize("provider", [None, "Azure Active Directory", "SimpleSAMLphp"])
def test_logout_fixes_name_entra_only_for_an_entra_profile(provider: str | None) -> None:
    """A logout message signed by another key (certificate fix) and one signed with SHA-1
    (algorithm fix): Entra's portal words only when the profile's provider is Entra."""
    settings = _settings(provider=provider)
    other = check_redirect_logout(_signed_query(_request_xml(), key="attacker"), settings)
    sha1 = check_redirect_logout(
        _signed_query(_request_xml(), algorithm=SignatureAlgorithm.RSA_SHA1), settings
    )
    hints = [
        f.hint
        for outcome in (other, sha1)
        for f in outcome.findings
        if f.code in {"logout.signature-invalid", "logout.sha1"} and f.hint is not None
    ]
    assert len(hints) == 2, [f.code for f in (*other.findings, *sha1.findings)]
    text = " ".join(f"{h.side} {h.field} {h.text}" for h in hints)
    entra = provider == "Azure Active Directory"
    assert ("Entra" in text) is entra, text
    assert (hints[1].side == "Entra app") is entra

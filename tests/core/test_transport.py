"""Every form a response arrives in: raw XML, base64 (wrapped or not), a URL-encoded form
body, and the broken ones."""

from __future__ import annotations

import base64
import zlib
from dataclasses import replace
from urllib.parse import parse_qs, quote, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sp_sim.core import CheckSettings, Status, check_response
from sp_sim.core.checks.transport import form_fields
from sp_sim.core.keys import SigningKey
from sp_sim.idp.mint import Token, mint_response
from tests.helpers import NOW


@pytest.fixture
def signed(sp_token: Token, sp_keys: dict[str, SigningKey]) -> bytes:
    return mint_response(sp_token, sp_keys["entra-active"])


def _wrapped(data: bytes) -> bytes:
    text = base64.b64encode(data)
    return b"\n".join(text[i : i + 76] for i in range(0, len(text), 76))


FORMS = {
    "raw-xml": lambda d: d,
    "raw-xml-with-bom": lambda d: b"\xef\xbb\xbf" + d,
    "base64": base64.b64encode,
    "base64-wrapped": _wrapped,
    "form-body": lambda d: urlencode(
        {"SAMLResponse": base64.b64encode(d), "RelayState": "https://x"}
    ).encode(),
    "form-body-unescaped-plus": lambda d: b"SAMLResponse=" + base64.b64encode(d),
    "percent-encoded-base64": lambda d: quote(base64.b64encode(d).decode(), safe="").encode(),
}


@pytest.mark.parametrize("form", FORMS)
def test_every_form_is_decoded(form: str, signed: bytes, sp_settings: CheckSettings) -> None:
    report = check_response(FORMS[form](signed), sp_settings, NOW)
    assert "transport.decoded" in report.codes(Status.PASS)
    assert report.works


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "transport.empty"),
        (b"   \n", "transport.empty"),
        (b"SAMLRequest=abc&RelayState=x", "transport.no-saml-response"),
        (b"SAMLResponse=%%%not*base64", "transport.not-base64"),
        (base64.b64encode(b"\x00\x01binary"), "transport.not-base64"),
        (b"not base64 at all!", "transport.not-base64"),
    ],
)
def test_undecodable_input_fails_and_skips_the_rest(
    data: bytes, code: str, sp_settings: CheckSettings
) -> None:
    report = check_response(data, sp_settings, NOW)
    assert code in report.codes(Status.FAIL)
    assert "xml.skipped" in report.codes(Status.SKIPPED)
    assert not report.works


def test_size_limit(signed: bytes, sp_settings: CheckSettings) -> None:
    report = check_response(signed, replace(sp_settings, max_message_bytes=1000), NOW)
    assert "transport.too-large" in report.codes(Status.FAIL)


def test_deflated_response_is_refused_but_still_read(
    signed: bytes, sp_settings: CheckSettings
) -> None:
    compressor = zlib.compressobj(wbits=-15)
    deflated = compressor.compress(signed) + compressor.flush()
    report = check_response(base64.b64encode(deflated), sp_settings, NOW)
    assert "transport.deflated" in report.codes(Status.FAIL)
    assert "signature.valid" in report.codes(Status.PASS)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"<samlp:Response", "xml.malformed"),
        (b"<Assertion xmlns='urn:oasis:names:tc:SAML:2.0:assertion'/>", "xml.not-a-response"),
        (b"<html><body>Sign in failed</body></html>", "xml.not-a-response"),
    ],
)
def test_unreadable_xml_fails_and_skips_the_rest(
    data: bytes, code: str, sp_settings: CheckSettings
) -> None:
    report = check_response(data, sp_settings, NOW)
    assert code in report.codes(Status.FAIL)
    assert "status.skipped" in report.codes(Status.SKIPPED)


def test_naive_instant_is_misuse(signed: bytes, sp_settings: CheckSettings) -> None:
    with pytest.raises(ValueError, match="timezone"):
        check_response(signed, sp_settings, NOW.replace(tzinfo=None))


@settings(max_examples=500)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["SAMLResponse", "RelayState", "x", "", "a+b", "%53AMLResponse"]),
            st.text(alphabet="AZaz09+/=%2BFDbfd3 &é;", max_size=30),
        ),
        max_size=5,
    ),
    st.booleans(),
)
def test_form_fields_reads_a_form_as_parse_qs_does(
    pairs: list[tuple[str, str]], bare: bool
) -> None:
    """The fast form reader is parse_qs (keep_blank_values, first value of each field)."""
    text = "&".join(name if bare and not value else f"{name}={value}" for name, value in pairs)
    expected = {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}
    assert form_fields(text) == expected

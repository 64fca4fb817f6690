"""The redactor's rules, one by one."""

from __future__ import annotations

import base64
import re

from sp_sim.support.redact import Redactor, html_summary


def test_addresses_are_pseudonymised_consistently_and_case_insensitively() -> None:
    redactor = Redactor()
    text = redactor.text("B.Simon@contoso.com wrote to b.simon@CONTOSO.com; see contoso.com")
    assert text == "user1@domain1.example wrote to user1@domain1.example; see domain1.example"


def test_url_encoded_addresses() -> None:
    redactor = Redactor()
    assert redactor.text("email=B.Simon%40contoso.com&x=1") == "email=user1%40domain1.example&x=1"


def test_microsoft_and_mimecast_hosts_stay_but_onmicrosoft_tenants_go() -> None:
    redactor = Redactor()
    text = redactor.text(
        "https://login.microsoftonline.com/x https://us-api.mimecast.com/y "
        "bsimon@contoso.onmicrosoft.com"
    )
    assert "login.microsoftonline.com" in text
    assert "us-api.mimecast.com" in text
    assert "contoso.onmicrosoft.com" not in text


def test_times_are_not_ip_addresses_but_addresses_are() -> None:
    redactor = Redactor()
    assert redactor.text("2026-06-01T12:00:00+00:00") == "2026-06-01T12:00:00+00:00"
    text = redactor.text("from 10.1.2.3 and fe80::1ff:fe23:4567:890a, again 10.1.2.3")
    first, second, again = re.findall(r"192\.0\.2\.\d+", text)
    assert first != second
    assert first == again
    assert "10.1.2.3" not in text
    assert "fe80" not in text


def test_saml_messages_are_redacted_inside_their_base64() -> None:
    redactor = Redactor(names={"Britta Simon"})
    xml = (
        "<samlp:Response xmlns:samlp='urn:oasis:names:tc:SAML:2.0:protocol'>"
        "<NameID>BrittaSimon@contoso.com</NameID><Name>Britta Simon</Name></samlp:Response>"
    )
    redacted = redactor.text(base64.b64encode(xml.encode()).decode())
    decoded = base64.b64decode(redacted).decode()
    assert "Britta" not in decoded
    assert "user1@domain1.example" in decoded
    assert "Person 1" in decoded


def test_cookies_and_tokens_learnt_from_headers() -> None:
    redactor = Redactor()
    document = {
        "headers": [
            {"name": "Set-Cookie", "value": "session=s3cr3tvalue; HttpOnly"},
            {"name": "Authorization", "value": "Bearer eyJhbGciOi"},
        ],
        "text": "cookie s3cr3tvalue token eyJhbGciOi",
    }
    assert redactor.json(document)["text"] == "cookie cookie-1 token token-1"


def test_html_pages_keep_only_what_the_timeline_needs() -> None:
    page = (
        "<html><title>Sign in</title><p>Pick B. Simon or No Mail</p><p id=error>"
        "AADSTS50011: The redirect URI ...</p>Correlation Id: "
        "5e1c7f0a-1111-4222-8333-944445555666 Timestamp: 2026-06-01T12:00:00Z</html>"
    )
    kept = html_summary(page)
    assert "No Mail" not in kept
    assert "AADSTS50011" in kept
    assert "5e1c7f0a-1111-4222-8333-944445555666" in kept

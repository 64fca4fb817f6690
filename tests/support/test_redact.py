"""The redactor's rules, one by one."""

from __future__ import annotations

import base64
import re
from urllib.parse import quote

import pytest

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


def test_text_files_stay_text() -> None:
    """A report.txt: only the address changes; lines, spaces and the '…' stay as they were."""
    report = (
        "Sign-in 1 · SP-initiated · WORKS\n"
        "  AuthnRequest  GET https://login.microsoftonline.com/x/saml2?SAMLRequest=…  "
        "2026-06-01T12:00:00+00:00  [HTTP 200 “Sign in to your account”]\n"
        "  verdict       would sign in as B.Simon@contoso.com to Mimecast Personal Portal\n"
        "  AuthnRequest  GET https://login.microsoftonline.com/x/saml2?SAMLRequest=…  (again)\n"
    )
    redacted = Redactor().text(report)
    assert redacted == report.replace("B.Simon@contoso.com", "user1@domain1.example")


def test_url_encoded_parameters_are_decoded_and_encoded_again() -> None:
    redactor = Redactor()
    redactor.domain("contoso.com")  # as an export does for the directory's domains
    relay = "RelayState=https%3A%2F%2Fapp.contoso.com%2F%3Fhint%3DB.Simon%40contoso.com&x=1"
    assert redactor.text(relay) == (
        "RelayState=https%3A%2F%2Fapp.domain1.example%2F%3Fhint%3Duser1%40domain1.example&x=1"
    )
    untouched = "SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256&s=a%2Bb"
    assert redactor.text(untouched) == untouched


def test_one_address_has_one_pseudonym_in_every_form() -> None:
    redactor = Redactor()
    xml = (
        "<samlp:Response xmlns:samlp='urn:oasis:names:tc:SAML:2.0:protocol'><NameID>"
        "B.Simon@contoso.com</NameID></samlp:Response>"
    )
    saml = base64.b64encode(xml.encode()).decode()
    forms = [
        "NameID 'B.Simon@contoso.com' is not the address",  # quoted, as in a report
        '"user": "b.simon@contoso.com"',
        "email=B.Simon%40contoso.com",
        "next=%2Flogin%3Femail%3DB.Simon%40contoso.com",
        f"SAMLResponse={quote(saml, safe='')}&RelayState=x",
    ]
    for form in forms:
        redactor.text(form)
    assert [k for k in redactor.pseudonyms if k.startswith("local:")] == [
        "local:b.simon@contoso.com"
    ]


def test_people_and_customer_guids_go_microsoft_s_and_message_ids_stay() -> None:
    tenant, user, app = (
        "0d3b5c2e-8f4a-4b6e-9c1d-2a7e5f6b8c90",
        "5f2c8a6e-0b1d-4e7a-9c3f-8d6b2a1e4f70",
        "7c1e4d1a-5b2f-4e8a-9d3c-6f0a1b2c3d4e",
    )
    xml = (
        "<samlp:Response xmlns:samlp='urn:oasis:names:tc:SAML:2.0:protocol' "
        "ID='_b2eee643-ec35-4f0d-8435-0950a0bd09de'>"
        f"<Issuer>https://sts.windows.net/{tenant}/</Issuer><Attribute Name='http://schemas."
        f"microsoft.com/identity/claims/objectidentifier'><AttributeValue>{user}"
        "</AttributeValue></Attribute></samlp:Response>"
    )
    redactor = Redactor()
    decoded = base64.b64decode(redactor.text(base64.b64encode(xml.encode()).decode())).decode()
    assert tenant not in decoded
    assert user not in decoded
    assert "_b2eee643-ec35-4f0d-8435-0950a0bd09de" in decoded  # a message ID: random, kept
    text = redactor.text(
        f"https://login.microsoftonline.com/{tenant}/saml2 appId {app} "
        "owner f8cdef31-a31e-4b4a-93e4-5f571e91255a "
        "resource 00000003-0000-0000-c000-000000000000"
    )
    assert tenant not in text
    assert app not in text
    assert "f8cdef31-a31e-4b4a-93e4-5f571e91255a" in text  # the Microsoft Services tenant
    assert "00000003-0000-0000-c000-000000000000" in text  # Microsoft Graph
    assert text.count("00000000-0000-4000-a000-000000000001") == 1  # the tenant, consistently
    assert "00000000-0000-4000-a000-000000000001" in decoded


def test_correlation_ids_stay_unless_asked() -> None:
    page = "Correlation Id: 5e1c7f0a-1111-4222-8333-944445555666"
    assert Redactor().text(page) == page
    redacted = Redactor(redact_trace_ids=True).text(page)
    assert "5e1c7f0a" not in redacted
    header = Redactor()
    header.learn(
        {"headers": [{"name": "x-ms-request-id", "value": "5e1c7f0a-1111-4222-8333-944445555666"}]}
    )
    assert header.text("5e1c7f0a-1111-4222-8333-944445555666") == (
        "5e1c7f0a-1111-4222-8333-944445555666"
    )


@pytest.mark.parametrize(
    "version",
    [
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.8078.114 Safari/537.36",
        "Mozilla/5.0 (Macintosh) Version/17.4.1 Safari/605.1.15",
        "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0.0.0 Safari/537.36",
        "Edg/120.0.210.91 and Chrome%2F126.0.0.0",
        "python-requests v2.31.0.1 build 1.2.3.4.5",
    ],
)
def test_version_strings_are_not_ip_addresses(version: str) -> None:
    assert Redactor().text(version) == version


def test_addresses_in_urls_still_go() -> None:
    redactor = Redactor()
    text = redactor.text("http://10.1.2.3:8080/x and //10.1.2.4/ and ip=10.1.2.5")
    assert not re.search(r"10\.1\.2\.\d", text)
    assert (
        redactor.text("u=http%3A%2F%2F10.1.2.3%3A8080%2F") == "u=http%3A%2F%2F192.0.2.1%3A8080%2F"
    )

"""Regression tests for issue #9: content that made the engine raise, or say `works` (or
give a fix) for something no verified signature covers. Each row is a real signed
response, mutated before signing (the signature covers the odd value) or after (it does
not)."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from lxml import etree

from sp_sim.core import Code, Report, Status, check_response
from sp_sim.core.certs import Certificate
from sp_sim.core.checks.nameid import TRANSIENT_FORMAT
from sp_sim.core.keys import SigningKey
from sp_sim.core.libxmlsec import xmlsec
from sp_sim.core.mimecast import REGIONS
from sp_sim.core.settings import ProfileView
from sp_sim.core.xml import ASSERTION, DSIG, SignatureAlgorithm, qname
from sp_sim.idp.mint import Signing, Token, build_response
from tests.helpers import CLAIMS, ISSUER, NOW, Judge, load_key
from tests.helpers.xml import Mutate, after_signing, first, set_on

A = ASSERTION
ASSERTION_PATH = qname(A, "Assertion")
SUBJECT = f"{ASSERTION_PATH}/{qname(A, 'Subject')}"
NAME_ID = f"{SUBJECT}/{qname(A, 'NameID')}"
SCD = f"{SUBJECT}/{qname(A, 'SubjectConfirmation')}/{qname(A, 'SubjectConfirmationData')}"
CONDITIONS = f"{ASSERTION_PATH}/{qname(A, 'Conditions')}"
AUDIENCE = f"{CONDITIONS}/{qname(A, 'AudienceRestriction')}/{qname(A, 'Audience')}"
RSA_SHA256 = SignatureAlgorithm.RSA_SHA256.value
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"


def failing(report: Report) -> set[str]:
    return report.codes(Status.FAIL)


# --- the engine never raises on content ----------------------------------------------------


@pytest.mark.parametrize(
    ("slot", "uri"),
    [
        (f".//{qname(DSIG, 'DigestMethod')}", RSA_SHA256),
        (f".//{qname(DSIG, 'Transform')}", SHA256),
        (f".//{qname(DSIG, 'SignatureMethod')}", SHA256),
        (f".//{qname(DSIG, 'CanonicalizationMethod')}", RSA_SHA256),
    ],
    ids=["digest-holds-rsa", "transform-holds-digest", "method-holds-digest", "c14n-holds-rsa"],
)
def test_an_accepted_algorithm_in_another_slot_is_refused(
    sp_judge: Judge, slot: str, uri: str
) -> None:
    report = sp_judge(fault=after_signing(lambda r: first(r, slot).set("Algorithm", uri)))
    assert "signature.unsupported-algorithm" in failing(report)


def test_a_relative_namespace_in_the_signed_assertion_is_unprocessable(sp_judge: Judge) -> None:
    def add_relative(response: etree._Element) -> None:
        etree.SubElement(first(response, SUBJECT), "{relative/ns}x")

    report = sp_judge(fault=after_signing(add_relative))
    assert "signature.unprocessable" in failing(report)
    assert not report.works


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda r: setattr(first(r, AUDIENCE), "text", "]"), "audience.mismatch"),
        (lambda r: r.set("Destination", "http://["), "destination.mismatch"),
        (set_on(SCD, "Recipient", "http://[::1"), "recipient.mismatch"),
        (set_on(CONDITIONS, "NotOnOrAfter", "0001-01-01T00:00:00+01:00"), "time.unreadable"),
        (set_on(SCD, "NotOnOrAfter", "0001-01-01T00:00:00+01:00"), "time.unreadable"),
    ],
    ids=["audience-bracket", "destination-bracket", "recipient-bracket", "year-1", "scd-year-1"],
)
def test_odd_values_under_a_valid_signature_are_findings(
    sp_judge: Judge, mutate: Mutate, code: str
) -> None:
    report = sp_judge(before_signing=mutate)
    assert code in failing(report)
    assert "signature.valid" in report.codes(Status.PASS)


def test_the_year_9999_is_a_time_not_a_crash(sp_judge: Judge) -> None:
    report = sp_judge(before_signing=set_on(CONDITIONS, "NotOnOrAfter", "9999-12-31T23:59:59Z"))
    assert report.codes(Status.FAIL) == set()
    assert report.valid_until is not None


def test_an_unresolvable_prefix_is_malformed_xml(sp_judge: Judge) -> None:
    def add_prefixed(response: etree._Element) -> bytes:
        return etree.tostring(response).replace(b"<Assertion", b"<foo:Bar/><Assertion", 1)

    assert "xml.malformed" in failing(sp_judge(fault=add_prefixed))


def _ed25519_certificate() -> bytes:
    key = ed25519.Ed25519PrivateKey.generate()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ed25519")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=1))
        .sign(key, None)
    )
    return certificate.public_bytes(Encoding.DER)


def test_a_keyinfo_certificate_xmlsec_cannot_use_explains_nothing(sp_judge: Judge) -> None:
    def swap(response: etree._Element) -> None:
        element = first(response, f".//{qname(DSIG, 'X509Certificate')}")
        element.text = base64.b64encode(_ed25519_certificate()).decode()

    report = sp_judge(key="attacker", fault=after_signing(swap))
    assert "signature.invalid" in failing(report)


def test_a_configured_certificate_xmlsec_cannot_load_verifies_nothing(sp_judge: Judge) -> None:
    report = sp_judge(settings={"certificates": (Certificate(_ed25519_certificate()),)})
    assert not report.works
    assert "signature.valid" not in report.codes()


# --- schema conformance ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "namespace",
    [
        "urn:oasis:names:tc:SAML:2.0:Assertion",  # capital A: a look-alike
        "urn:oasis:names:tc:SAML:1.0:assertion",  # SAML 1.0
        "http://evil.example/assertion",  # foreign
    ],
)
def test_an_unsigned_assertion_in_another_namespace_is_refused(
    sp_judge: Judge, namespace: str
) -> None:
    def add(response: etree._Element) -> None:
        evil = etree.SubElement(response, f"{{{namespace}}}Assertion", nsmap={"saml": namespace})
        etree.SubElement(evil, f"{{{namespace}}}NameID").text = "ceo@contoso.com"

    report = sp_judge(fault=after_signing(add))
    assert not report.works
    named = [f.observed or "" for f in report.failures if f.code is Code.XML_UNKNOWN_ELEMENT]
    assert named
    assert f"{{{namespace}}}Assertion" in named[0]


def test_a_schema_violation_fails_but_the_other_checks_still_run(sp_judge: Judge) -> None:
    report = sp_judge(fault=after_signing(lambda r: r.set("IssueInstant", "yesterday")))
    assert "xml.schema-invalid" in failing(report)
    assert {"audience.match", "nameid.mapped"} <= report.codes(Status.PASS)


def test_the_genuine_shape_conforms(sp_judge: Judge) -> None:
    report = sp_judge()
    assert "xml.safe" in report.codes(Status.PASS)
    assert report.works


def test_an_assertion_inside_advice_is_allowed_and_never_read(sp_judge: Judge) -> None:
    def add_advice(response: etree._Element) -> None:
        conditions = first(response, CONDITIONS)
        advice = etree.Element(qname(A, "Advice"))
        inner = etree.SubElement(
            advice,
            qname(A, "Assertion"),
            ID="_advice",
            Version="2.0",
            IssueInstant="2026-06-01T12:00:00Z",
        )
        etree.SubElement(inner, qname(A, "Issuer")).text = ISSUER
        subject = etree.SubElement(inner, qname(A, "Subject"))
        etree.SubElement(subject, qname(A, "NameID")).text = "ceo@contoso.com"
        statement = etree.SubElement(inner, qname(A, "AttributeStatement"))
        attribute = etree.SubElement(statement, qname(A, "Attribute"), Name="mail")
        etree.SubElement(attribute, qname(A, "AttributeValue")).text = "ceo@contoso.com"
        conditions.addnext(advice)

    report = sp_judge(before_signing=add_advice)
    assert report.works, failing(report)
    assert report.user == "B.Simon@contoso.com"


# --- only signed content is fact --------------------------------------------------------------


def test_an_in_response_to_on_the_unsigned_envelope_answers_nothing(sp_judge: Judge) -> None:
    report = sp_judge(
        fault=after_signing(lambda r: r.set("InResponseTo", "_request-1")),
        settings={"outstanding_requests": {"_request-1"}},
    )
    (finding,) = [f for f in report.findings if f.check == "subject" and "InResponse" in str(f)]
    assert finding.code is Code.SUBJECT_IN_RESPONSE_TO_UNSIGNED
    assert finding.covered_by_signature is False
    assert report.in_response_to is None
    assert not report.works


def test_an_in_response_to_on_a_signed_envelope_counts(sp_judge: Judge) -> None:
    def envelope_only(response: etree._Element) -> None:
        response.set("InResponseTo", "_request-1")

    report = sp_judge(
        token={"signing": Signing.RESPONSE},
        before_signing=envelope_only,
        settings={"outstanding_requests": {"_request-1"}},
    )
    assert "subject.sp-initiated" in report.codes(Status.PASS)
    assert report.in_response_to == "_request-1"


def test_a_name_id_changed_after_signing_gives_no_fix(sp_judge: Judge) -> None:
    report = sp_judge(
        fault=after_signing(lambda r: setattr(first(r, NAME_ID), "text", "ceo@contoso.com"))
    )
    assert not report.works
    unverified = [f for f in report.findings if f.covered_by_signature is False]
    assert unverified
    assert all(f.hint is None for f in unverified)
    assert all(f.message.startswith("Unverified") for f in unverified)
    assert report.in_response_to is None
    assert report.session_index is None


# --- Mimecast rules the core knows without a directory ---------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        {"name_id": "a4b3c2d1-pairwise", "name_id_format": TRANSIENT_FORMAT},
        {"name_id": "s0m3-0paque-1d"},
        {"name_id": "b.simon@contoso.com", "name_id_format": TRANSIENT_FORMAT},
    ],
    ids=["transient", "opaque", "transient-looking-like-mail"],
)
def test_a_name_id_that_is_no_address_fails_without_a_directory(
    sp_judge: Judge, token: dict[str, Any]
) -> None:
    report = sp_judge(token=token, settings={"directory": None})
    assert "nameid.opaque-id" in failing(report)


def test_without_a_mimecast_entity_id_no_directory_means_skipped(sp_judge: Judge) -> None:
    report = sp_judge(
        token={"name_id": "s0m3-0paque-1d", "audience": "https://sp.example/"},
        settings={"directory": None, "entity_id": "https://sp.example/", "profile": None},
    )
    assert "nameid.skipped" in report.codes(Status.SKIPPED)


def test_a_name_id_for_another_sp_fails(sp_judge: Judge) -> None:
    report = sp_judge(before_signing=set_on(NAME_ID, "SPNameQualifier", "https://other.example/"))
    assert "nameid.sp-name-qualifier-mismatch" in failing(report)
    same = sp_judge(
        before_signing=set_on(NAME_ID, "SPNameQualifier", "https://us-api.mimecast.com/sso/CUSA1A1")
    )
    assert same.works


def test_a_profile_without_allow_single_sign_on_refuses(sp_judge: Judge) -> None:
    profile = ProfileView("Entra ID SSO", allow_single_sign_on=False)
    report = sp_judge(settings={"profile": profile})
    (finding,) = [f for f in report.failures if f.code is Code.PROFILE_SSO_NOT_ALLOWED]
    assert finding.hint is not None
    assert finding.hint.field == "Allow Single Sign On"


@pytest.mark.parametrize("host", ["je-api.mimecast.com", "jer-api.mimecast.com"])
def test_jersey_hosts_are_accepted_alike_everywhere(sp_judge: Judge, host: str) -> None:
    jer = REGIONS["jer"]
    report = sp_judge(
        token={
            "audience": f"https://{host}/sso/CJE1A1",
            "recipient": f"https://{host}/login/saml",
            "destination": f"https://{host}/login/saml",
        },
        settings={
            "entity_id": jer.entity_id("CJE1A1"),
            "acs_url": jer.acs_url,
            "region": jer,
            "account_code": "CJE1A1",
        },
    )
    assert report.works, failing(report)
    if host != jer.host:
        for check in ("audience", "destination", "recipient"):
            finding = next(f for f in report.findings if f.check == check)
            assert host in finding.message, finding


# --- digest mismatch, re-formatting and the removed signature's tail ------------------------


def test_a_re_formatted_response_asks_for_the_raw_base64(sp_judge: Judge) -> None:
    report = sp_judge(fault=after_signing(etree.indent))
    (finding,) = [f for f in report.failures if f.code is Code.SIGNATURE_DIGEST_MISMATCH]
    assert "re-formatted" in finding.message
    assert finding.hint is not None
    assert "raw base64" in finding.hint.text


def test_a_pretty_printed_response_signed_by_another_key_is_a_key_mismatch(
    sp_judge: Judge,
) -> None:
    report = sp_judge(key="attacker", before_signing=etree.indent)
    assert "signature.key-mismatch" in failing(report)
    (finding,) = [f for f in report.failures if f.code is Code.SIGNATURE_KEY_MISMATCH]
    assert " X" not in finding.message
    assert " Y" not in finding.message


def test_unknown_request_names_the_usual_causes(sp_judge: Judge) -> None:
    report = sp_judge(
        token={"in_response_to": "_old"}, settings={"outstanding_requests": {"_other"}}
    )
    (finding,) = [f for f in report.failures if f.code is Code.SUBJECT_UNKNOWN_REQUEST]
    assert "stale" in finding.message
    assert "instance" in finding.message


# --- signature shapes real IdPs produce -----------------------------------------------------


def _resign(
    element: etree._Element, key: SigningKey, *, uri: str | None = None, method: str | None = None
) -> None:
    """Sign `element` as mint does, with the Reference URI or SignatureMethod replaced."""
    for old in element.findall(qname(DSIG, "Signature")):
        element.remove(old)
    signature = xmlsec.template.create(
        element, xmlsec.Transform.EXCL_C14N, xmlsec.Transform.RSA_SHA256
    )
    first(element, qname(A, "Issuer")).addnext(signature)
    reference = xmlsec.template.add_reference(
        signature, xmlsec.Transform.SHA256, uri=f"#{element.get('ID')}" if uri is None else uri
    )
    xmlsec.template.add_transform(reference, xmlsec.Transform.ENVELOPED)
    xmlsec.template.add_transform(reference, xmlsec.Transform.EXCL_C14N)
    key_info = xmlsec.template.ensure_key_info(signature)
    xmlsec.template.x509_data_add_certificate(xmlsec.template.add_x509_data(key_info))
    if method is not None:
        first(signature, f".//{qname(DSIG, 'SignatureMethod')}").set("Algorithm", method)
    xmlsec.tree.add_ids(element.getroottree().getroot(), ["ID"])
    context = xmlsec.SignatureContext()
    context.key = key.xmlsec_key
    context.sign(signature)


def _judge_signed(sp_settings: Any, sign: Callable[[etree._Element], None]) -> Report:
    token = Token(
        issuer=ISSUER,
        audience="https://us-api.mimecast.com/sso/CUSA1A1",
        recipient="https://us-api.mimecast.com/login/saml",
        name_id="B.Simon@contoso.com",
        issue_instant=NOW,
        attributes=((f"{CLAIMS}emailaddress", ("B.Simon@contoso.com",)),),
    )
    response = build_response(token)
    sign(response)
    return check_response(etree.tostring(response), sp_settings, NOW)


def test_a_reference_to_the_whole_document_signs_the_response(sp_settings: Any) -> None:
    report = _judge_signed(sp_settings, lambda r: _resign(r, load_key("entra-active"), uri=""))
    assert report.works, failing(report)
    assert report.signed_elements == ("Response",)


def test_an_empty_reference_inside_the_assertion_is_refused(sp_settings: Any) -> None:
    def sign(response: etree._Element) -> None:
        _resign(first(response, ASSERTION_PATH), load_key("entra-active"), uri="")

    report = _judge_signed(sp_settings, sign)
    assert "signature.bad-reference" in failing(report)


def test_rsassa_pss_verifies(sp_settings: Any) -> None:
    pss = SignatureAlgorithm.RSA_PSS_SHA256.value

    def sign(response: etree._Element) -> None:
        _resign(first(response, ASSERTION_PATH), load_key("entra-active"), method=pss)

    report = _judge_signed(sp_settings, sign)
    assert report.works, failing(report)
    assert "RSA-PSS-SHA256" in next(f for f in report.findings if f.check == "signature").message


def test_rsassa_pss_by_another_key_is_refused(sp_settings: Any) -> None:
    pss = SignatureAlgorithm.RSA_PSS_SHA256.value

    def sign(response: etree._Element) -> None:
        _resign(first(response, ASSERTION_PATH), load_key("attacker"), method=pss)

    report = _judge_signed(sp_settings, sign)
    assert "signature.key-mismatch" in failing(report)

"""The fault matrix's rows: each misconfiguration of the reference's §3 that shows in a
response, and each known attack, with the mutations that make them (before or after
signing) and the codes and statuses the engine must report. Used by the fault-matrix test
and the verifiers' differential test."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from lxml import etree

from sp_sim.core import Status
from sp_sim.core.settings import (
    PASSWORD_PROTECTED_CONTEXT,
    Address,
    Directory,
    ProfileView,
)
from sp_sim.core.xml import ASSERTION, DSIG, PROTOCOL, qname
from sp_sim.idp import faults
from sp_sim.idp.mint import PERSISTENT_FORMAT, Algorithm, Signing
from tests.helpers import ISSUER, NOW, load_key
from tests.helpers.xml import first

A = ASSERTION
OTHER_TENANT = "https://sts.windows.net/99999999-8888-7777-6666-555555555555/"
MFA = "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/x509"

PASS, FAIL, WARN, SKIP = Status.PASS, Status.FAIL, Status.WARN, Status.SKIPPED


def remove(path: str) -> Any:
    """A before_signing hook that removes the element at `path` (Clark names, / separated)."""

    def hook(response: etree._Element) -> None:
        element = response.find(path)
        assert element is not None, path
        parent = element.getparent()
        assert parent is not None
        parent.remove(element)

    return hook


def set_attribute(path: str, name: str, value: str | None) -> Any:
    def hook(response: etree._Element) -> None:
        element = response if path == "." else response.find(path)
        assert element is not None, path
        if value is None:
            del element.attrib[name]
        else:
            element.set(name, value)

    return hook


def post(mutate: Any) -> Any:
    """A fault from a function that mutates the signed tree in place."""

    def fault(response: etree._Element) -> bytes:
        mutate(response)
        return etree.tostring(response)

    return fault


ASSERTION_PATH = qname(A, "Assertion")
SUBJECT = f"{ASSERTION_PATH}/{qname(A, 'Subject')}"
CONFIRMATION = f"{SUBJECT}/{qname(A, 'SubjectConfirmation')}"
SCD = f"{CONFIRMATION}/{qname(A, 'SubjectConfirmationData')}"
CONDITIONS = f"{ASSERTION_PATH}/{qname(A, 'Conditions')}"
ASSERTION_SIGNATURE = f"{ASSERTION_PATH}/{qname(DSIG, 'Signature')}"


def corrupt_signature_value(response: etree._Element) -> None:
    value = first(response, f".//{qname(DSIG, 'SignatureValue')}")
    text = value.text or ""
    value.text = ("B" if text[0] != "B" else "C") + text[1:]


def hmac_signature_method(response: etree._Element) -> None:
    first(response, f".//{qname(DSIG, 'SignatureMethod')}").set(
        "Algorithm", "http://www.w3.org/2000/09/xmldsig#hmac-sha1"
    )


def empty_reference(response: etree._Element) -> None:
    first(response, f".//{qname(DSIG, 'Reference')}").set("URI", "")


def stray_signature(response: etree._Element) -> None:
    signature = first(response, ASSERTION_SIGNATURE)
    extensions = etree.Element(qname(PROTOCOL, "Extensions"))
    parent = signature.getparent()
    assert parent is not None
    parent.remove(signature)
    extensions.append(signature)
    response.insert(1, extensions)


def hide_assertion_in_extensions(response: etree._Element) -> None:
    assertion = first(response, ASSERTION_PATH)
    extensions = etree.Element(qname(PROTOCOL, "Extensions"))
    response.remove(assertion)
    extensions.append(assertion)
    response.append(extensions)


def other_response_in_response_to(response: etree._Element) -> None:
    response.set("InResponseTo", "_someone-elses-request")


def other_response_issuer(response: etree._Element) -> None:
    first(response, qname(A, "Issuer")).text = OTHER_TENANT


def drop_assertion(response: etree._Element) -> None:
    response.remove(first(response, ASSERTION_PATH))


def drop_status(response: etree._Element) -> None:
    response.remove(first(response, qname(PROTOCOL, "Status")))


def not_bearer(response: etree._Element) -> None:
    first(response, CONFIRMATION).set("Method", "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key")


def unreadable_time(response: etree._Element) -> None:
    first(response, CONDITIONS).set("NotBefore", "yesterday")


@dataclass
class Row:
    id: str
    expect: dict[str, Status]
    works: bool = False
    kwargs: dict[str, Any] = field(default_factory=dict)


def attacker_keyinfo() -> Any:
    return faults.swap_keyinfo(load_key("attacker").certificate)


def encrypted() -> Any:
    return faults.encrypt_assertion(load_key("sp-encryption").certificate)


ROWS = [
    Row(
        "entra-default",
        {
            "transport.decoded": PASS,
            "xml.safe": PASS,
            "status.success": PASS,
            "signature.valid": PASS,
            "certificate.valid": PASS,
            "destination.match": PASS,
            "issuer.match": PASS,
            "audience.match": PASS,
            "time.valid": PASS,
            "subject.bearer": PASS,
            "recipient.match": PASS,
            "subject.idp-initiated": PASS,
            "replay.skipped": SKIP,
            "authn.statement": PASS,
            "nameid.mapped": PASS,
            "profile.applies": PASS,
        },
        works=True,
    ),
    # §3.1 account code wrong, lower case or missing in the Identifier
    Row(
        "audience-code-lower-case",
        {"audience.account-code-case": FAIL},
        kwargs={"token": {"audience": "https://us-api.mimecast.com/sso/cusa1a1"}},
    ),
    Row(
        "audience-code-wrong",
        {"audience.account-code-wrong": FAIL},
        kwargs={"token": {"audience": "https://us-api.mimecast.com/sso/CUSA9Z9"}},
    ),
    Row(
        "audience-code-missing",
        {"audience.account-code-missing": FAIL},
        kwargs={"token": {"audience": "https://us-api.mimecast.com/sso/"}},
    ),
    Row(
        "audience-no-https",
        {"audience.missing-scheme": FAIL},
        kwargs={"token": {"audience": "us-api.mimecast.com/sso/CUSA1A1"}},
    ),
    Row(
        "audience-schemeless-form",
        {"audience.missing-scheme": FAIL},
        kwargs={"token": {"audience": "us-api.mimecast.com.CUSA1A1"}},
    ),
    Row(
        "audience-other",
        {"audience.mismatch": FAIL},
        kwargs={"token": {"audience": "https://example.com/sp"}},
    ),
    # §3.2 wrong region host for the account
    Row(
        "audience-wrong-region",
        {"audience.wrong-region": FAIL},
        kwargs={"token": {"audience": "https://eu-api.mimecast.com/sso/CUSA1A1"}},
    ),
    Row(
        "reply-url-wrong-region",
        {"destination.wrong-region": FAIL, "recipient.wrong-region": FAIL},
        kwargs={"token": {"recipient": "https://eu-api.mimecast.com/login/saml"}},
    ),
    Row(
        "jersey-je-alias-accepted",
        {"recipient.match": PASS, "destination.match": PASS},
        works=True,
        kwargs={
            "token": {"recipient": "https://je-api.mimecast.com/login/saml"},
            "settings": {"acs_url": "https://jer-api.mimecast.com/login/saml"},
        },
    ),
    Row(
        "reached-the-account-region",
        {"endpoint.match": PASS},
        works=True,
        kwargs={"settings": {"received_at": "https://us-api.mimecast.com/login/saml"}},
    ),
    Row(
        "reached-another-region",
        {"endpoint.wrong-region": FAIL},
        kwargs={
            "token": {"recipient": "https://eu-api.mimecast.com/login/saml"},
            "settings": {"received_at": "https://eu-api.mimecast.com/login/saml"},
        },
    ),
    # §3.3 Reply URL set to an old endpoint or another URL
    Row(
        "reply-url-legacy-mpp",
        {"recipient.legacy-endpoint": FAIL, "destination.legacy-endpoint": FAIL},
        kwargs={"token": {"recipient": "https://us-api.mimecast.com/login/sso/mpp"}},
    ),
    Row(
        "reply-url-legacy-webmail",
        {"recipient.legacy-endpoint": FAIL},
        kwargs={"token": {"recipient": "https://webmail-us.mimecast.com/login/saml"}},
    ),
    Row(
        "reply-url-other",
        {"recipient.mismatch": FAIL, "destination.mismatch": FAIL},
        kwargs={"token": {"recipient": "https://example.com/acs"}},
    ),
    # §3.5 context checkboxes ticked, user signed in another way
    Row(
        "context-ticked-mfa-user",
        {"authn.context-differs": WARN},
        works=True,
        kwargs={
            "token": {"authn_context": MFA},
            "settings": {
                "profile": ProfileView(
                    "Entra ID SSO", frozenset({"personal_portal"}), (PASSWORD_PROTECTED_CONTEXT,)
                )
            },
        },
    ),
    # §3.6 UPN is not the primary address; mail empty gives a pairwise ID
    Row(
        "nameid-upn",
        {"nameid.upn-not-address": FAIL},
        kwargs={"token": {"name_id": "bsimon@contoso.onmicrosoft.com"}},
    ),
    Row(
        "nameid-pairwise",
        {"nameid.opaque-id": FAIL},
        kwargs={
            "token": {
                "name_id": "n6bsKKyyOapYpHEqqVL0dmuENasjZJhhKYzy7OEeA",
                "name_id_format": PERSISTENT_FORMAT,
                "attributes": (),
            }
        },
    ),
    # §3.7 certificate rolled over, expired or expiring
    Row(
        "certificate-rolled-over",
        {"signature.key-mismatch": FAIL},
        kwargs={"key": "entra-rollover"},
    ),
    Row(
        "certificate-rollover-both-configured",
        {"signature.valid": PASS},
        works=True,
        kwargs={
            "key": "entra-rollover",
            "settings": {
                "certificates": (
                    load_key("entra-active").certificate,
                    load_key("entra-rollover").certificate,
                )
            },
        },
    ),
    Row(
        "certificate-expired",
        {"signature.valid": PASS, "certificate.expired": WARN},
        works=True,
        kwargs={"key": "expired", "settings": {"certificates": (load_key("expired").certificate,)}},
    ),
    Row(
        "certificate-expiring",
        {"certificate.expiring": WARN},
        works=True,
        kwargs={
            "key": "expiring",
            "settings": {"certificates": (load_key("expiring").certificate,)},
        },
    ),
    Row(
        "no-certificate-configured",
        {"signature.no-certificate": FAIL, "certificate.skipped": SKIP},
        kwargs={"settings": {"certificates": ()}},
    ),
    # §3.10 domain or address missing; profile not reached
    Row(
        "domain-unregistered",
        {"nameid.unregistered-domain": FAIL},
        kwargs={"token": {"name_id": "j.doe@fabrikam.com", "attributes": ()}},
    ),
    Row(
        "address-missing",
        {"nameid.unknown-address": FAIL},
        kwargs={"token": {"name_id": "j.doe@contoso.com", "attributes": ()}},
    ),
    Row(
        "address-without-profile",
        {"profile.other-profile": FAIL},
        kwargs={
            "settings": {
                "directory": Directory(
                    frozenset({"contoso.com"}), (Address("B.Simon@contoso.com"),)
                )
            }
        },
    ),
    Row(
        "saml-not-enforced",
        {"profile.saml-not-enforced": FAIL},
        kwargs={
            "settings": {
                "profile": ProfileView("Entra ID SSO", frozenset({"administration_console"}))
            }
        },
    ),
    Row(
        "no-directory",
        {"nameid.skipped": SKIP, "profile.skipped": SKIP},
        works=True,
        kwargs={"settings": {"directory": None, "profile": None}},
    ),
    # issuer near misses
    Row(
        "issuer-trailing-slash",
        {"issuer.trailing-slash": FAIL},
        kwargs={"settings": {"idp_issuer": ISSUER.rstrip("/")}},
    ),
    Row(
        "issuer-other-tenant",
        {"issuer.other-tenant": FAIL},
        kwargs={"settings": {"idp_issuer": OTHER_TENANT}},
    ),
    Row(
        "issuer-login-url-pasted",
        {"issuer.login-url": FAIL},
        kwargs={
            "settings": {
                "idp_issuer": "https://login.microsoftonline.com/"
                "0d3b5c2e-8f4a-4b6e-9c1d-2a7e5f6b8c90/saml2"
            }
        },
    ),
    Row(
        "issuer-other",
        {"issuer.mismatch": FAIL},
        kwargs={"settings": {"idp_issuer": "http://www.okta.com/exk1"}},
    ),
    Row(
        "issuer-not-configured",
        {"issuer.not-configured": SKIP},
        works=True,
        kwargs={"settings": {"idp_issuer": None}},
    ),
    Row(
        "issuer-response-differs",
        {"issuer.inconsistent": FAIL},
        kwargs={"before_signing": other_response_issuer},
    ),
    Row(
        "issuer-missing",
        {"issuer.missing": FAIL},
        kwargs={"before_signing": remove(f"{ASSERTION_PATH}/{qname(A, 'Issuer')}")},
    ),
    # audience and destination configuration absent
    Row(
        "audience-restriction-missing",
        {"audience.missing": FAIL},
        kwargs={"before_signing": remove(f"{CONDITIONS}/{qname(A, 'AudienceRestriction')}")},
    ),
    Row(
        "entity-id-not-configured",
        {"audience.not-configured": SKIP},
        works=True,
        kwargs={"settings": {"entity_id": None}},
    ),
    Row(
        "acs-not-configured",
        {"destination.skipped": SKIP, "recipient.skipped": SKIP},
        works=True,
        kwargs={"settings": {"acs_url": None}},
    ),
    Row(
        "destination-missing-unsigned-response",
        {"destination.missing": WARN},
        works=True,
        kwargs={"before_signing": set_attribute(".", "Destination", None)},
    ),
    Row(
        "destination-missing-signed-response",
        {"destination.missing": FAIL},
        kwargs={
            "before_signing": set_attribute(".", "Destination", None),
            "token": {"signing": Signing.RESPONSE},
        },
    ),
    # time
    Row(
        "expired",
        {"time.expired": FAIL, "time.confirmation-expired": FAIL},
        kwargs={"now": NOW + timedelta(hours=2)},
    ),
    Row("not-yet-valid", {"time.not-yet-valid": FAIL}, kwargs={"now": NOW - timedelta(minutes=20)}),
    Row(
        "within-skew", {"time.valid": PASS}, works=True, kwargs={"now": NOW - timedelta(minutes=8)}
    ),
    Row(
        "confirmation-window-over",
        {"time.confirmation-expired": FAIL},
        kwargs={"now": NOW + timedelta(minutes=12)},
    ),
    Row(
        "zero-skew",
        {"time.not-yet-valid": FAIL},
        kwargs={"now": NOW - timedelta(minutes=6), "settings": {"clock_skew": timedelta(0)}},
    ),
    Row(
        "conditions-missing",
        {"time.missing": FAIL, "audience.missing": FAIL},
        kwargs={"before_signing": remove(CONDITIONS)},
    ),
    Row("time-unreadable", {"time.unreadable": FAIL}, kwargs={"before_signing": unreadable_time}),
    # subject confirmation and correlation
    Row(
        "sp-initiated-known-request",
        {"subject.sp-initiated": PASS},
        works=True,
        kwargs={
            "token": {"in_response_to": "_req-1"},
            "settings": {"outstanding_requests": frozenset({"_req-1"})},
        },
    ),
    Row(
        "sp-initiated-with-its-cookie",
        {"subject.sp-initiated": PASS},
        works=True,
        kwargs={
            "token": {"in_response_to": "_req-1"},
            "settings": {
                "outstanding_requests": frozenset({"_req-1", "_req-2"}),
                "browser_requests": frozenset({"_req-1"}),
            },
        },
    ),
    Row(
        "cookie-lost",  # SameSite: the POST came without the request's pre-login cookie
        {"subject.cookie-lost": FAIL},
        kwargs={
            "token": {"in_response_to": "_req-1"},
            "settings": {
                "outstanding_requests": frozenset({"_req-1", "_req-2"}),
                "browser_requests": frozenset({"_req-2"}),
            },
        },
    ),
    Row(
        "unknown-request-with-no-cookie",  # not outstanding: unknown, whatever the cookies
        {"subject.unknown-request": FAIL},
        kwargs={
            "token": {"in_response_to": "_req-1"},
            "settings": {
                "outstanding_requests": frozenset({"_req-2"}),
                "browser_requests": frozenset(),
            },
        },
    ),
    Row(
        "unknown-request",
        {"subject.unknown-request": FAIL},
        kwargs={
            "token": {"in_response_to": "_req-1"},
            "settings": {"outstanding_requests": frozenset({"_req-2"})},
        },
    ),
    Row(
        "in-response-to-differs",
        {"subject.in-response-to-mismatch": FAIL},
        kwargs={
            "token": {"in_response_to": "_req-1"},
            "fault": post(other_response_in_response_to),
        },
    ),
    Row("not-bearer", {"subject.not-bearer": FAIL}, kwargs={"before_signing": not_bearer}),
    Row(
        "no-subject-confirmation",
        {"subject.no-confirmation": FAIL},
        kwargs={"before_signing": remove(CONFIRMATION)},
    ),
    Row(
        "recipient-missing",
        {"recipient.missing": FAIL},
        kwargs={"before_signing": set_attribute(SCD, "Recipient", None)},
    ),
    Row(
        "replayed",
        {"replay.replayed": FAIL},
        kwargs={
            "token": {"assertion_id": "_used-once"},
            "settings": {"seen_assertion_ids": {"_used-once"}},
        },
    ),
    Row(
        "fresh",
        {"replay.fresh": PASS},
        works=True,
        kwargs={"settings": {"seen_assertion_ids": {"_other"}}},
    ),
    Row(
        "authn-statement-missing",
        {"authn.missing": FAIL},
        kwargs={"before_signing": remove(f"{ASSERTION_PATH}/{qname(A, 'AuthnStatement')}")},
    ),
    Row(
        "nameid-missing",
        {"nameid.missing": FAIL, "profile.skipped": SKIP},
        kwargs={"before_signing": remove(f"{SUBJECT}/{qname(A, 'NameID')}")},
    ),
    # signature options
    Row(
        "signed-response-only",
        {"signature.valid": PASS},
        works=True,
        kwargs={"token": {"signing": Signing.RESPONSE}},
    ),
    Row(
        "signed-both",
        {"signature.valid": PASS},
        works=True,
        kwargs={"token": {"signing": Signing.BOTH}},
    ),
    Row(
        "sha1",
        {"signature.sha1": WARN},
        works=True,
        kwargs={"token": {"algorithm": Algorithm.SHA1}},
    ),
    # attacks
    Row("unsigned", {"signature.missing": FAIL}, kwargs={"token": {"signing": Signing.NONE}}),
    Row(
        "tampered-after-signing",
        {"signature.digest-mismatch": FAIL},
        kwargs={"fault": faults.tamper_name_id("ceo@contoso.com")},
    ),
    Row(
        "tampered-signed-response",
        {"signature.digest-mismatch": FAIL},
        kwargs={
            "token": {"signing": Signing.RESPONSE},
            "fault": faults.tamper_name_id("ceo@contoso.com"),
        },
    ),
    Row(
        "attacker-signs-with-own-certificate",
        {"signature.key-mismatch": FAIL},
        kwargs={"key": "attacker"},
    ),
    Row(
        "attacker-certificate-in-keyinfo-only",
        {"signature.valid": PASS},
        works=True,
        kwargs={"fault": attacker_keyinfo()},
    ),
    Row(
        "signature-value-corrupt",
        {"signature.invalid": FAIL},
        kwargs={"fault": post(corrupt_signature_value)},
    ),
    Row(
        "hmac-signature-method",
        {"signature.unsupported-algorithm": FAIL},
        kwargs={"fault": post(hmac_signature_method)},
    ),
    Row(
        "reference-to-whole-document",
        {"signature.bad-reference": FAIL},
        kwargs={"fault": post(empty_reference)},
    ),
    Row(
        "signature-covers-nothing",
        {"signature.assertion-not-covered": FAIL},
        kwargs={"fault": post(stray_signature)},
    ),
    Row(
        "comment-in-nameid",
        {"signature.valid": PASS, "nameid.unregistered-domain": FAIL},
        kwargs={
            "token": {"name_id": "B.Simon@contoso.com.evil.example", "attributes": ()},
            "fault": faults.comment_in_name_id("B.Simon@contoso.com"),
        },
    ),
    Row(
        "two-assertions",
        {"xml.multiple-assertions": FAIL, "xml.duplicate-id": FAIL, "signature.skipped": SKIP},
        kwargs={"fault": faults.duplicate_assertion},
    ),
    Row(
        "assertion-misplaced",
        {"xml.assertion-misplaced": FAIL},
        kwargs={"fault": post(hide_assertion_in_extensions)},
    ),
    Row(
        "billion-laughs",
        {"xml.dtd-forbidden": FAIL, "status.skipped": SKIP},
        kwargs={"fault": faults.with_doctype("billion-laughs", "c")},
    ),
    Row(
        "external-entity",
        {"xml.dtd-forbidden": FAIL},
        kwargs={"fault": faults.with_doctype("external-entity", "x")},
    ),
    Row(
        "encrypted-assertion",
        {"xml.encrypted-assertion": FAIL, "nameid.skipped": SKIP},
        kwargs={"fault": encrypted()},
    ),
    Row(
        "success-without-assertion",
        {"xml.no-assertion": FAIL},
        kwargs={"fault": post(drop_assertion)},
    ),
    Row("status-missing", {"status.missing": FAIL}, kwargs={"fault": post(drop_status)}),
    *[
        Row(
            f"wrapping-{variant}",
            {"xml.multiple-responses": FAIL}
            if variant in ("xsw1", "xsw2")
            else {"signature.bad-reference": FAIL}
            if variant == "moved-signature"
            else {"xml.multiple-assertions": FAIL, "xml.duplicate-id": FAIL}
            if variant == "same-id"
            else {"xml.multiple-assertions": FAIL},
            kwargs={
                "token": {
                    "signing": Signing.RESPONSE
                    if variant in ("xsw1", "xsw2")
                    else Signing.ASSERTION
                },
                "fault": faults.wrap(variant, "ceo@contoso.com"),
            },
        )
        for variant in faults.WRAPPING_VARIANTS
    ],
]

"""The fuzz corpus shared by the engine's fuzz test and the verifiers' differential test:
genuinely signed originals (assertion, response, both signed), the structural and byte-wise
mutations, and the property that nothing altered in the signed content ever `works`."""

from __future__ import annotations

import copy
import os
from dataclasses import replace

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from lxml import etree

from sp_sim.core import CheckSettings, Report
from sp_sim.core.checks.dsig import canonical_without_signature
from sp_sim.core.xml import ASSERTION, DSIG, PROTOCOL, qname
from sp_sim.idp.mint import Signing, Token, mint_response_element
from tests.helpers import CLAIMS, ISSUER, NOW, demo_like_tenant, load_key

EXAMPLES = int(os.environ.get("SP_SIM_FUZZ_EXAMPLES", "300"))
LONG_RUN = "SP_SIM_FUZZ_EXAMPLES" in os.environ
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not LONG_RUN,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

HOSTILE_VALUES = [
    "",
    " ",
    "]",
    "http://[",
    "https://us-api.mimecast.com/login/saml",
    "https://je-api.mimecast.com/sso/CUSA1A1",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59Z",
    "2026-06-01T12:00:00.123456789Z",
    "yesterday",
    "#_x",
    "_request-1",
    ISSUER,
    "ceo@contoso.com",
    "B.Simon@contoso.com<!---->.evil.com",
    "\u202e\u0000"[:1],
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "http://www.w3.org/2001/04/xmlenc#sha256",
    "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
    "http://www.w3.org/2001/10/xml-exc-c14n#",
    "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1",
    "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
    "x" * 5000,
]
ATTRIBUTES = [
    "ID",
    "Destination",
    "InResponseTo",
    "Recipient",
    "NotBefore",
    "NotOnOrAfter",
    "IssueInstant",
    "Version",
    "Method",
    "Algorithm",
    "URI",
    "Format",
    "SPNameQualifier",
    "Value",
    "Name",
    "SessionIndex",
]
NAMESPACES = [
    ASSERTION,
    PROTOCOL,
    DSIG,
    "urn:oasis:names:tc:SAML:2.0:Assertion",
    "urn:oasis:names:tc:SAML:1.0:assertion",
    "http://evil.example/",
    "relative/ns",
]
LOCAL_NAMES = ["Assertion", "Response", "NameID", "Audience", "Signature", "Advice", "Extensions"]


def _settings() -> CheckSettings:
    """The demo-like tenant, with one outstanding request."""
    return replace(demo_like_tenant().check_settings(), outstanding_requests={"_request-1"})


def token_for(signing: Signing) -> Token:
    return Token(
        issuer=ISSUER,
        audience="https://us-api.mimecast.com/sso/CUSA1A1",
        recipient="https://us-api.mimecast.com/login/saml",
        destination="https://us-api.mimecast.com/login/saml",
        name_id="B.Simon@contoso.com",
        issue_instant=NOW,
        in_response_to="_request-1",
        signing=signing,
        attributes=((f"{CLAIMS}emailaddress", ("B.Simon@contoso.com",)),),
    )


KEY = load_key("entra-active")
SETTINGS = _settings()
ORIGINALS = {
    s: mint_response_element(token_for(s), KEY)
    for s in (Signing.ASSERTION, Signing.RESPONSE, Signing.BOTH)
}


def signed_forms(root: etree._Element) -> dict[str, bytes | None]:
    assertion = root.find(qname(ASSERTION, "Assertion"))
    return {
        "Response": canonical_without_signature(root, None),
        "Assertion": None if assertion is None else canonical_without_signature(assertion, None),
    }


CANONICAL = {s: signed_forms(root) for s, root in ORIGINALS.items()}


def mutate_tree(data: st.DataObject, root: etree._Element) -> None:
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    target = data.draw(st.sampled_from(elements))
    action = data.draw(
        st.sampled_from(
            ["delete", "copy", "move", "rename", "attribute", "text", "comment", "foreign"]
        )
    )
    parent = target.getparent()
    if action == "delete" and parent is not None:
        parent.remove(target)
    elif action == "copy" and parent is not None:
        target.addnext(copy.deepcopy(target))
    elif action == "move" and parent is not None:
        destination = data.draw(st.sampled_from(elements))
        if target not in destination.iterancestors() and destination is not target:
            destination.append(target)
    elif action == "rename":
        namespace = data.draw(st.sampled_from(NAMESPACES))
        target.tag = f"{{{namespace}}}{data.draw(st.sampled_from(LOCAL_NAMES))}"
    elif action == "attribute":
        # mostly an attribute the element has (where a check reads it), else any
        names = sorted(str(n) for n in target.attrib) if data.draw(st.booleans()) else []
        name = data.draw(st.sampled_from(names or ATTRIBUTES))
        target.set(name, data.draw(st.sampled_from(HOSTILE_VALUES)))
    elif action == "text":
        target.text = data.draw(st.sampled_from(HOSTILE_VALUES))
    elif action == "comment":
        target.addprevious(etree.Comment("c")) if parent is not None else target.insert(
            0, etree.Comment("c")
        )
    else:
        namespace = data.draw(st.sampled_from(NAMESPACES))
        etree.SubElement(target, f"{{{namespace}}}{data.draw(st.sampled_from(LOCAL_NAMES))}")


def mutate_bytes(data: st.DataObject, raw: bytes) -> bytes:
    position = data.draw(st.integers(0, max(len(raw) - 1, 0)))
    action = data.draw(st.sampled_from(["flip", "insert", "cut"]))
    if action == "flip":
        return (
            raw[:position]
            + bytes([raw[position] ^ data.draw(st.integers(1, 255))])
            + raw[position + 1 :]
        )
    if action == "insert":
        return raw[:position] + data.draw(st.binary(min_size=1, max_size=8)) + raw[position:]
    return raw[:position] + raw[position + data.draw(st.integers(1, 64)) :]


def assert_truthful(report: Report, signing: Signing) -> None:
    if not report.works:
        assert report.user is None or report.to_dict()["user"] is None
        return
    assert report.user == "B.Simon@contoso.com"
    assert report.signed_elements, "works without a verified signature"
    xml = report.xml
    assert xml is not None
    forms = signed_forms(etree.fromstring(xml))
    for element in report.signed_elements:
        assert forms[element] == CANONICAL[signing][element], f"works with altered {element}"

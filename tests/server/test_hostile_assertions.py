"""Issue #9 over HTTP: a genuinely signed response from the fake IdP, altered in each way
that used to make the engine raise, gets a result page (HTML and JSON) naming the check,
never the generic "Could not process this request" 400."""

from __future__ import annotations

import base64
import json

import pytest
from lxml import etree

from sp_sim.core.xml import ASSERTION, DSIG, qname
from tests.helpers.server import Start
from tests.helpers.xml import Mutate, first

A = ASSERTION


def _slot(root: etree._Element) -> None:
    method = first(root, f".//{qname(DSIG, 'DigestMethod')}")
    method.set("Algorithm", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256")


def _relative_namespace(root: etree._Element) -> None:
    etree.SubElement(first(root, f"{qname(A, 'Assertion')}/{qname(A, 'Subject')}"), "{rel}x")


def _audience(root: etree._Element) -> None:
    first(root, f".//{qname(A, 'Audience')}").text = "]"


def _year_one(root: etree._Element) -> None:
    first(root, f".//{qname(A, 'Conditions')}").set("NotOnOrAfter", "0001-01-01T00:00:00+01:00")


def _comment(root: etree._Element) -> None:
    first(root, qname(A, "Assertion")).addprevious(etree.Comment(" a comment "))


def _look_alike(root: etree._Element) -> None:
    namespace = "urn:oasis:names:tc:SAML:2.0:Assertion"
    etree.SubElement(root, f"{{{namespace}}}Assertion", nsmap={"saml": namespace})


CASES: list[tuple[str, Mutate, str]] = [
    ("algorithm-in-another-slot", _slot, "signature.unsupported-algorithm"),
    ("relative-namespace", _relative_namespace, "signature.unprocessable"),
    ("audience-bracket", _audience, "audience.mismatch"),
    ("destination-bracket", lambda r: r.set("Destination", "http://["), "destination.mismatch"),
    ("year-one", _year_one, "time.unreadable"),
    ("comment-before-assertion", _comment, "signature.valid"),
    ("look-alike-assertion", _look_alike, "xml.unknown-element"),
]


@pytest.mark.parametrize(("mutate", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
@pytest.mark.parametrize("accept", ["application/json", "text/html"])
async def test_altered_signed_responses_get_a_result_page(
    sp_start: Start, mutate: Mutate, code: str, accept: str
) -> None:
    running = await sp_start()
    form = await running.idp_form()
    root = etree.fromstring(base64.b64decode(form.fields["SAMLResponse"]))
    mutate(root)
    fields = {**form.fields, "SAMLResponse": base64.b64encode(etree.tostring(root)).decode()}
    async with running.flows.session.post(
        f"{running.base}/us/login/saml", data=fields, headers={"Accept": accept}
    ) as response:
        assert response.status == 200, await response.text()
        body = await response.text()
    if accept == "application/json":
        report = json.loads(body)["report"]
        assert code in {f["code"] for f in report["findings"]}
        # a comment outside the signed assertion changes nothing: it still signs in
        assert report["verdict"] == ("works" if code == "signature.valid" else "fails")
    else:
        assert code in body
        assert "Could not process" not in body

"""A minted token holds the shape of the genuine Entra responses in idp_fixtures/entra-captures:
element order, namespaces, attribute names, claim URIs, time windows, signature placement and
algorithms."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from lxml import etree

from sp_sim.core.xml import ASSERTION, DSIG, PROTOCOL, parse_instant, qname
from sp_sim.idp.model import IdpTenant
from sp_sim.idp.tokens import issue_response
from tests.helpers import FIXTURES, NOW

CAPTURES = ["az-dow-sap-20191015", "az-pagero-20200717"]
A = ASSERTION


def _genuine(name: str) -> etree._Element:
    return etree.fromstring((FIXTURES / "entra-captures" / name / "response.xml").read_bytes())


CONFIRMATION_MINUTES = {"az-dow-sap-20191015": 5, "az-pagero-20200717": 60}


def _mint(tenant: IdpTenant, confirmation_minutes: int = 5) -> etree._Element:
    app = replace(tenant.apps[0], confirmation_minutes=confirmation_minutes)
    return etree.fromstring(issue_response(tenant, app, tenant.users[0], NOW, in_response_to="_r1"))


@pytest.fixture(scope="module")
def minted(idp_tenant: IdpTenant) -> etree._Element:
    return _mint(idp_tenant)


def _skeleton(element: etree._Element, depth: int = 0) -> list[tuple[int, str]]:
    """Tags in document order; attribute statements and signature internals collapsed."""
    out = [(depth, element.tag)]
    if element.tag in (qname(A, "AttributeStatement"), qname(DSIG, "Signature")):
        return out
    for child in element:
        if isinstance(child.tag, str):
            out += _skeleton(child, depth + 1)
    return out


@pytest.mark.parametrize("capture", CAPTURES)
def test_element_order_and_namespaces(capture: str, minted: etree._Element) -> None:
    assert _skeleton(minted) == _skeleton(_genuine(capture))
    assert minted.prefix == "samlp"
    issuer = minted.find(qname(A, "Issuer"))
    assert issuer is not None
    assert issuer.prefix is None  # a default-namespace Issuer inside samlp:Response
    assertion = minted.find(qname(A, "Assertion"))
    assert assertion is not None
    assert assertion.prefix is None


def _attribute_names(root: etree._Element) -> dict[str, list[str]]:
    return {
        etree.QName(e).localname: sorted(str(name) for name in e.attrib)
        for e in root.iter()
        if isinstance(e.tag, str)
        and not e.tag.startswith(f"{{{DSIG}}}")
        and etree.QName(e).localname not in ("Attribute", "NameID")
    }


def test_attribute_names(minted: etree._Element) -> None:
    assert _attribute_names(minted) == _attribute_names(_genuine("az-dow-sap-20191015"))


def test_claim_uris(minted: etree._Element) -> None:
    genuine = {a.get("Name") for a in _genuine("az-dow-sap-20191015").iter(qname(A, "Attribute"))}
    ours = [a.get("Name") for a in minted.iter(qname(A, "Attribute"))]
    assert set(ours) == genuine
    genuine_order = [
        a.get("Name") for a in _genuine("az-dow-sap-20191015").iter(qname(A, "Attribute"))
    ]
    assert ours == [n for n in genuine_order if n in ours]


@pytest.mark.parametrize("capture", CAPTURES)
def test_time_windows(capture: str, idp_tenant: IdpTenant) -> None:
    minted = _mint(idp_tenant, CONFIRMATION_MINUTES[capture])

    def windows(root: etree._Element) -> tuple[timedelta, timedelta, timedelta]:
        assertion = root.find(qname(A, "Assertion"))
        assert assertion is not None
        issued = parse_instant(assertion.get("IssueInstant", ""))
        conditions = assertion.find(qname(A, "Conditions"))
        data = assertion.find(f".//{qname(A, 'SubjectConfirmationData')}")
        assert conditions is not None
        assert data is not None
        return (
            issued - parse_instant(conditions.get("NotBefore", "")),
            parse_instant(conditions.get("NotOnOrAfter", "")) - issued,
            parse_instant(data.get("NotOnOrAfter", "")) - issued,
        )

    def seconds(values: tuple[timedelta, ...]) -> tuple[int, ...]:
        # Entra computes each limit from a slightly different instant: compare whole seconds.
        return tuple(round(v.total_seconds()) for v in values)

    assert seconds(windows(minted)) == seconds(windows(_genuine(capture)))
    assert seconds(windows(minted))[:2] == (300, 3600)


@pytest.mark.parametrize("capture", CAPTURES)
def test_signature_placement_and_algorithms(capture: str, minted: etree._Element) -> None:
    def signature_shape(root: etree._Element) -> tuple[object, ...]:
        assertion = root.find(qname(A, "Assertion"))
        assert assertion is not None
        signature = assertion[1]
        algorithms = [e.get("Algorithm") for e in signature.iter() if e.get("Algorithm")]
        return (
            assertion[0].tag,
            signature.tag,
            algorithms,
            signature.find(
                f"{qname(DSIG, 'KeyInfo')}/{qname(DSIG, 'X509Data')}/"
                f"{qname(DSIG, 'X509Certificate')}"
            )
            is not None,
            root.find(qname(DSIG, "Signature")) is None,
        )

    assert signature_shape(minted) == signature_shape(_genuine(capture))


def test_ids_look_like_entras(minted: etree._Element) -> None:
    assertion = minted.find(qname(A, "Assertion"))
    assert assertion is not None
    for element in (minted, assertion):
        identifier = element.get("ID", "")
        assert identifier.startswith("_")
        assert len(identifier) == 37
    assert minted.find(qname(PROTOCOL, "Status")) is not None

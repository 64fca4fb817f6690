"""The result page's XML view: every finding's location gets an anchor on the node it
names, blobs are collapsed, only what a verified signature covers is shaded, unsigned
assertions are said to be so (on a wrapping attack, with the one the signature names), and
no input — hostile or random — raises or opens a tag of its own."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree, html

from sp_sim.core.model import Status
from sp_sim.idp import faults
from sp_sim.idp.mint import Signing
from sp_sim.server import xml_view
from tests.helpers import NOW, Judge

# The only tags the view writes; anything else would have come from the message.
OWN_TAGS = {"pre", "span", "details", "summary"}
TAG = re.compile(r"<\s*/?\s*([a-zA-Z][^\s/>]*)")


def _tags(text: str) -> set[str]:
    return {m.group(1).lower() for m in TAG.finditer(text)}


def _tree(view: xml_view.XmlView) -> html.HtmlElement:
    return html.fragment_fromstring(view.html)


def _anchored(view: xml_view.XmlView, location: str) -> html.HtmlElement:
    anchor = view.anchors[location]
    (found,) = _tree(view).xpath(f"//*[@id='{anchor.anchor}']")
    return found


def test_each_location_anchors_the_node_it_names(sp_judge: Judge) -> None:
    report = sp_judge(token={"issue_instant": NOW - timedelta(hours=2)})
    failing = {f.location for f in report.findings if f.status is Status.FAIL}
    assert "/Response/Assertion/Conditions/@NotOnOrAfter" in failing
    view = xml_view.render(
        report.xml, report.signed_elements, [f.location or "" for f in report.findings]
    )

    attribute = _anchored(view, "/Response/Assertion/Conditions/@NotOnOrAfter")
    assert "attr" in attribute.classes
    assert attribute.text_content().startswith('NotOnOrAfter="')
    conditions = attribute.xpath("ancestor::span[contains(@class,'target') or @class='signed']")
    assert view.anchors["/Response/Assertion/Conditions/@NotOnOrAfter"].exact

    audience = _anchored(view, "/Response/Assertion/Conditions/AudienceRestriction/Audience")
    assert (
        audience.get("data-path") == "/Response/Assertion/Conditions/AudienceRestriction/Audience"
    )
    assert "https://us-api.mimecast.com/sso/CUSA1A1" in audience.text_content()
    assert conditions  # inside the signed Assertion's shading
    assert _anchored(view, "/Response/@Destination").text_content().startswith("Destination=")


def test_a_location_whose_node_is_absent_anchors_its_parent(sp_judge: Judge) -> None:
    report = sp_judge()  # IdP-initiated: no InResponseTo
    location = (
        "/Response/Assertion/Subject/SubjectConfirmation/SubjectConfirmationData/@InResponseTo"
    )
    view = xml_view.render(report.xml, report.signed_elements, [location])
    assert not view.anchors[location].exact
    element = _anchored(view, location)
    assert element.get("data-path", "").endswith("/SubjectConfirmationData")


def test_lxml_paths_with_prefixes_and_indexes_resolve(sp_judge: Judge) -> None:
    report = sp_judge(fault=faults.wrap("xsw3", "ceo@contoso.com"))
    location = "/samlp:Response/saml:Assertion[2]/ds:Signature"
    view = xml_view.render(report.xml, report.signed_elements, [location])
    assert _anchored(view, location).get("data-path") == "/Response/Assertion[2]/Signature"


def test_blobs_are_collapsed_and_whole_inside(sp_judge: Judge) -> None:
    report = sp_judge()
    tree = _tree(xml_view.render(report.xml, report.signed_elements))
    blobs = tree.xpath("//details[@class='blob']")
    assert len(blobs) >= 3  # DigestValue, SignatureValue, X509Certificate
    summaries = [b.find("summary").text_content() for b in blobs]
    assert all("characters)" in s for s in summaries)
    certificate = etree.fromstring(report.xml or b"").findtext(
        ".//{http://www.w3.org/2000/09/xmldsig#}X509Certificate"
    )
    assert certificate
    assert any(certificate.strip() in b.text_content() for b in blobs)


def test_only_the_verified_assertion_is_shaded_and_the_rest_marked_unsigned(
    sp_judge: Judge,
) -> None:
    report = sp_judge()
    assert report.signed_elements == ("Assertion",)
    view = xml_view.render(report.xml, report.signed_elements)
    tree = _tree(view)
    (signed,) = tree.xpath("//span[@class='signed']")
    assert signed.text_content().lstrip().startswith("<Assertion")
    marked = tree.xpath("//span[@class='unsigned']")
    assert marked
    assert not any(m.xpath("ancestor::span[@class='signed']") for m in marked)
    # the Response's own start tag, its Issuer and Status: the siblings of the signed part
    assert len(marked) == 3
    assert view.notes == ()


@pytest.mark.parametrize("variant", ["xsw3", "xsw4", "xsw7", "same-id", "xsw1"])
def test_a_wrapping_attack_says_which_assertion_is_unsigned(sp_judge: Judge, variant: str) -> None:
    token = {"signing": Signing.RESPONSE} if variant == "xsw1" else {}
    report = sp_judge(token=token, fault=faults.wrap(variant, "ceo@contoso.com"))
    assert report.signed_elements == ()
    view = xml_view.render(report.xml, report.signed_elements)
    tree = _tree(view)
    assert not tree.xpath("//span[@class='signed']")  # nothing verified: nothing green
    assert view.notes[0] == "No verified signature covers any part of this message."
    evil = [n for n in view.notes if "'ceo@contoso.com'" in n.replace("&#x27;", "'")]
    assert len(evil) == 1
    assert "is not covered by any verified signature" in evil[0]
    if variant in ("xsw3", "xsw4", "xsw7"):
        assert "the one the signature at" in evil[0]
        assert "B.Simon@contoso.com" in evil[0]
    inline = [m.text_content() for m in tree.xpath("//span[contains(@class,'unsigned')]")]
    assert sum("this Assertion is not covered" in m for m in inline) == 2


def test_a_comment_inside_signed_content_is_said_to_be_unsigned(sp_judge: Judge) -> None:
    report = sp_judge(fault=faults.comment_in_name_id("@"))
    assert "Assertion" in report.signed_elements
    tree = _tree(xml_view.render(report.xml, report.signed_elements))
    (comment,) = tree.xpath("//span[@class='signed']//span[@class='unsigned']")
    assert "comments" in comment.text_content()


def test_a_large_message_is_cut_with_a_note() -> None:
    xml = b"<r>" + b"<a x='1'>text</a>" * (xml_view.MAX_NODES + 50) + b"</r>"
    view = xml_view.render(xml)
    assert any("too large to show whole" in n for n in view.notes)
    assert view.html.count("&lt;</span><span class=t>a</span>") <= xml_view.MAX_NODES
    long_text = b"<r>" + b"x" * (xml_view.MAX_TEXT + 10) + b"</r>"
    assert len(xml_view.render(long_text).html) < xml_view.MAX_TEXT


def test_unparsable_bytes_are_shown_escaped_and_bounded() -> None:
    view = xml_view.render(b"<script>alert(1)</script" + b"x" * (xml_view.MAX_RAW * 2))
    assert "<script" not in view.html
    assert len(view.html) < xml_view.MAX_RAW + 100
    assert any("could not be parsed" in n for n in view.notes)


HOSTILE = st.sampled_from(
    [
        "<script>",
        "</pre>",
        "<img src=x onerror=alert(1)>",
        '"><svg onload=1>',
        "]]>",
        "-->",
        "&amp;",
        "' onmouseover='x",
        "\u202e",
        "<!--",
        "</span>",
        "javascript:",
    ]
)
TEXT = st.one_of(HOSTILE, st.text(max_size=200), st.text(alphabet="<>&\"' =/-!?", max_size=40))
NAMES = st.sampled_from(["Response", "Assertion", "Signature", "SignatureValue", "x", "script"])
NAMESPACES = st.sampled_from(
    [
        None,
        "urn:oasis:names:tc:SAML:2.0:assertion",
        "urn:oasis:names:tc:SAML:2.0:protocol",
        "http://www.w3.org/2000/09/xmldsig#",
        "urn:evil:script",
    ]
)


def _xml_safe(text: str) -> str:
    return "".join(
        c for c in text if c in "\t\n\r" or (" " <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd")
    )


@st.composite
def documents(draw: st.DrawFn, depth: int = 0) -> etree._Element:
    namespace = draw(NAMESPACES)
    name = draw(NAMES)
    element = etree.Element(name if namespace is None else f"{{{namespace}}}{name}")
    for key in draw(st.lists(st.sampled_from(["ID", "URI", "NotOnOrAfter", "onload"]), max_size=3)):
        element.set(key, _xml_safe(draw(TEXT)))
    element.text = _xml_safe(draw(TEXT))
    if depth < 4:
        for _ in range(draw(st.integers(0, 3))):
            kind = draw(st.sampled_from(["element", "comment", "pi"]))
            if kind == "element":
                child = draw(documents(depth + 1))
            elif kind == "comment":
                child = etree.Comment(_xml_safe(draw(TEXT)).replace("--", "- -").rstrip("-"))
            else:
                child = etree.ProcessingInstruction("p", _xml_safe(draw(TEXT)).replace("?>", "? >"))
            child.tail = _xml_safe(draw(TEXT))
            element.append(child)
    return element


LOCATIONS = st.lists(
    st.one_of(
        st.text(max_size=60),
        st.sampled_from(["/", "/Response/Assertion/@ID", "/*/*[2]/@URI", "/x[0]", "/x[99]/@", "@"]),
    ),
    max_size=5,
)
SIGNED = st.lists(st.sampled_from(["Response", "Assertion", "Other"]), max_size=2)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=documents(), signed=SIGNED, locations=LOCATIONS)
def test_hostile_documents_never_raise_or_open_a_tag(
    document: etree._Element, signed: list[str], locations: list[str]
) -> None:
    view = xml_view.render(etree.tostring(document), signed, locations)
    assert "<script" not in view.html.lower()
    assert _tags(view.html) <= OWN_TAGS
    for note in view.notes:
        assert "<" not in note
    for anchor in view.anchors.values():
        assert f"id={anchor.anchor}" in view.html


def test_entities_in_names_and_values_stay_escaped() -> None:
    xml = (
        b'<r xmlns:e="urn:&lt;script&gt;" e:a="&lt;script&gt;alert(1)&lt;/script&gt;">'
        b"&lt;script&gt;<!--<script>--><?x <script>?><e:b>&#60;img src=x&#62;</e:b></r>"
    )
    view = xml_view.render(xml)
    assert "<script" not in view.html.lower()
    assert _tags(view.html) <= OWN_TAGS
    assert "&lt;script&gt;" in view.html


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=400) | st.text(max_size=400).map(str.encode), signed=SIGNED)
def test_random_bytes_never_raise_or_open_a_tag(data: bytes, signed: list[str]) -> None:
    view = xml_view.render(data, signed, ["/", "/Response/@ID"])
    assert "<script" not in view.html.lower()
    assert _tags(view.html) <= OWN_TAGS

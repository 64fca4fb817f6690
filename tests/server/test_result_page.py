"""The result page renders for any message content: a consumed assertion always gets its
page. Real signed responses from the fake IdP, with nodes added outside the signed
Assertion (exclusive c14n drops comments, so the signature still verifies)."""

from __future__ import annotations

import base64

import pytest

from sp_sim.core.bindings import AutoPost
from sp_sim.server.pages import marked_xml
from tests.helpers.server import Start


def _before_assertion(form: AutoPost, insert: bytes) -> dict[str, str]:
    xml = base64.b64decode(form.fields["SAMLResponse"])
    assert xml.count(b"<Assertion ") == 1
    changed = xml.replace(b"<Assertion ", insert + b"<Assertion ", 1)
    return {**form.fields, "SAMLResponse": base64.b64encode(changed).decode()}


@pytest.mark.parametrize(
    "insert",
    [
        b"<!-- x -->",
        b"<?note before the assertion?>",
        b"<!--SPSIM-SIGNED-START--><!--SPSIM-SIGNED-END-->",  # the old marker, forged
    ],
    ids=["comment", "processing-instruction", "forged-marker"],
)
async def test_a_node_before_the_assertion_gets_a_normal_result_page(
    insert: bytes, sp_start: Start
) -> None:
    running = await sp_start()
    form = await running.idp_form()
    async with running.flows.session.post(
        form.action, data=_before_assertion(form, insert)
    ) as response:
        page = await response.text()
        assert response.status == 200, page
        assert response.headers["X-Sp-Sim-Verdict"] == "works"
    assert 'data-verdict="works"' in page
    assert page.count("<span class=signed>") == 1  # only the verified Assertion is green


@pytest.mark.parametrize(
    "xml",
    [
        b"<r><!--c--><?p q?><Assertion xmlns='urn:oasis:names:tc:SAML:2.0:assertion'/></r>",
        b"<r>" + b"<a>" * 200 + b"</a>" * 200 + b"</r>",
        b"<r>\x00</r>",
        b"<r xmlns:x='u'><x:Assertion/><!--SPSIM-x--></r>",
        "<r>caf\u00e9 \U0001f600</r>".encode(),
        b"\xff\xfe<\x00r\x00/\x00>\x00",
    ],
)
@pytest.mark.parametrize("signed", [(), ("Assertion",), ("Response",)])
def test_marking_the_signed_parts_never_raises(xml: bytes, signed: tuple[str, ...]) -> None:
    text = marked_xml(xml, signed)
    assert text.startswith("<pre ")
    assert text.endswith("</pre>")

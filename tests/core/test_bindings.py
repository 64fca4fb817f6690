"""The SAML bindings, on their own: what is encoded decodes to the same message (Redirect and
POST), the Redirect signature covers the octets as they arrived and verifies with the fake
IdP's real keys, a binding parameter twice is refused, and hostile input (bad base64, bad
DEFLATE, a deflate bomb, non-UTF-8) raises nothing but `BindingError`."""

from __future__ import annotations

import base64
import contextlib
import re
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from hypothesis import given, settings
from hypothesis import strategies as st

from sp_sim.core.bindings import (
    MAX_INFLATED,
    AutoPost,
    Binding,
    BindingError,
    Parameter,
    TooLarge,
    append_query,
    autopost,
    decode_base64,
    decode_message,
    deflate,
    encode_message,
    inflate,
    new_id,
    post_fields,
    read_autopost,
    read_post_form,
    read_redirect_query,
    redirect_query,
    redirect_signer,
    replace_message,
)
from sp_sim.core.errors import SpSimError
from sp_sim.core.xml import SignatureAlgorithm
from tests.helpers import load_key

PROPERTY = settings(max_examples=200, deadline=None, derandomize=True, database=None)
XML = b"<samlp:LogoutRequest xmlns:samlp='urn:oasis:names:tc:SAML:2.0:protocol' ID='_1'/>"
ACTIVE, ROLLOVER, ATTACKER = (load_key(n) for n in ("entra-active", "entra-rollover", "attacker"))
# Text a URL can carry: anything but lone surrogates, which have no UTF-8 form.
TEXT = st.text(st.characters(codec="utf-8"), max_size=60)
RSA_ALGORITHMS = [
    SignatureAlgorithm.RSA_SHA1,
    SignatureAlgorithm.RSA_SHA256,
    SignatureAlgorithm.RSA_SHA384,
    SignatureAlgorithm.RSA_SHA512,
]


# Round trips


@PROPERTY
@given(
    xml=st.binary(max_size=2000), relay_state=st.none() | TEXT, parameter=st.sampled_from(Parameter)
)
def test_redirect_round_trip(xml: bytes, relay_state: str | None, parameter: Parameter) -> None:
    message = read_redirect_query(redirect_query(xml, relay_state, parameter=parameter))
    assert message.parameter is parameter
    assert message.xml() == xml
    assert message.relay_state == relay_state
    assert message.sig_alg is None
    assert message.signature is None


@PROPERTY
@given(
    xml=st.binary(min_size=1, max_size=2000),
    relay_state=st.none() | TEXT,
    parameter=st.sampled_from(Parameter),
)
def test_post_round_trip(xml: bytes, relay_state: str | None, parameter: Parameter) -> None:
    fields = post_fields(xml, relay_state, parameter)
    message = read_post_form(list(fields.items()))
    assert (message.parameter, message.xml, message.relay_state) == (parameter, xml, relay_state)


@PROPERTY
@given(xml=st.binary(max_size=2000), binding=st.sampled_from(Binding))
def test_message_encoding_round_trip(xml: bytes, binding: Binding) -> None:
    assert decode_message(encode_message(xml, binding), binding) == xml


@PROPERTY
@given(action=TEXT, fields=st.dictionaries(TEXT.filter(bool), TEXT, max_size=4))
def test_autopost_page_round_trip(action: str, fields: dict[str, str]) -> None:
    """Every value is escaped: the page submits exactly the fields it was given."""
    # HTML drops control characters and NUL from attribute values; SAML fields hold none.
    printable = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\r]")
    if printable.search(action + "".join(fields) + "".join(fields.values())):
        return
    assert read_autopost(autopost(action, fields)) == AutoPost(action, fields)


def test_a_page_without_a_post_form_is_none() -> None:
    assert read_autopost("<p>Sign in failed</p>") is None
    assert read_autopost("<form method=get action=x><input type=hidden name=a></form>") is None


# The Redirect signature (Bindings §3.4.4.1)


@pytest.mark.parametrize("algorithm", RSA_ALGORITHMS)
@pytest.mark.parametrize("parameter", list(Parameter))
def test_a_signed_query_verifies_with_the_signing_certificate_only(
    algorithm: SignatureAlgorithm, parameter: Parameter
) -> None:
    query = redirect_query(XML, "relay state/é", ACTIVE, parameter, algorithm)
    message = read_redirect_query(query)
    assert message.sig_alg == algorithm.value
    assert message.signed_octets == query.partition("&Signature=")[0].encode()
    trusted = (ROLLOVER.certificate, ACTIVE.certificate)
    assert redirect_signer(message, trusted) == ACTIVE.certificate
    assert redirect_signer(message, (ROLLOVER.certificate, ATTACKER.certificate)) is None


def test_the_signed_octets_are_the_ones_that_arrived() -> None:
    """Lower-case escapes, as some senders write them: the octets as received are what the
    signature covers, never a re-encoding."""
    value = quote(encode_message(XML, Binding.REDIRECT), safe="")
    covered = re.sub("%[0-9A-F]{2}", lambda m: m.group(0).lower(), f"SAMLRequest={value}")
    covered += f"&RelayState=a%2bb&SigAlg={quote(SignatureAlgorithm.RSA_SHA256.value, safe='')}"
    signature = ACTIVE.rsa_key.sign(covered.encode(), padding.PKCS1v15(), hashes.SHA256())
    query = f"{covered}&Signature={quote(base64.b64encode(signature).decode(), safe='')}"
    message = read_redirect_query(query)
    assert message.signed_octets == covered.encode()
    assert message.relay_state == "a+b"
    assert message.xml() == XML
    assert redirect_signer(message, (ACTIVE.certificate,)) == ACTIVE.certificate
    assert redirect_query(XML, "a+b", ACTIVE).partition("&Signature=")[0] != covered


def test_a_message_changed_after_signing_no_longer_verifies() -> None:
    query = redirect_query(XML, "r", ACTIVE)
    changed = replace_message(query, b"<changed/>")
    message = read_redirect_query(changed)
    assert message.xml() == b"<changed/>"
    assert (message.relay_state, message.sig_alg) == ("r", SignatureAlgorithm.RSA_SHA256.value)
    assert changed.partition("&SigAlg=")[2] == query.partition("&SigAlg=")[2]
    assert redirect_signer(message, (ACTIVE.certificate,)) is None


@pytest.mark.parametrize(
    ("sig_alg", "signature"),
    [
        (None, "c2ln"),
        (SignatureAlgorithm.RSA_SHA256.value, None),
        (SignatureAlgorithm.RSA_SHA256.value, "%%%"),
        (SignatureAlgorithm.RSA_SHA256.value, "not base64!"),
        ("http://www.w3.org/2000/09/xmldsig#dsa-sha1", "c2ln"),
        (SignatureAlgorithm.RSA_PSS_SHA256.value, "c2ln"),
    ],
)
def test_a_signature_that_cannot_verify_is_none(sig_alg: str | None, signature: str | None) -> None:
    query = redirect_query(XML)
    if sig_alg is not None:
        query += f"&SigAlg={quote(sig_alg, safe='')}"
    if signature is not None:
        query += f"&Signature={signature}"
    assert redirect_signer(read_redirect_query(query), (ACTIVE.certificate,)) is None


# Each binding parameter once, exactly one message


@pytest.mark.parametrize(
    "extra",
    ["SAMLRequest=eA==", "RelayState=b", "SigAlg=x", "Signature=eA==", "SAMLResponse=eA=="],
)
def test_a_parameter_twice_or_both_messages_are_refused(extra: str) -> None:
    query = f"{redirect_query(XML, 'a', ACTIVE)}&{extra}"
    with pytest.raises(BindingError):
        read_redirect_query(query)
    name, _, value = extra.partition("=")
    form = [*post_fields(XML, "a").items(), ("SigAlg", "x"), ("Signature", "eA=="), (name, value)]
    with pytest.raises(BindingError):
        read_post_form(form)


@pytest.mark.parametrize("query", ["", "RelayState=a", "SAMLRequest=", "SAMLRequest", "a=b&c"])
def test_a_query_or_form_without_a_message_is_refused(query: str) -> None:
    with pytest.raises(BindingError):
        read_redirect_query(query)
    with pytest.raises(BindingError):
        read_post_form([(n, v) for n, _, v in (p.partition("=") for p in query.split("&"))])


def test_other_parameters_are_ignored() -> None:
    message = read_redirect_query(f"fault=x&{redirect_query(XML)}&user=a&fault=y")
    assert message.xml() == XML
    assert message.signed_octets == redirect_query(XML).encode()


# Hostile input: BindingError, and nothing else


@pytest.mark.parametrize(
    ("value", "binding"),
    [
        ("%%%", Binding.POST),
        ("not base64!", Binding.POST),
        ("abc", Binding.POST),
        ("%%%", Binding.REDIRECT),
        (base64.b64encode(b"not DEFLATE at all").decode(), Binding.REDIRECT),
        ("\udcff\u00e9", Binding.REDIRECT),
    ],
)
def test_undecodable_messages_raise_binding_error(value: str, binding: Binding) -> None:
    with pytest.raises(BindingError) as raised:
        decode_message(value, binding)
    assert isinstance(raised.value, SpSimError)
    assert isinstance(raised.value, ValueError)  # callers long caught ValueError


def test_a_deflate_bomb_stops_at_the_limit() -> None:
    bomb = encode_message(b"<a>" + b"x" * (8 * MAX_INFLATED) + b"</a>", Binding.REDIRECT)
    assert len(bomb) < MAX_INFLATED // 50
    with pytest.raises(TooLarge) as raised:
        decode_message(bomb, Binding.REDIRECT)
    assert raised.value.limit == MAX_INFLATED
    assert len(raised.value.head) == MAX_INFLATED
    with pytest.raises(TooLarge):
        inflate(deflate(b"x" * 1001), limit=1000)
    assert inflate(deflate(b"x" * 1000), limit=1000) == b"x" * 1000


def test_non_utf8_messages_and_escapes_are_read_as_bytes() -> None:
    xml = b"<r>\xff\xfe</r>"
    assert read_redirect_query(redirect_query(xml)).xml() == xml
    message = read_redirect_query("SAMLRequest=%FF%FE&RelayState=%FF&SigAlg=%FE&Signature=%00")
    assert message.relay_state == "\ufffd"
    with pytest.raises(BindingError):
        message.xml()
    assert redirect_signer(message, (ACTIVE.certificate,)) is None


@PROPERTY
@given(query=st.text(max_size=300))
def test_any_query_is_read_or_refused_with_binding_error(query: str) -> None:
    try:
        message = read_redirect_query(query)
    except BindingError:
        return
    with contextlib.suppress(BindingError):
        message.xml()
    assert redirect_signer(message, (ACTIVE.certificate,)) is None


@PROPERTY
@given(
    value=st.text(max_size=300)
    | st.binary(max_size=300).map(lambda b: base64.b64encode(b).decode()),
    binding=st.sampled_from(Binding),
    lenient=st.booleans(),
)
def test_any_value_decodes_or_raises_binding_error(
    value: str, binding: Binding, lenient: bool
) -> None:
    for decode in (
        lambda: decode_message(value, binding),
        lambda: decode_base64(value, lenient=lenient),
    ):
        with contextlib.suppress(BindingError):
            assert isinstance(decode(), bytes)


def test_lenient_base64_takes_what_users_paste() -> None:
    data = b"\xfb\xff<xml>"
    standard = base64.b64encode(data).decode()
    for pasted in (
        standard,
        standard.rstrip("="),
        quote(standard, safe=""),
        base64.urlsafe_b64encode(data).decode(),
        f"{standard[:4]}\n {standard[4:]}",
    ):
        assert decode_base64(pasted, lenient=True) == data
    with pytest.raises(BindingError):
        decode_base64(standard.rstrip("="))


# IDs, names, URLs


def test_new_ids_are_entra_shaped_and_never_start_with_a_digit() -> None:
    ids = {new_id() for _ in range(50)}
    assert len(ids) == 50
    guid = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
    assert all(re.fullmatch(f"_{guid}", i) for i in ids)


def test_binding_names() -> None:
    assert Binding("post") is Binding.POST
    assert Binding.REDIRECT.uri == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
    assert Binding.POST.uri == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
    assert [str(p) for p in Parameter] == ["SAMLRequest", "SAMLResponse"]


def test_append_query_keeps_the_endpoints_own_query() -> None:
    assert append_query("https://idp/saml2", "SAMLRequest=x") == "https://idp/saml2?SAMLRequest=x"
    assert append_query("https://idp/saml2?a=1", "SAMLRequest=x") == (
        "https://idp/saml2?a=1&SAMLRequest=x"
    )

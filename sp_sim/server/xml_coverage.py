"""What the XML view needs to know about a message before it draws it: which elements a
verified signature covers, where a finding's location points, and which assertions are
not covered (on a wrapping attack: which one the signature names instead).

Nothing here decides validity: coverage comes from the engine's `signed_elements` (a
verified Response or Assertion), never from what the message claims. A Reference URI is
read only to explain, in words, what a wrapping message is trying to do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from sp_sim.core.xml import ASSERTION, DSIG, PROTOCOL, qname, text_of

ASSERTION_TAG = qname(ASSERTION, "Assertion")
RESPONSE_TAG = qname(PROTOCOL, "Response")
_ADVICE_TAG = qname(ASSERTION, "Advice")
_SIGNATURE_TAG = qname(DSIG, "Signature")
_REFERENCE = f"{qname(DSIG, 'SignedInfo')}/{qname(DSIG, 'Reference')}"
_NAMEID = f"{qname(ASSERTION, 'Subject')}/{qname(ASSERTION, 'NameID')}"
MAX_DESCRIBED = 20
"""Unsigned assertions described in full (path, NameID, what the signature names instead);
the rest by number: a message of thousands would cost seconds on the event loop."""


def local_name(element: etree._Element) -> str:
    return etree.QName(element).localname


def is_element(node: object) -> bool:
    """An element, not a comment, processing instruction or entity."""
    return isinstance(node, etree._Element) and isinstance(node.tag, str)


def covered_elements(root: etree._Element, signed: Iterable[str]) -> set[etree._Element]:
    """The elements a verified signature covers: the whole Response when it verified; the
    one Assertion directly under it when that verified. With anything else (several
    assertions, none where the engine found one) nothing is marked, so no green can ever
    stand on content no signature covers."""
    names = set(signed)
    top: etree._Element | None = None
    if "Response" in names and root.tag == RESPONSE_TAG:
        top = root
    elif "Assertion" in names:
        direct = list(root.iterchildren(ASSERTION_TAG))
        if len(direct) == 1 and len(readable_assertions(root)) == 1:
            top = direct[0]
    if top is None:
        return set()
    return {e for e in top.iter() if is_element(e)}


def readable_assertions(root: etree._Element) -> list[etree._Element]:
    """Every Assertion a reader could take as the message's (those inside Advice aside)."""
    return [
        a
        for a in root.iter(ASSERTION_TAG)
        if not any(p.tag == _ADVICE_TAG for p in a.iterancestors())
    ]


def readable_path(element: etree._Element) -> str:
    """`/Response/Assertion[2]/Subject`: local names, an index only where siblings share one."""
    steps = []
    node: etree._Element | None = element
    while node is not None:
        name = local_name(node)
        parent = node.getparent()
        same = [] if parent is None else [c for c in parent if is_element(c) and c.tag == node.tag]
        steps.append(f"{name}[{same.index(node) + 1}]" if len(same) > 1 else name)
        node = parent
    return "/" + "/".join(reversed(steps))


@dataclass(frozen=True)
class Target:
    """Where one finding's location points: the element, and the attribute when it names
    one that is there. `exact` is False when the named node is absent and its nearest
    ancestor stands in."""

    element: etree._Element
    attribute: str | None
    exact: bool


def _step(step: str) -> tuple[str, int | None]:
    name, _, index = step.partition("[")
    local = name.rpartition(":")[2]
    number = index.rstrip("]")
    return local, int(number) if number.isdigit() else None


def resolve(root: etree._Element, location: str, covered: set[etree._Element]) -> Target:
    """The node a location such as `/Response/Assertion/Conditions/@NotOnOrAfter` (or an
    lxml path such as `/samlp:Response/saml:Assertion[2]`) names. A step without an index
    takes the covered element when one is (the checks read the signed one), else the first."""
    path, _, attribute = location.partition("@")
    steps = [s for s in path.split("/") if s]
    node = root
    exact = not steps or _step(steps[0])[0] in ("*", local_name(root))
    for step in steps[1:] if exact else ():
        local, index = _step(step)
        children = [c for c in node if is_element(c) and local in ("*", local_name(c))]
        if index is not None:
            children = children[index - 1 : index] if index > 0 else []
        if not children:
            exact = False
            break
        node = next((c for c in children if c in covered), children[0])
    name = _attribute_named(node, attribute) if attribute and exact else None
    return Target(node, name, exact and (not attribute or name is not None))


def _attribute_named(element: etree._Element, wanted: str) -> str | None:
    """The attribute's key as lxml holds it (`{ns}local` for a namespaced one)."""
    local = wanted.rpartition(":")[2]
    if local in element.attrib:
        return local
    return next((str(k) for k in element.attrib if etree.QName(k).localname == local), None)


def _references(root: etree._Element) -> list[tuple[etree._Element, str]]:
    """(Signature, Reference URI) for every Signature in the message."""
    found = []
    for signature in root.iter(_SIGNATURE_TAG):
        for reference in signature.iterfind(_REFERENCE):
            found.append((signature, reference.get("URI") or ""))
    return found


def _describe(element: etree._Element, assertions: list[etree._Element]) -> str:
    if element in assertions:
        name_id = text_of(element.find(_NAMEID)) or "none"
        return (
            f"Assertion {assertions.index(element) + 1} of {len(assertions)} "
            f"(ID {element.get('ID')!r}, NameID {name_id!r}, at {readable_path(element)})"
        )
    inside = [a for a in assertions if element in a.iterancestors()]
    holding = (
        f", which holds Assertion {assertions.index(inside[0]) + 1} of {len(assertions)}"
        if inside
        else ""
    )
    return (
        f"the {local_name(element)} at {readable_path(element)} (ID {element.get('ID')!r}){holding}"
    )


@dataclass(frozen=True)
class Unsigned:
    """An Assertion no verified signature covers: which one (`which`) and why (`why`, a
    clause that follows "is not covered by any verified signature")."""

    which: str
    why: str

    @property
    def inline(self) -> str:
        return f"this Assertion is not covered by any verified signature{self.why}."

    @property
    def sentence(self) -> str:
        which = self.which[:1].upper() + self.which[1:]
        return f"{which} is not covered by any verified signature{self.why}."


def unsigned_assertions(
    root: etree._Element, covered: set[etree._Element]
) -> dict[etree._Element, Unsigned]:
    """Each readable Assertion no verified signature covers, and why; when there are
    several (a wrapping shape), which element the signature names instead."""
    assertions = readable_assertions(root)
    by_id: dict[str, list[etree._Element]] = {}
    for element in root.iter():
        if is_element(element) and element.get("ID"):
            by_id.setdefault(str(element.get("ID")), []).append(element)
    referenced = [
        (signature, uri, by_id.get(uri[1:], []))
        for signature, uri in _references(root)
        if uri.startswith("#")
    ]
    found: dict[etree._Element, Unsigned] = {}
    several = (
        ". sp-sim verified no signature in this message: it refuses a message "
        f"with {len(assertions)} assertions before reading any"
        if len(assertions) > 1 and not covered
        else ""
    )
    for number, assertion in enumerate(assertions, 1):
        if assertion in covered:
            continue
        if len(found) >= MAX_DESCRIBED:  # by number only: describing scans its siblings
            found[assertion] = Unsigned(f"Assertion {number} of {len(assertions)}", several)
            continue
        names_this = [s for s, _, targets in referenced if assertion in targets]
        others = [(s, t[0]) for s, _, t in referenced if len(t) == 1 and assertion not in t]
        dangling = [uri for _, uri, targets in referenced if not targets]
        shared = by_id.get(str(assertion.get("ID")), [])
        why = ""
        if names_this and len(shared) > 1:
            why = (
                f"; {len(shared)} elements carry its ID {assertion.get('ID')!r}, so the "
                "signature's Reference cannot say which of them it covers"
            )
        elif names_this:
            why = "; a signature references it, but none over it verified"
        elif others:
            signature, target = others[0]
            why = (
                f"; the one the signature at {readable_path(signature)} references is "
                f"{_describe(target, assertions)}"
            )
        elif dangling:
            why = f"; the signature references {dangling[0]!r}, which no element carries"
        why += several
        found[assertion] = Unsigned(_describe(assertion, assertions), why)
    return found

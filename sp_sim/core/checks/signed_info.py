"""What an XML signature's SignedInfo says, read once: the Reference it makes, the digest
and signature algorithms in their slots, the transforms and the c14n prefix lists. Both
verifiers (python-xmlsec's and the restricted-shape one) and the failure explanations read
this one value."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from sp_sim.core.xml import DSIG, qname, text_of

EXC_C14N_NS = "http://www.w3.org/2001/10/xml-exc-c14n#"
_INCLUSIVE = f"{{{EXC_C14N_NS}}}InclusiveNamespaces"


@dataclass(frozen=True)
class SignedInfo:
    """One signature's SignedInfo. Algorithm slots hold the URI as written ('' when absent)."""

    reference_uri: str | None
    references: int
    signature_method: str
    digest_method: str
    digest_value: str
    transforms: tuple[str, ...]
    c14n_method: str
    inclusive_prefixes: tuple[str, ...]
    """The PrefixList of the Reference's exclusive-c14n transform."""
    signed_info_prefixes: bool = False
    """Whether SignedInfo's own CanonicalizationMethod carries a PrefixList."""


def _algorithm(parent: etree._Element | None, tag: str) -> str:
    found = None if parent is None else parent.find(qname(DSIG, tag))
    return "" if found is None else found.get("Algorithm", "")


def read_signed_info(signature: etree._Element) -> SignedInfo:
    """Read a ds:Signature's SignedInfo; never raises on content."""
    info = signature.find(qname(DSIG, "SignedInfo"))
    references = [] if info is None else info.findall(qname(DSIG, "Reference"))
    reference = references[0] if references else None
    transforms: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    digest_value = ""
    if reference is not None:
        transforms = tuple(t.get("Algorithm", "") for t in reference.iter(qname(DSIG, "Transform")))
        for element in reference.iter(_INCLUSIVE):
            prefixes = tuple(element.get("PrefixList", "").split())
        digest_value = "".join((text_of(reference.find(qname(DSIG, "DigestValue"))) or "").split())
    own_prefixes = None
    if info is not None:
        own_prefixes = info.find(f"{qname(DSIG, 'CanonicalizationMethod')}/{_INCLUSIVE}")
    return SignedInfo(
        reference_uri=None if reference is None else reference.get("URI"),
        references=len(references),
        signature_method=_algorithm(info, "SignatureMethod"),
        digest_method=_algorithm(reference, "DigestMethod"),
        digest_value=digest_value,
        transforms=transforms,
        c14n_method=_algorithm(info, "CanonicalizationMethod"),
        inclusive_prefixes=prefixes,
        signed_info_prefixes=own_prefixes is not None,
    )

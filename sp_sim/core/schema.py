"""SAML 2.0 schema conformance: the OASIS protocol and assertion schemas (with the
XML-DSig and XML-Encryption schemas they import), compiled once at import with lxml
(and once more per worker thread, since a validator keeps its error log on itself).

The schema files in `schemas/` are the OASIS and W3C originals as python3-saml ships
them (no DTD). Validation reads the document as received; it decides nothing else.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from importlib.resources import as_file, files
from typing import Any

from lxml import etree

from sp_sim.core.xml import ASSERTION, DSIG, PROTOCOL, XENC


def _compile() -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    with as_file(files("sp_sim.core") / "schemas" / "saml-schema-protocol-2.0.xsd") as path:
        return etree.XMLSchema(etree.parse(str(path), parser))


_SCHEMA = _compile()
_PER_THREAD = threading.local()
_UNEXPECTED = re.compile(r"^Element '\{([^}]*)\}([^']*)': This element is not expected")
SAML_FAMILY = (ASSERTION, PROTOCOL, DSIG, XENC)


@dataclass(frozen=True)
class SchemaError:
    """One violation: the element it concerns (Clark name, when known) and libxml2's words."""

    message: str
    line: int
    foreign_element: str | None
    """Set when the violation is an element from a namespace SAML does not allow there."""


def schema_errors(root: etree._Element) -> list[SchemaError]:
    """Every schema violation of the document, in document order (empty when it conforms)."""
    # A validator keeps its error log on itself: one per thread (the server checks in a pool).
    validator: etree.XMLSchema | None = getattr(_PER_THREAD, "schema", None)
    if validator is None:
        validator = _SCHEMA if threading.current_thread() is threading.main_thread() else _compile()
        _PER_THREAD.schema = validator
    if validator.validate(root):
        return []
    found = []
    entries: Any = validator.error_log  # lxml-stubs lack _ErrorLog.__iter__
    for entry in entries:
        unexpected = _UNEXPECTED.match(entry.message)
        foreign = None
        if unexpected and unexpected.group(1) not in SAML_FAMILY:
            foreign = f"{{{unexpected.group(1)}}}{unexpected.group(2)}"
        found.append(SchemaError(entry.message, entry.line, foreign))
    return found

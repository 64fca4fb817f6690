"""Small tree helpers for tests that mutate signed responses."""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

Mutate = Callable[[etree._Element], None]


def first(root: etree._Element, path: str) -> etree._Element:
    """The element at `path` (Clark names), which the test needs to exist."""
    found = root.find(path)
    assert found is not None, path
    return found


def after_signing(mutate: Mutate) -> Callable[[etree._Element], bytes]:
    """A fault that changes the signed tree (so the signature no longer covers it)."""

    def fault(response: etree._Element) -> bytes:
        mutate(response)
        return etree.tostring(response)

    return fault


def set_on(path: str, name: str, value: str) -> Mutate:
    """A mutation that sets one attribute of the element at `path`."""
    return lambda response: first(response, path).set(name, value)

"""The message as the result page shows it: syntax-highlighted, long blobs collapsed, the
part a verified signature covers shaded, uncovered parts marked "unsigned", and each
finding's location given an anchor that its row links to.

The HTML is built here from the parsed tree, node by node, and every string from the
message goes through `html.escape`: a message cannot open a tag of its own. The view is
bounded (`MAX_NODES`, `MAX_TEXT`, `MAX_DEPTH`); beyond that it is cut, with a note.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html import escape

from lxml import etree

from sp_sim.core.xml import UnsafeXML, parse_untrusted
from sp_sim.server.xml_coverage import (
    MAX_DESCRIBED,
    Target,
    covered_elements,
    is_element,
    local_name,
    readable_path,
    resolve,
    unsigned_assertions,
)

MAX_NODES = 4000
MAX_TEXT = 400_000
MAX_DEPTH = 64
MAX_RAW = 65_536
LONG_TEXT = 120
BLOBS = frozenset({"SignatureValue", "X509Certificate", "DigestValue", "CipherValue"})
_INDENT = "  "
_PRE = '<pre tabindex=0 aria-label="the message, as received">'
"""The view's scrollable block: focusable, so a keyboard can scroll it (WCAG 2.1.1)."""

STYLE = """
pre{line-height:1.45}pre .t{color:#0550ae}pre .a{color:#8250df}pre .v{color:#0a3069}
pre .c{color:#6e7781;font-style:italic}pre .p{color:#953800}
pre details.blob{display:inline-block;vertical-align:top}
pre details.blob summary{display:inline;cursor:pointer;
color:#57606a;text-decoration:underline dotted}pre details.blob[open] summary{display:none}
.unsigned{display:inline-block;margin-right:6px;padding:0 6px;border-radius:3px;
background:#fff0f0;color:#a40e26;border:1px solid #cf222e;font-size:11px;font-weight:700;
white-space:normal;user-select:none;font-family:system-ui,Segoe UI,Arial,sans-serif}
pre .target:target,pre .attr:target{background:#fff3b0;outline:2px solid #d4a72c}
.unsigned.note{max-width:90ch;margin:2px 0;vertical-align:top}
.xml-notes li{margin:4px 0}
"""


@dataclass(frozen=True)
class Anchor:
    """The link a finding's row gets: the id in the view, a short label, and whether the
    node the location names is there (False: its nearest ancestor is shown instead)."""

    anchor: str
    label: str
    exact: bool


@dataclass(frozen=True)
class XmlView:
    """The drawn message (`html`, a `<pre>`), notes to show above it (escaped HTML), and
    an anchor for each location that could be placed."""

    html: str
    notes: tuple[str, ...] = ()
    anchors: Mapping[str, Anchor] = field(default_factory=dict)


def render(
    xml: bytes | None,
    signed: Iterable[str] = (),
    locations: Iterable[str] = (),
    *,
    mark_unsigned: bool = True,
) -> XmlView:
    """Draw `xml`; `signed`: the engine's verified elements ("Response", "Assertion").
    Whatever the bytes hold, this does not raise."""
    if not xml:
        return XmlView(f"{_PRE}(nothing decoded)</pre>")
    try:
        root = parse_untrusted(xml)
        return _Drawing(root, set(signed), tuple(locations), mark_unsigned).view()
    except (UnsafeXML, etree.LxmlError, ValueError, TypeError, RecursionError):
        return _raw(xml)


def _raw(xml: bytes) -> XmlView:
    text = escape(xml[:MAX_RAW].decode("utf-8", "replace"))
    notes: tuple[str, ...] = ("The message could not be parsed as XML, so it is shown as text.",)
    if len(xml) > MAX_RAW:
        notes += (f"Only its first {MAX_RAW:,} of {len(xml):,} bytes are shown.",)
    return XmlView(f"{_PRE}{text}</pre>", notes)


def _label(location: str) -> str:
    steps = [s for s in location.split("/") if s]
    return "/".join(steps[-2:]) or "the whole message"


class _Drawing:
    """One rendering: the anchors placed, the budget spent."""

    def __init__(
        self, root: etree._Element, signed: set[str], locations: tuple[str, ...], mark: bool
    ) -> None:
        self.root = root
        self.covered = covered_elements(root, signed)
        # Parents with a covered child, so that no element scans its siblings (quadratic
        # on a message of many siblings, drawn on the event loop).
        self.beside_covered = {p for e in self.covered if (p := e.getparent()) is not None}
        self.mark = mark
        self.unsigned = unsigned_assertions(root, self.covered) if mark else {}
        self.element_ids: dict[etree._Element, str] = {}
        self.attribute_ids: dict[tuple[etree._Element, str], str] = {}
        self.anchors: dict[str, Anchor] = {}
        for location in dict.fromkeys(locations):
            self.anchors[location] = self._place(resolve(root, location, self.covered), location)
        self.nodes = 0
        self.text = 0
        self.cut = False
        self.out: list[str] = []

    def _place(self, target: Target, location: str) -> Anchor:
        if target.attribute is not None:
            key = (target.element, target.attribute)
            anchor = self.attribute_ids.setdefault(key, f"xml-{self._count()}")
        else:
            anchor = self.element_ids.setdefault(target.element, f"xml-{self._count()}")
        return Anchor(anchor, _label(location), target.exact)

    def _count(self) -> int:
        return len(self.element_ids) + len(self.attribute_ids) + 1

    def view(self) -> XmlView:
        self._element(self.root, 0, parent_covered=False)
        if self.cut:
            self.out.append("<span class=c>… (the rest is not shown)</span>\n")
        unsigned = list(self.unsigned.values())
        notes = [escape(u.sentence) for u in unsigned[:MAX_DESCRIBED]]
        if len(unsigned) > MAX_DESCRIBED:
            notes.append(
                f"{len(unsigned) - MAX_DESCRIBED:,} more assertions are not covered by any "
                "verified signature."
            )
        if self.mark and not self.covered:
            notes.insert(0, "No verified signature covers any part of this message.")
        if self.cut:
            notes.append(
                f"The message is too large to show whole: the view stops after {MAX_NODES:,} "
                f"nodes or {MAX_TEXT:,} characters of text (the JSON report has every finding)."
            )
        return XmlView(f"{_PRE}{''.join(self.out)}</pre>", tuple(notes), self.anchors)

    def _spend(self, nodes: int = 1, text: int = 0) -> bool:
        self.nodes += nodes
        self.text += text
        if self.nodes > MAX_NODES or self.text > MAX_TEXT:
            self.cut = True
        return not self.cut

    def _element(self, element: etree._Element, depth: int, parent_covered: bool) -> None:
        if not self._spend():
            return
        pad = _INDENT * depth
        if depth > MAX_DEPTH:
            self.cut = True
            self.out.append(f"{pad}<span class=c>… (nested deeper than {MAX_DEPTH})</span>\n")
            return
        covered = element in self.covered
        opened = []
        if covered and not parent_covered:
            opened.append("<span class=signed>")
        anchor = self.element_ids.get(element)
        if anchor is not None:
            path = escape(readable_path(element), quote=True)
            opened.append(f'<span class=target id={anchor} data-path="{path}">')
        self.out.extend(opened)
        children = list(element)
        text = (element.text or "").strip()
        start = self._start_tag(element)
        marker = self._marker(element, covered, parent_covered)
        if not children:
            body = self._text(element, text) if text else ""
            end = "" if not text else f"<span class=p>&lt;/</span>{self._name(element)}"
            close = f"{end}<span class=p>&gt;</span>" if text else ""
            tag = start + ("<span class=p>&gt;</span>" if text else "<span class=p>/&gt;</span>")
            self.out.append(f"{pad}{marker}{tag}{body}{close}\n")
        else:
            self.out.append(f"{pad}{marker}{start}<span class=p>&gt;</span>\n")
            if text:
                self.out.append(f"{pad}{_INDENT}{self._text(element, text)}\n")
            for child in children:
                self._node(child, depth + 1, covered)
                tail = (child.tail or "").strip()
                if tail and self._spend(text=len(tail)):
                    self.out.append(f"{pad}{_INDENT}{self._text(element, tail)}\n")
            self.out.append(
                f"{pad}<span class=p>&lt;/</span>{self._name(element)}<span class=p>&gt;</span>\n"
            )
        self.out.extend("</span>" for _ in opened)

    def _node(self, node: etree._Element, depth: int, parent_covered: bool) -> None:
        if is_element(node):
            self._element(node, depth, parent_covered)
            return
        if not self._spend(text=len(str(node.text or ""))):
            return
        pad = _INDENT * depth
        if isinstance(node, etree._Comment):
            note = (
                "<span class=unsigned>not signed: canonicalization drops comments</span>"
                if parent_covered and self.mark
                else ""
            )
            text = escape(str(node.text or ""))
            self.out.append(f"{pad}<span class=c>&lt;!--{text}--&gt;</span>{note}\n")
        elif isinstance(node, etree._ProcessingInstruction):
            text = escape(f"{node.target!s} {node.text or ''}".strip())
            self.out.append(f"{pad}<span class=c>&lt;?{text}?&gt;</span>\n")

    def _marker(self, element: etree._Element, covered: bool, parent_covered: bool) -> str:
        if not self.mark or covered:
            return ""
        unsigned = self.unsigned.get(element)
        if unsigned is not None:  # a line of its own, above the element
            words = f"unsigned: {escape(unsigned.inline)}"
            return f"<span class='unsigned note'>{words}</span>\n{_INDENT * self._depth(element)}"
        parent = element.getparent()
        beside_signed = parent in self.beside_covered
        if parent is None or parent_covered or beside_signed:
            return "<span class=unsigned>unsigned</span> "
        return ""

    @staticmethod
    def _depth(element: etree._Element) -> int:
        return sum(1 for _ in element.iterancestors())

    def _name(self, element: etree._Element) -> str:
        prefix = f"{element.prefix}:" if element.prefix else ""
        return f"<span class=t>{escape(prefix + local_name(element))}</span>"

    def _start_tag(self, element: etree._Element) -> str:
        parts = [f"<span class=p>&lt;</span>{self._name(element)}"]
        parent = element.getparent()
        inherited = {} if parent is None else parent.nsmap
        for prefix, uri in element.nsmap.items():
            if inherited.get(prefix) != uri:
                name = f"xmlns:{prefix}" if prefix else "xmlns"
                parts.append(self._attribute(name, uri, None))
        for key, value in element.attrib.items():
            anchor = self.attribute_ids.get((element, str(key)))
            name = self._attribute_name(element, str(key))
            parts.append(self._attribute(name, str(value), anchor))
        return " ".join(parts)

    def _attribute(self, name: str, value: str, anchor: str | None) -> str:
        if not self._spend(text=len(value)):
            shown = escape(value[:LONG_TEXT]) + ("…" if len(value) > LONG_TEXT else "")
        else:
            shown = self._short(value, "v") if len(value) > LONG_TEXT else escape(value)
        text = f'<span class=a>{escape(name)}</span>=<span class=v>"{shown}"</span>'
        return f"<span class=attr id={anchor}>{text}</span>" if anchor else text

    @staticmethod
    def _attribute_name(element: etree._Element, key: str) -> str:
        qualified = etree.QName(key)
        if qualified.namespace is None:
            return key
        if qualified.namespace == "http://www.w3.org/XML/1998/namespace":
            return f"xml:{qualified.localname}"
        prefix = next((p for p, u in element.nsmap.items() if u == qualified.namespace), None)
        return f"{prefix}:{qualified.localname}" if prefix else key

    def _text(self, element: etree._Element, text: str) -> str:
        if not self._spend(text=len(text)):
            return escape(text[:LONG_TEXT]) + ("…" if len(text) > LONG_TEXT else "")
        if len(text) > LONG_TEXT or local_name(element) in BLOBS:
            return self._short(text, "x")
        return f"<span class=x>{escape(text)}</span>"

    @staticmethod
    def _short(text: str, css: str) -> str:
        """A long value collapsed: its start, its length, the whole on a click."""
        head = escape(text[:24])
        return (
            f"<details class=blob><summary>{head}… ({len(text):,} characters)</summary>"
            f"<span class={css}>{escape(text)}</span></details>"
        )

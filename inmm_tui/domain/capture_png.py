"""A PNG copy of an evidence capture, drawn from the capture's own SVG.

The capture is SVG written by Rich's `Console.export_svg` (`evidence.render_svg`): a
window of rectangles and `<text>` runs, each run at a fixed cell position with a class
that names its colour and weight. Those few shapes are all this draws, with Pillow, at the
positions and colours the SVG gives: the PNG shows what the SVG shows, laid out as it is,
without a general SVG renderer (cairo, resvg) and the compiled libraries and fonts they
need. The SVG stays the evidence (its hash is in the audit log); the PNG is a copy for
people and tools that cannot open an SVG.

The text is drawn with DejaVu Sans Mono when the machine has it, else Pillow's own font;
a character neither font has (emoji, most CJK) shows as a box. The SVG is parsed with the
standard library, which expands no external entity; it is ours, written at capture, and
a capture edited in the database fails verification before anyone relies on its copy.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ElementTree

from inmm_tui.outside_text import printable

SVG = "{http://www.w3.org/2000/svg}"
FONT_SIZE = 20  # the size Rich's export uses for the terminal text
TITLE_SIZE = 18
_CLASS_STYLE = re.compile(r"\.([\w-]+)\s*\{\s*fill:\s*(#[0-9a-fA-F]{6})\s*(;\s*font-weight:\s*bold)?")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 does not allow in a document."""
_TRANSLATE = re.compile(r"translate\(\s*([-\d.]+)\s*,\s*([-\d.]+)\s*\)")


class NotACapture(ValueError):
    """The SVG is not one Rich wrote (nothing here knows how to draw it)."""


def render_png(svg: str) -> bytes:
    """The capture `svg` drawn as a PNG image, the size of its view box."""
    from PIL import Image, ImageDraw

    # Captures made before control characters were made visible in them hold them raw,
    # which XML forbids: shown as every screen shows them.
    svg = _NOT_XML.sub(lambda found: printable(found.group()), svg)
    try:
        root = ElementTree.fromstring(svg)
    except ElementTree.ParseError as exc:
        raise NotACapture(f"the capture is not well-formed SVG: {exc}") from None
    box = [float(v) for v in (root.get("viewBox") or "").split()]
    if root.tag != f"{SVG}svg" or len(box) != 4:
        raise NotACapture("the capture has no SVG view box")
    width, height = int(box[2] + 0.5), int(box[3] + 0.5)
    styles = _styles(root)
    image = Image.new("RGB", (width, height), "#ffffff")
    draw = ImageDraw.Draw(image)
    regular, bold, title_font = _font(FONT_SIZE), _font(FONT_SIZE, bold=True), _font(TITLE_SIZE)
    _draw_group(draw, root, (0.0, 0.0), styles, regular, bold, title_font)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _styles(root: ElementTree.Element) -> dict[str, tuple[str, bool]]:
    """CSS class -> (fill colour, bold), from the SVG's <style>."""
    css = "".join(style.text or "" for style in root.iter(f"{SVG}style"))
    return {name: (colour, bool(weight)) for name, colour, weight in _CLASS_STYLE.findall(css)}


def _draw_group(draw, group: ElementTree.Element, origin: tuple[float, float],  # type: ignore[no-untyped-def]
                styles: dict[str, tuple[str, bool]], regular, bold, title_font) -> None:
    ox, oy = origin
    for element in group:
        tag = element.tag.removeprefix(SVG)
        if tag == "g":
            moved = _TRANSLATE.search(element.get("transform") or "")
            dx, dy = (float(moved.group(1)), float(moved.group(2))) if moved else (0.0, 0.0)
            _draw_group(draw, element, (ox + dx, oy + dy), styles, regular, bold, title_font)
        elif tag == "rect" and element.get("fill"):
            x, y = ox + _num(element, "x"), oy + _num(element, "y")
            draw.rectangle((x, y, x + _num(element, "width"), y + _num(element, "height")),
                           fill=element.get("fill"))
        elif tag == "circle":
            cx, cy, r = ox + _num(element, "cx"), oy + _num(element, "cy"), _num(element, "r")
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=element.get("fill"))
        elif tag == "text":
            _draw_text(draw, element, ox, oy, styles, regular, bold, title_font)


def _draw_text(draw, element: ElementTree.Element, ox: float, oy: float,  # type: ignore[no-untyped-def]
               styles: dict[str, tuple[str, bool]], regular, bold, title_font) -> None:
    text = (element.text or "").replace("\u00a0", " ").rstrip("\n")
    if not text.strip():
        return
    css = element.get("class") or ""
    colour, heavy = styles.get(css, (element.get("fill") or "#c5c8c6", False))
    x, y = ox + _num(element, "x"), oy + _num(element, "y")
    if css.endswith("-title"):
        draw.text((x, y), text, fill=element.get("fill") or colour, font=title_font,
                  anchor="ms")
        return
    draw.text((x, y), text, fill=colour, font=bold if heavy else regular, anchor="ls")


def _num(element: ElementTree.Element, name: str) -> float:
    try:
        return float(element.get(name) or 0)
    except ValueError:
        return 0.0


def _font(size: int, *, bold: bool = False):  # type: ignore[no-untyped-def]
    from PIL import ImageFont

    name = "DejaVuSansMono-Bold.ttf" if bold else "DejaVuSansMono.ttf"
    try:
        return ImageFont.truetype(name, size)  # Pillow looks in the system's font folders
    except OSError:
        return ImageFont.load_default(size)

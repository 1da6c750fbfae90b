"""What the clearer sees of an attached file: what it is (type, dimensions, size), its alt
text, and a preview drawn in the terminal with half blocks (each cell `▀`, its upper
half one pixel in the foreground colour, its lower half the next in the background), so
that it shows in any terminal with colour. A video has no preview here (its first frame
would need a decoder we do not ship): the clearer is told so."""

from __future__ import annotations

from rich.color import Color
from rich.style import Style
from rich.text import Text

from inmm_tui.domain.media import MediaItem
from inmm_tui.ui.text import outside

PREVIEW_COLUMNS = 40
PREVIEW_ROWS = 12


def half_blocks(path: str, columns: int = PREVIEW_COLUMNS, rows: int = PREVIEW_ROWS) -> Text:
    """The image at `path` in at most `columns` by `rows` cells; a note if it cannot be read."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            picture = image.convert("RGB")  # an animation: its first frame
    except (OSError, ValueError) as exc:
        return Text(f"(no preview: {exc})", style="dim")
    width, height = picture.size
    scale = min(columns / width, rows * 2 / height, 1.0)
    cols = max(1, round(width * scale))
    pixel_rows = max(2, round(height * scale))
    pixel_rows += pixel_rows % 2
    small = picture.resize((cols, pixel_rows))
    out = Text()
    for y in range(0, pixel_rows, 2):
        for x in range(cols):
            top = small.getpixel((x, y))
            bottom = small.getpixel((x, y + 1))
            out.append("▀", Style(color=Color.from_rgb(*top[:3]),  # type: ignore[index]
                                  bgcolor=Color.from_rgb(*bottom[:3])))  # type: ignore[index]
        out.append("\n")
    return out


def preview(item: MediaItem) -> Text:
    """The preview of one file (read from its stored, stripped copy)."""
    if item.mime.startswith("video/"):
        return Text("(video: no preview in the terminal; open the file to watch it: "
                    f"{item.path})\n", style="dim")
    return half_blocks(item.path)


def describe_files(items: list[MediaItem], previews: list[Text]) -> Text:
    """Each file, its alt text and its preview, for the clearance screen."""
    out = Text()
    if not items:
        return out
    out.append("\nFiles (cleared with their exact bytes and alt texts)\n", style="bold")
    for number, (item, shown) in enumerate(zip(items, previews, strict=True), start=1):
        out.append(f"{number}. ", style="bold")
        out.append_text(outside(item.describe()))
        out.append("\n   Alt: ", style="bold dim")
        out.append_text(outside(item.alt, multiline=False) if item.alt.strip()
                        else Text("MISSING", style="bold red underline"))
        out.append("\n")
        out.append_text(shown)
    return out

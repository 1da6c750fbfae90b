"""A DataTable that also moves with j/k, as people who live in terminals expect, and
that draws every cell literally."""

from __future__ import annotations

from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.widgets import DataTable
from textual.widgets.data_table import CellType, ColumnKey, RowKey

from inmm_tui.ui.text import outside

CELL_LIMIT = 500
"""Characters kept of one cell: a column is at most a screen wide, and a 100,000-character
name must not be measured at every redraw."""


class ListTable(DataTable):
    """Give every column a width: auto-sized columns are measured on idle, after the
    first render, which makes the layout (and the snapshot tests) depend on timing.

    A plain DataTable reads a `str` cell as markup: a follower named `[/]` crashed the
    screen and one named `[@click=app.quit]` quit it. Here every cell, `str` or `Text`,
    goes through `outside` on its way in."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def add_row(self, *cells: CellType, height: int | None = 1, key: str | None = None,
                label: object = None) -> RowKey:
        return super().add_row(*(outside(cell, limit=CELL_LIMIT) for cell in cells),
                               height=height, key=key,
                               label=None if label is None else outside(label))

    def update_cell(self, row_key: RowKey | str, column_key: ColumnKey | str, value: CellType,
                    *, update_width: bool = False) -> None:
        super().update_cell(row_key, column_key, outside(value, limit=CELL_LIMIT),
                            update_width=update_width)

    def update_cell_at(self, coordinate: Coordinate, value: CellType, *,
                       update_width: bool = False) -> None:
        super().update_cell_at(coordinate, outside(value, limit=CELL_LIMIT),
                               update_width=update_width)

    def selected_key(self) -> str | None:
        """The key of the row under the cursor, or None for an empty table."""
        if self.row_count == 0:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value

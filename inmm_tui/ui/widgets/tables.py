"""A DataTable that also moves with j/k, as people who live in terminals expect, and
that draws every cell literally."""

from __future__ import annotations

from rich.text import Text
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
    goes through `outside` on its way in.

    A plain DataTable also cuts a cell cleanly at its column's width, so `@iaea_fan_421`
    in a 12-wide column read `@iaea_fan_42`, another account that exists. Here a cell
    wider than its column ends in "…", which no handle or name can."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def _fit(self, cell: object, column: ColumnKey | str | None) -> Text:
        text = outside(cell, limit=CELL_LIMIT)
        found = self.columns.get(column) if column is not None else None  # type: ignore[arg-type]
        if found is not None and not found.auto_width and text.cell_len > found.width:
            text.truncate(found.width, overflow="ellipsis")
        return text

    def add_row(self, *cells: CellType, height: int | None = 1, key: str | None = None,
                label: object = None) -> RowKey:
        columns = [c.key for c in self.ordered_columns]
        fitted = [self._fit(cell, columns[i] if i < len(columns) else None)
                  for i, cell in enumerate(cells)]
        return super().add_row(*fitted, height=height, key=key,
                               label=None if label is None else outside(label))

    def update_cell(self, row_key: RowKey | str, column_key: ColumnKey | str, value: CellType,
                    *, update_width: bool = False) -> None:
        super().update_cell(row_key, column_key, self._fit(value, column_key),
                            update_width=update_width)

    def update_cell_at(self, coordinate: Coordinate, value: CellType, *,
                       update_width: bool = False) -> None:
        column = self.ordered_columns[coordinate.column].key \
            if coordinate.column < len(self.ordered_columns) else None
        super().update_cell_at(coordinate, self._fit(value, column), update_width=update_width)

    def selected_key(self) -> str | None:
        """The key of the row under the cursor, or None for an empty table."""
        if self.row_count == 0:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value

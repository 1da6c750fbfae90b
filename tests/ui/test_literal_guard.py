"""Keeps the UI literal by construction: text reaches the screen only through the widgets
that pass it through `inmm_tui.ui.text.outside` (ListTable, Literal, LiteralLabel) and
people type only into those that refuse control characters (PostEditor, PlainInput).
A plain Static, Label, DataTable, Input or TextArea, a subclass of one, or markup turned
on anywhere in the UI fails this test."""

from __future__ import annotations

import ast
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "inmm_tui" / "ui"
RAW = {"Static", "Label", "DataTable", "Input", "TextArea", "Markdown", "RichLog", "Log",
       "Pretty", "Tree", "OptionList", "SelectionList", "ListView", "ListItem"}
WRAPPERS = {"literal.py": {"Static", "Label"}, "tables.py": {"DataTable"},
            "editors.py": {"Input", "TextArea"}}


def _name(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else (
        node.attr if isinstance(node, ast.Attribute) else "")


def offences(path: Path) -> list[str]:
    allowed = WRAPPERS.get(path.name, set())
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and _name(node.func) in RAW - allowed:
            found.append(f"{path.name}:{node.lineno} {_name(node.func)}(...)")
        if isinstance(node, ast.ClassDef):
            found += [f"{path.name}:{node.lineno} class {node.name}({_name(base)})"
                      for base in node.bases if _name(base) in RAW - allowed]
        if isinstance(node, ast.Call) and _name(node.func) in ("from_markup", "render_markup"):
            found.append(f"{path.name}:{node.lineno} {_name(node.func)}")
        # InmmApp.notify (app.py) takes `markup` only to ignore it.
        if (isinstance(node, ast.keyword) and node.arg == "markup" and path.name != "app.py"
                and not (isinstance(node.value, ast.Constant) and node.value.value is False)):
            found.append(f"{path.name}:{node.lineno} markup=...")
    return found


def test_the_ui_draws_text_only_through_the_literal_widgets() -> None:
    found = [o for path in sorted(UI.rglob("*.py")) for o in offences(path)]
    assert found == []


def test_the_guard_sees_a_raw_widget(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from textual.widgets import Static, DataTable\n"
                      "class Box(Static):\n    pass\n"
                      "def show(name):\n    yield Static(f'[b]{name}')\n"
                      "    t = DataTable()\n    t.notify(name, markup=True)\n")
    assert len(offences(sample)) == 4


"""LSP 3.17 notebook document sync: which cells of a notebook are analysed, in which order.

pygls keeps the notebook and its cell documents up to date; this module only reads them. A
notebook is analysed as one module (an import in the first cell resolves names in the last),
and each cell gets its own diagnostics.
"""

from __future__ import annotations

from lsprotocol import types

NOTEBOOK_SYNC = types.NotebookDocumentSyncOptions(
    notebook_selector=[
        types.NotebookDocumentFilterWithCells(
            notebook="*", cells=[types.NotebookCellLanguage(language="python")]),
    ],
    save=False,
)


def code_cells(notebook: types.NotebookDocument, language_of) -> list[str]:
    """URIs of the notebook's Python code cells, in notebook order."""
    out = []
    for cell in notebook.cells:
        if cell.kind != types.NotebookCellKind.Code:
            continue
        lang = language_of(cell.document)
        if lang in (None, "python", "py"):
            out.append(cell.document)
    return out

"""The notebooks run top to bottom against the corpora, and the committed ones carry outputs."""

from __future__ import annotations

import nbformat
import pytest

from tests.conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_committed_notebooks_keep_their_outputs():
    """Executed top to bottom in one run, with their plots, so the repository page shows them."""
    assert [path.name for path in NOTEBOOKS] == ["01-data.ipynb", "02-evaluation.ipynb"]
    for path in NOTEBOOKS:
        cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        assert [c.execution_count for c in cells] == list(range(1, len(cells) + 1)), path.name
        outputs = [o for c in cells for o in c.outputs]
        assert not [o for o in outputs if o.output_type == "error"], path.name
        assert any("image/png" in o.get("data", {}) for o in outputs), path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_executes_without_errors(path, datasets, tmp_path):
    """Executed in memory from its folder, as ``python notebooks/run.py`` does; the committed
    file is left alone (the executed copy goes to a temporary folder, for a look on failure).
    A failing cell raises ``CellExecutionError`` naming the cell and the error."""
    from notebooks.run import execute

    executed = execute(path)
    nbformat.write(executed, tmp_path / path.name)
    assert all(c.execution_count for c in executed.cells if c.cell_type == "code")

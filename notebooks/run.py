"""Execute the notebooks in place, so that their committed outputs come from the committed code.

    python notebooks/run.py                             # every notebook in this folder
    python notebooks/run.py notebooks/02-evaluation.ipynb

Each notebook runs top to bottom in a fresh Python kernel (nbclient), from its own folder,
against the corpora in ../shared/datasets (or ``$BOILERPLATE_DATASETS``), and its outputs are
written back into the file. A cell that raises stops the run, names the cell and leaves the
file as it was. Needs the ``test`` extra (nbclient, ipykernel, matplotlib, the peers).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import nbformat
from nbclient import NotebookClient

FOLDER = Path(__file__).resolve().parent
#: Seconds one cell may run; generous, as the slowest cells run whole benchmarks.
CELL_TIMEOUT = 900


def execute(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path``, executed in a fresh kernel from its own folder.

    Raises ``nbclient.exceptions.CellExecutionError`` when a cell fails.
    """
    notebook = nbformat.read(path, as_version=4)
    # No timing metadata: a re-run that changes no output then changes nothing in the file.
    NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(path.resolve().parent)}}).execute()
    return notebook


def main(argv: Sequence[str] | None = None) -> None:
    """Execute the notebooks given (default: all in this folder) and save their outputs."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        default=sorted(FOLDER.glob("*.ipynb")))
    args = parser.parse_args(argv)
    for path in args.notebooks:
        started = time.perf_counter()
        notebook = execute(path)
        nbformat.write(notebook, path)
        print(f"{path}: executed in {time.perf_counter() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()

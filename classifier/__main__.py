"""``python -m classifier`` runs the ``boilerplate`` command; so does this file given to
``spark-submit`` (``spark-submit [options] .../classifier/__main__.py spark score ...``)."""

import os
import sys

if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(os.path.abspath(__file__)):
    # Run as a file, this folder came first on the path, where its modules (io, ...) would
    # stand for top-level ones; the package is imported from where it is installed.
    del sys.path[0]

from classifier.cli import main  # noqa: E402

main()

"""``python -m classifier`` runs the ``boilerplate`` command."""

from classifier.cli import main

main()

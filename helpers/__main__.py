"""``python -m helpers ...``: the course pipeline outside notebooks (see helpers.cli)."""

from helpers.cli import main

raise SystemExit(main())

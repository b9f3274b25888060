"""`python -m cli ...` runs the `assistant` command."""

from cli.main import main

raise SystemExit(main())

"""`python -m msdev` is the `msdev` command."""

from msdev.cli.main import main

raise SystemExit(main())

"""Entry point for `python -m frigate_media`."""

from frigate_media.cli import main

raise SystemExit(main())

"""``python -m alonechat``."""

from alonechat.cli import main

raise SystemExit(main())

"""`python -m lib`: the command line (see lib/cli.py)."""

import sys

from lib.cli import main

sys.exit(main())

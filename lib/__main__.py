"""`python -m lib`: the command line (see lib/cli/)."""

import sys

from lib.cli import main

sys.exit(main())

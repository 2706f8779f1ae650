"""``python -m parlib`` runs the CLI."""

import sys

from parlib.cli import main

sys.exit(main())

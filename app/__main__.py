"""`python -m app serve ...` is the same as `tremor-guide serve ...`."""

import sys

from app.cli import main

sys.exit(main())

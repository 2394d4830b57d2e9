"""`python -m portflow` is the `portflow` command."""

import sys

from portflow.cli import main

sys.exit(main())

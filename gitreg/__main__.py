"""`python -m gitreg` is the gitreg command."""
import sys

from gitreg.cli.main import main

sys.exit(main())

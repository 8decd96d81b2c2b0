"""`python -m gitreg` is the gitreg command."""
import sys

from gitreg.clients.cli.main import main

sys.exit(main())

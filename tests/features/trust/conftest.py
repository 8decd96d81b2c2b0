"""The CLI fixture of tests/clients/cli, for the trust checks run as a user types them."""
from tests.clients.cli.conftest import cli  # noqa: F401

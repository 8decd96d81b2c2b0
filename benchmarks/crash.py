"""The long kill -9 run: `python benchmarks/crash.py [TRIALS]` (default 120, plus half as many
in a synced clone, where writes publish to a remote first and pull/push are killed too).

The same trials as tests/integrity/test_crash.py's scale test (a random write kind, killed
after a random delay, then every check of tests/integrity/crashcheck.py), at the full count.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.integrity.test_crash import kill_trials  # noqa: E402


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 120
    os.environ.setdefault("GIT_AUTHOR_NAME", "Crash Trials")
    os.environ.setdefault("GIT_AUTHOR_EMAIL", "crash@example.com")
    os.environ.setdefault("GIT_COMMITTER_NAME", "Crash Trials")
    os.environ.setdefault("GIT_COMMITTER_EMAIL", "crash@example.com")
    with tempfile.TemporaryDirectory(prefix="gitreg-crash-") as tmp:
        started = time.monotonic()
        seed = int(time.time())
        kill_trials(Path(tmp) / "registry.git", count, seed=seed)
        print(f"{count} kill -9 trials: all checks passed in {time.monotonic() - started:.0f} s (seed {seed})")
        started = time.monotonic()
        kill_trials(Path(tmp) / "clone.git", count // 2, seed=seed, remote=Path(tmp) / "remote.git")
        print(f"{count // 2} kill -9 trials in a synced clone: all checks passed in "
              f"{time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A separate LFS server is published the git-lfs way (.lfsconfig in version trees), so the
README's plain-git recipe works verbatim against a real git host and LFS server (issue 24)."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

from gitreg import ModelRegistry
from tests.features.artifacts.conftest import run, sha256_of
from tests.servers.apache import apache  # noqa: F401  (the fixture)

README = Path(__file__).resolve().parents[3] / "README.md"
EXAMPLE_URL = "https://git.example.com/registry.git"


def readme_recipe() -> str:
    """The README's plain-git block, as a user copies it."""
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(), re.S)
    found = [re.sub(r"^ +", "", b, flags=re.M) for b in blocks]  # it sits in a list item
    found = [b for b in found if b.startswith(f"git clone {EXAMPLE_URL}")]
    assert len(found) == 1, "the README's plain-git recipe moved: keep this test on it"
    return found[0]


def test_the_readme_recipe_runs_verbatim_against_apache_and_giftless(
        tmp_path, apache, lfs_server, model_files, monkeypatch):  # noqa: F811
    url = apache.repo()
    reg = ModelRegistry(tmp_path / "reg.git")
    reg.init()
    apache.credentials(reg.path)
    reg.add_remote("origin", url)
    run("git", f"--git-dir={reg.path}", "config", "lfs.url", lfs_server.url("team"))
    q4 = model_files["q4"]
    reg.register_model("majora", files=[("gguf", str(q4)), ("tokenizer", str(model_files["tok"]))], store=True)
    for _ in range(2):
        reg.register_model("majora")
    reg.register_model("majora", files=[("gguf", str(model_files["q8"]))], store=True)  # majora/v4
    assert sha256_of(q4) in lfs_server.objects("team")  # the bytes are on the LFS server, not the git host
    lfsconfig = run("git", f"--git-dir={apache.path()}", "show", "majora/v1:.lfsconfig")
    assert lfsconfig == f"[lfs]\n\turl = {lfs_server.url('team')}\n"

    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "user-gitconfig"))  # a user with no LFS set-up
    user = tmp_path / "user"
    user.mkdir()
    script = readme_recipe().replace(EXAMPLE_URL, url).replace("majora/v3", "majora/v1")
    proc = subprocess.run(["bash", "-e", "-c", script], cwd=user, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    work = user / "registry-files"
    assert sha256_of(work / "artifacts" / "gguf" / q4.name) == sha256_of(q4)
    assert (work / "artifacts" / "tokenizer" / "tokenizer" / "extra" / "merges.txt").read_text() == "a b\n"
    run("git", "checkout", "--quiet", "majora/v4", cwd=work)  # another version: the same way
    assert sha256_of(work / "artifacts" / "gguf" / model_files["q8"].name) == sha256_of(model_files["q8"])


def test_only_a_separate_endpoint_is_published_and_never_a_login(reg, model_files, git, registry_path):
    reg.register_model("majora", files=[("gguf", str(model_files["q4"]))], store=True)
    names = git(registry_path, "ls-tree", "--name-only", "majora/v1").split()
    assert ".gitattributes" in names and ".lfsconfig" not in names  # git-lfs derives it from the remote
    git(registry_path, "config", "lfs.url", "https://alice:s3cret@lfs.example.com/t/r")
    reg.register_model("majora", files=[("gguf", str(model_files["q8"]))], store=True)
    assert git(registry_path, "show", "majora/v2:.lfsconfig") == "[lfs]\n\turl = https://lfs.example.com/t/r\n"
    git(registry_path, "config", "lfs.url", "https://lfs.example.com/a;b#c")  # would need quoting: not published
    reg.register_model("majora", files=[("gguf", str(model_files["tok"] / "tokenizer.json"))], store=True)
    assert ".lfsconfig" not in git(registry_path, "ls-tree", "--name-only", "majora/v3").split()
    reg.register_model("majora")  # no stored file: no LFS files at all
    assert git(registry_path, "ls-tree", "--name-only", "majora/v4").split() == ["manifest.yaml"]

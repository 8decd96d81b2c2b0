"""`gitreg web build` through the real entry point: what it writes, what it refuses, and safe text."""
from __future__ import annotations

import subprocess

from gitreg.clients.web import text
from gitreg.clients.web.build import MARKER


def test_build_writes_a_whole_site_and_rebuilds_it(cli, reg, tmp_path):
    reg.register_model("majora", evaluation_scores={"accuracy": 0.5})
    out = tmp_path / "site"
    result = cli("web", "build", "-o", str(out))
    assert result.code == 0 and result.out.startswith(f"Wrote 6 pages for 1 model to {out}")
    assert {p.name for p in out.iterdir()} == {"index.html", "m", "style.css", "sort.js", "favicon.svg", MARKER,
                                              ".nojekyll"}
    reg.register_model("majora", evaluation_scores={"accuracy": 0.6})
    assert cli("web", "build", "-o", str(out)).code == 0
    assert (out / "m/majora/v2.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["registry.git", "site"]  # no temporary or old copy left


def test_build_refuses_a_directory_it_did_not_make(cli, reg, tmp_path):
    reg.register_model("majora")
    precious = tmp_path / "docs"
    precious.mkdir()
    (precious / "notes.txt").write_text("mine")
    result = cli("web", "build", "-o", str(precious))
    assert result.code == 1 and result.err == (
        f"gitreg: error: {precious} is not empty and was not made by 'gitreg web build'; choose another directory\n")
    assert [p.name for p in precious.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs", "registry.git"]


def test_build_of_an_empty_or_missing_registry(cli, tmp_path, registry_path):
    result = cli("web", "build", "-o", str(tmp_path / "site"))
    assert result.code == 0 and "0 models" in result.out and not registry_path.exists()
    assert "0 models." in (tmp_path / "site" / "index.html").read_text()


def test_the_site_is_what_plain_git_says(cli, reg, tmp_path, registry_path):
    reg.register_model("majora", evaluation_scores={"accuracy": 0.5})
    cli("web", "build", "-o", str(tmp_path / "site"))
    page = (tmp_path / "site" / "m/majora/v1.html").read_text()
    commit = subprocess.run(["git", f"--git-dir={registry_path}", "rev-parse", "majora/v1^{commit}"],
                            capture_output=True, text=True, check=True).stdout.strip()
    assert commit in page and "git show majora/v1:manifest.yaml" in page


def test_clean_writes_out_every_control_character():
    shown = text.clean("a\x1b[2Jb\x07c\x9bd\u202eevil\u2066x\rz\ttab\nline")
    assert shown == "a\\x1b[2Jb\\x07c\\x9bd\\u202eevil\\u2066x\\x0dz\ttab\nline"
    assert text.clean("x" * 30, limit=10) == "x" * 10 + "… (20 more characters not shown)"


def test_card_markdown_is_escaped_text():
    html = str(text.markdown("# T\n<script>x</script>\n\n```\n<b>code</b>\n```\n[link](javascript:alert(1))"))
    assert "<script>" not in html and "&lt;script&gt;" in html and "<pre><code>&lt;b&gt;code&lt;/b&gt;" in html
    assert "<a " not in html and "javascript:alert(1)" in html


def test_one_bad_object_does_not_stop_the_site(cli, reg, tmp_path, registry_path, git):
    reg.register_model("majora", evaluation_scores={"accuracy": 0.5})
    reg.register_model("minor")
    blob = git(registry_path, "hash-object", "-w", "--stdin", input="not a commit\n").strip()
    git(registry_path, "update-ref", "refs/tags/minor/v2", blob)  # a tag on a non-commit (DESIGN.md)
    result = cli("web", "build", "-o", str(tmp_path / "site"))
    assert result.code == 1 and "refs/tags/minor/v2" in result.err  # as every read command: said, non-zero
    assert result.out.startswith("Wrote 11 pages for 2 models")
    site = tmp_path / "site"
    index = (site / "index.html").read_text()
    assert 'href="m/majora/index.html"' in index and 'href="m/minor/index.html"' in index
    assert "Skipped while reading" in index and "refs/tags/minor/v2" in index
    minor = (site / "m/minor/index.html").read_text()
    assert "refs/tags/minor/v2" in minor and 'href="../../m/minor/v1.html"' in minor
    assert (site / "m/minor/v1.html").is_file() and not (site / "m/minor/v2.html").exists()
    assert "refs/tags/minor" not in (site / "m/majora/index.html").read_text()


def test_files_of_newer_records_show_stored_and_contents():
    from gitreg.clients.web.pages import _file_row

    row = _file_row({"role": "lora", "path": "/m/adapter", "size_bytes": 3 * 1024 ** 3, "sha256": "ab" * 32,
                     "stored": "lfs", "contents": [{"path": "adapter.safetensors", "size_bytes": 1024}]}, "lora")
    assert (row.stored, row.size, row.contents[0].path, row.contents[0].size) == (
        "lfs", "3.0 GiB", "adapter.safetensors", "1.0 KiB")
    assert _file_row({"role": "gguf", "path": "s3://b/m.gguf"}, "gguf").stored is None

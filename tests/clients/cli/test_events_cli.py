"""`gitreg events`, `gitreg webhook`: the CLI over real registries, the examples' CI definitions
validated against their published schemas (check-jsonschema's own copies, offline) and run."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.features.events.approvals import lines, ref_state
from tests.servers.receiver import Receiver

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples" / "events"
PAYLOAD = Path(__file__).parent / "data" / "github-push.json"
ZERO = "0" * 40


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_events_from_stdin_as_post_receive_gets_them(reg, cli):
    reg.register_model("m")
    before = ref_state(reg.path)
    reg.deploy("m", "v1")
    hook_input = "".join(lines(before, ref_state(reg.path)))
    r = run_stdin(reg.path, hook_input)
    assert r.returncode == 0, r.stderr
    assert [e["type"] for e in jsonl(r.stdout)] == ["deployment.deployed"]
    everything = cli("events", "--since", "2000-01-01")
    assert [e["type"] for e in jsonl(everything.out)] == ["version.registered", "deployment.deployed"]


def rev_parse(git_dir, what: str) -> str:
    return subprocess.run(["git", f"--git-dir={git_dir}", "rev-parse", what],
                          capture_output=True, text=True, check=True).stdout.strip()


def run_stdin(path, text: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gitreg", "-R", str(path), "events", "--stdin"],
                          input=text, capture_output=True, text=True)


@pytest.mark.parametrize("args, says", [
    ((), "give exactly one of"),
    (("--since", "2000-01-01", "--stdin"), "give exactly one of"),
    (("--since", "yesterday"), "not an ISO 8601 date"),
    (("--github-push", "/nonexistent.json"), "cannot read /nonexistent.json"),
])
def test_wrong_input_is_one_line(reg, gitreg_proc, args, says):
    reg.register_model("m")
    r = gitreg_proc("events", *args)
    assert r.code != 0 and says in r.err and len(r.err.strip().splitlines()) == 1 and "Traceback" not in r.err


def test_bad_hook_lines_and_payloads_are_refused(reg, gitreg_proc, tmp_path):
    reg.register_model("m")
    r = run_stdin(reg.path, "garbage\n")
    assert r.returncode == 1 and "not 'OLD NEW REF'" in r.stderr and "Traceback" not in r.stderr
    for text in ("[1, 2]", "{\"ref\": 3}", "\x00\x01"):
        (tmp_path / "p.json").write_text(text)
        r = gitreg_proc("events", "--gitlab-push", str(tmp_path / "p.json"))
        assert r.code == 1 and "push payload" in r.err and "Traceback" not in r.err


def workflow_step(name: str) -> str:
    doc = yaml.safe_load((EXAMPLES / "github-actions.yml").read_text())
    (step,) = [s for s in doc["jobs"]["events"]["steps"] if s.get("name") == name]
    return step["run"]


def test_the_ci_definitions_fit_their_schemas(tmp_path):
    check = shutil.which("check-jsonschema")
    if check is None:
        pytest.fail("check-jsonschema is missing: pip install '.[test]'", pytrace=False)
    for name, schema in (("github-actions.yml", "vendor.github-workflows"), ("gitlab-ci.yml", "vendor.gitlab-ci")):
        done = subprocess.run([check, "--builtin-schema", schema, str(EXAMPLES / name)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    broken = yaml.safe_load((EXAMPLES / "github-actions.yml").read_text())
    del broken["jobs"]["events"]["runs-on"]
    bad = tmp_path / "broken-workflow.yml"
    bad.write_text(yaml.safe_dump(broken))
    done = subprocess.run([check, "--builtin-schema", "vendor.github-workflows", str(bad)], capture_output=True)
    assert done.returncode != 0  # the check can fail


def test_the_github_workflow_step_runs_on_a_recorded_push_payload(reg, tmp_path):
    reg.register_model("majora")
    before = rev_parse(reg.path, "refs/heads/majora")
    reg.register_model("majora")
    reg.register_model("majora")
    after = rev_parse(reg.path, "refs/heads/majora")
    payload = tmp_path / "event.json"
    payload.write_text(PAYLOAD.read_text().replace("BEFORE", before).replace("AFTER", after))
    work = tmp_path / "runner"
    work.mkdir()
    subprocess.run(["git", "clone", "-q", "--mirror", str(reg.path), str(work / "registry.git")], check=True)
    done = subprocess.run(["bash", "-e", "-c", workflow_step("Registry events of this push")], cwd=work,
                          capture_output=True, text=True,
                          env={**os.environ, "GITHUB_EVENT_PATH": str(payload), "GITHUB_OUTPUT": str(work / "out")})
    assert done.returncode == 0, done.stderr
    events = jsonl((work / "events.jsonl").read_text())
    assert [(e["type"], e["version"]) for e in events] == [("version.registered", "v2"), ("version.registered", "v3")]
    assert (work / "out").read_text() == "count=2\n"
    # the same events, id for id, as the tags' own updates give
    direct = [e.id for e in reg.events(since="2000-01-01") if e.version in ("v2", "v3")]
    assert [e["id"] for e in events] == direct


def test_a_tag_payload_naming_the_commit_gives_the_tag_objects_event(reg, cli, tmp_path):
    reg.register_model("m")
    commit = rev_parse(reg.path, "refs/tags/m/v1^{commit}")
    (tmp_path / "p.json").write_text(json.dumps({"ref": "refs/tags/m/v1", "before": ZERO, "after": commit}))
    got = jsonl(cli("events", "--gitlab-push", str(tmp_path / "p.json")).out)
    assert [e["id"] for e in got] == [e.id for e in reg.events(since="2000-01-01")]


def test_webhook_add_list_test_remove(reg, cli, registry_path, monkeypatch):
    reg.register_model("m")
    receiver = Receiver("topsecret")
    try:
        monkeypatch.setenv("HOOK_SECRET", "topsecret")
        r = cli("webhook", "add", receiver.url, "--events", "deployment.*,approval.added", "--secret-env",
                "HOOK_SECRET", "--name", "ci")
        assert r.code == 0 and "Added webhook ci" in r.out
        listed = cli("webhook", "list").out
        assert "ci" in listed and "deployment.*,approval.added" in listed and "HOOK_SECRET" in listed
        config = (registry_path / "config").read_text()
        assert "topsecret" not in config and "secretEnv = HOOK_SECRET" in config  # the name, never the secret
        assert cli("webhook", "test", "ci").code == 0
        assert [e["type"] for e in receiver.events] == ["webhook.test"] and receiver.bad_signatures == 0
        monkeypatch.setenv("HOOK_SECRET", "wrong")
        failed = cli("webhook", "test", "ci")
        assert failed.code == 1 and "401" in failed.err and receiver.bad_signatures == 1
        assert cli("webhook", "add", receiver.url, "--events", "deploy.*").code == 1  # matches no event type
        assert cli("webhook", "add", "ftp://x/y").code == 1
        assert cli("webhook", "remove", receiver.url).code == 0
        assert cli("webhook", "list").out == "" and "webhook" not in (registry_path / "config").read_text()
        assert cli("webhook", "remove", "ci").code == 1
    finally:
        receiver.stop()


def test_watch_polls_a_remote_and_prints_what_moved_there(tmp_path, bare_remote):
    from gitreg import ModelRegistry

    writer = ModelRegistry(tmp_path / "writer.git")
    writer.add_remote("origin", str(bare_remote))
    writer.register_model("m")
    ModelRegistry.clone(str(bare_remote), tmp_path / "watcher.git")
    watch = subprocess.Popen([sys.executable, "-m", "gitreg", "-R", str(tmp_path / "watcher.git"), "events", "watch",
                              "--interval", "0.2", "--polls", "12"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    before = ref_state(writer.path)
    writer.deploy("m", "v1")
    writer.register_model("m")
    out, err = watch.communicate(timeout=120)
    assert watch.returncode == 0, err
    seen = jsonl(out)
    assert sorted((e["type"], e["version"]) for e in seen) == [("deployment.deployed", "v1"),
                                                               ("version.registered", "v2")]
    pushed = writer.events(lines=lines(before, ref_state(writer.path)))
    assert sorted(e["id"] for e in seen) == sorted(e.id for e in pushed)


def test_a_bad_object_is_a_problem_line_and_the_rest_is_printed(reg, gitreg_proc):
    from tests.features.events.approvals import approve

    reg.register_model("m")
    approve(reg.path, "m", "v1", None, "eve@example.com", text="model: m\nversion: [not, a, name]\n")
    r = gitreg_proc("events", "--since", "2000-01-01")
    assert r.code == 1 and "Traceback" not in r.err
    assert [e["type"] for e in jsonl(r.out)] == ["version.registered"]
    assert len(r.err.strip().splitlines()) == 1 and "problem" in r.err and "approvals/m" in r.err

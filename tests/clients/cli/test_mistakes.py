"""Everyday mistakes kept out (issue 14): each through the real CLI, checked with real git."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.clients.cli.conftest import run_gitreg

FIXTURES = Path(__file__).resolve().parents[2] / "features" / "ingest" / "fixtures"


def _refs(git, path) -> str:
    return git(path, "for-each-ref")


def test_environment_case_twins_and_typos_are_refused(cli, registry_path, git):
    cli("add", "majora")
    cli("add", "majora")
    assert cli("deploy", "majora", "v1").code == 0
    before = _refs(git, registry_path)
    twin = cli("deploy", "majora", "v2", "--env", "Production")
    assert twin.code == 1 and twin.err == (
        "gitreg: error: environment 'Production' differs only in case from existing 'production' "
        "(refused: refs would collide on case-insensitive file systems)\n")
    typo = cli("deploy", "majora", "v2", "--env", "prodution")
    assert typo.code == 1 and "environment 'prodution' is new" in typo.err
    assert "(did you mean 'production'?)" in typo.err and "--new-env" in typo.err
    assert _refs(git, registry_path) == before
    assert cli("deploy", "majora", "v2", "--env", "staging", "--new-env").code == 0
    assert cli("deploy", "majora", "v1", "--env", "staging").code == 0  # used now: no flag needed
    assert cli("deploy", "majora", "v2", "--env", "Staging", "--new-env").code == 1  # twins even with the flag
    for command in (["undeploy", "majora"], ["rollback", "majora"]):
        r = cli(*command, "--env", "PRODUCTION")
        assert r.code == 1 and "differs only in case from existing 'production'" in r.err


def test_production_never_needs_new_env_and_set_deployed_still_works(reg):
    reg.register_model("majora")
    assert reg.set_deployed("majora", "v1").deployed
    assert reg.deployments("majora") == {"production": "v1"}


def test_draft_and_training_versions_need_force(cli, registry_path, git):
    cli("add", "majora", "--status", "draft")
    cli("add", "majora", "--status", "training")
    before = _refs(git, registry_path)
    for version, status in (("v1", "draft"), ("v2", "training")):
        r = cli("deploy", "majora", version)
        assert r.code == 1 and f"majora {version} is {status}, not completed" in r.err and "--force" in r.err
    assert _refs(git, registry_path) == before
    assert cli("deploy", "majora", "v1", "--force").out == "Deployed majora v1 to production\n"


def test_rollback_to_a_version_never_deployed_there_is_refused(cli, registry_path, git):
    for _ in range(3):
        cli("add", "majora")
    cli("deploy", "majora", "v1")
    cli("deploy", "majora", "v3")
    before = _refs(git, registry_path)
    r = cli("rollback", "majora", "v2")
    assert r.code == 1 and "majora v2 was never deployed in production" in r.err
    assert "gitreg deploy majora v2 --env production" in r.err
    assert _refs(git, registry_path) == before
    assert cli("rollback", "majora", "v1").code == 0


def test_deploy_over_a_deployment_naming_a_missing_version_writes_nothing(cli, registry_path, git):
    cli("add", "majora")
    cli("add", "majora")
    # pushed by hand: refs/deployed/production/majora says v99, which the registry lacks
    blob = git(registry_path, "hash-object", "-w", "--stdin",
               input="model_name: majora\nversion: v99\nenvironment: production\naction: deploy\n").strip()
    tree = git(registry_path, "mktree", input=f"100644 blob {blob}\tdeployment.yaml\n").strip()
    commit = git(registry_path, "commit-tree", "-m", "hand-made", tree).strip()
    git(registry_path, "update-ref", "refs/deployed/production/majora", commit)
    before = _refs(git, registry_path)
    r = cli("deploy", "majora", "v2")
    assert r.code == 1 and "names majora v99, which is not a version in this registry" in r.err
    assert _refs(git, registry_path) == before
    assert cli("deploy", "majora", "v9").code == 1  # a version that does not exist: nothing either
    assert _refs(git, registry_path) == before
    forced = cli("deploy", "majora", "v2", "--force")
    assert forced.code == 0, forced.err
    assert forced.out == "Deployed majora v2 to production (was v99, not a version in this registry)\n"


def test_a_url_as_registry_path_is_refused(tmp_path):
    for url in ("git@github.com:acme/models.git", "https://example.com/models.git"):
        r = run_gitreg("-R", url, "list")
        assert r.code == 1 and "use `gitreg clone URL`" in r.err and "Traceback" not in r.err
        r = run_gitreg("-R", url, "add", "majora", cwd=tmp_path)
        assert r.code == 1 and "use `gitreg clone URL`" in r.err
    assert list(tmp_path.iterdir()) == []  # no directory named after the URL


def test_a_code_repository_is_not_a_registry(tmp_path, git):
    work = tmp_path / "code"
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True)
    (work / "train.py").write_text("print('hi')\n")
    (work / "manifest.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n")  # a Kubernetes repo's file
    subprocess.run(["git", "-C", str(work), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(work), "commit", "-qm", "code"], check=True)
    mirror = tmp_path / "code-mirror.git"
    subprocess.run(["git", "clone", "-q", "--mirror", str(work), str(mirror)], check=True)
    before = git(mirror, "for-each-ref")
    for args in (["add", "main"], ["add", "majora"]):
        r = run_gitreg("-R", str(mirror), *args)
        assert r.code == 1 and "is not a gitreg registry: branch 'main' does not start with a model root" in r.err
    assert git(mirror, "for-each-ref") == before


def test_new_model_is_said_and_unknown_names_get_suggestions(cli):
    assert cli("add", "majora").out.startswith("Registered majora v1 (new model; commit ")
    assert "new model" not in cli("add", "majora").out
    typo = cli("add", "majroa")
    assert typo.out.startswith("Registered majroa v1 (new model; ")
    assert typo.err == "gitreg: warning: 'majroa' is a new model; existing close names: majora\n"
    r = cli("versions", "mojora")
    assert r.code == 1 and "no model named 'mojora' in the registry (did you mean 'majora'?)" in r.err


def test_bounded_metrics_are_validated(cli, registry_path):
    for args in (["--accuracy", "1.5"], ["--f1-score", "-3"], ["--metric", "rouge1=2"]):
        r = cli("add", "majora", *args)
        assert r.code == 1 and "must be between 0 and 1" in r.err, r.err
    assert not registry_path.exists()
    assert cli("add", "majora", "--accuracy", "1", "--perplexity", "12.5", "--bleu", "31.2").code == 0
    r = cli("score", "majora", "v1", "--accuracy", "85")
    assert r.code == 1 and r.err == "gitreg: error: accuracy must be between 0 and 1, got 85.0\n"


def test_score_from_lm_eval_and_hf_files(cli, registry_path, git):
    cli("add", "majora")
    lm_eval = next((FIXTURES / "lm-eval").rglob("results_*.json"))
    r = cli("score", "majora", "v1", "--from", str(lm_eval), "--exclude", "*stderr*")
    assert r.code == 0, r.err
    assert r.err.startswith("gitreg: note: ") and "4 non-numeric field(s) skipped (alias x4)" in r.err
    assert r.err.count("\n") == 1
    r = cli("score", "majora", "v1", "--from", str(FIXTURES / "hf-run" / "trainer_state.json"),
            "--format", "hf-trainer")
    assert r.code == 0, r.err
    shown = json.loads(cli("show", "majora", "v1", "--json").out)["evaluation_scores"]["custom_metrics"]
    assert shown["mmlu/acc,none"] == 0.4712 and shown["humaneval/pass@1,create_test"] == 0.2866
    assert shown["best/eval_loss"] == 0.3981 and shown["eval_loss"] == 0.4127
    assert not any("stderr" in k for k in shown)
    note = git(registry_path, "notes", "--ref", "refs/notes/gitreg/majora", "show", "majora/v1^{commit}")
    assert "mmlu/acc,none: 0.4712" in note
    bad = cli("score", "majora", "v1", "--from", str(lm_eval), "--format", "csv")
    assert bad.code == 1 and "unknown metrics format 'csv'" in bad.err


def test_add_with_metrics_and_params_from_hf_outputs(cli):
    hf = FIXTURES / "hf-run"
    r = cli("add", "majora", "--metrics-from", str(hf), "--params-from", str(hf / "training_args.json"),
            "--epochs", "4", "--json")
    assert r.code == 0, r.err
    v = json.loads(r.out)
    assert v["training"]["epochs"] == 4  # given on the command line wins
    assert v["training"]["batch_size"] == 32 and v["training"]["learning_rate"] == 2e-05
    assert v["evaluation_scores"]["custom_metrics"] == {
        "eval_accuracy": 0.8412, "eval_loss": 0.4127, "train_loss": 0.5218}
    assert v["evaluation_scores"]["perplexity"] == 1.5109
    assert "batch_size 32 = per-device batch 8 x gradient_accumulation_steps 4" in r.err
    assert v["params"]["lr_scheduler_type"] == "linear" and v["params"]["warmup_ratio"] == 0.03
    assert v["metric_info"]["eval_loss"] == {"source": "hf-trainer"}


def test_card_command_show_json_and_front_matter(cli, tmp_path):
    card = tmp_path / "README.md"
    card.write_text("---\nbase_model: Qwen/Qwen2.5-Coder-7B\ndatasets: [oracle, toolbench]\nlicense: apache-2.0\n"
                    "model-index:\n  - name: majora\n    results:\n      - task: {type: text-generation}\n"
                    "        dataset: {name: HumanEval, type: openai_humaneval}\n"
                    "        metrics: [{type: pass@1, value: 0.41}]\n---\n# majora\n\nA \x1b[2J coder.\n")
    assert cli("add", "majora", "--card", str(card)).code == 0
    cli("add", "majora")
    shown = cli("card", "majora", "v1")
    assert shown.code == 0 and "# majora" in shown.out and "\x1b" not in shown.out
    meta = cli("card", "majora", "v1", "--metadata").out.splitlines()
    assert "base_model: Qwen/Qwen2.5-Coder-7B" in meta and "result HumanEval/pass@1: 0.41" in meta
    doc = json.loads(cli("show", "majora", "v1", "--json").out)
    assert doc["card"]["metadata"]["datasets"] == ["oracle", "toolbench"]
    assert doc["base_model"] == "Qwen/Qwen2.5-Coder-7B" and doc["training_data_sources"] == ["oracle", "toolbench"]
    assert json.loads(cli("show", "majora", "v2", "--json").out)["card"] is None
    none = cli("card", "majora")  # latest: v2, which has none
    assert none.code == 1 and none.err == "gitreg: error: majora v2 has no model card (register with --card FILE)\n"


def test_model_version_card_is_read_on_demand(reg):
    reg.register_model("majora", model_card="# card\n")
    reg.register_model("majora")
    first, second = reg.list_versions("majora")
    assert first.card.text == "# card\n" and second.card is None
    assert reg.get_card("majora", "v1").metadata == {}


def test_params_yaml_2e_5_through_the_hook_config_is_yaml_1_2(tmp_path):
    params = tmp_path / "params.yaml"
    params.write_text("learning_rate: 2e-5\nbatch_size: 8\n")
    r = run_gitreg("-R", str(tmp_path / "r.git"), "add", "majora", "--params-from", str(params), "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["training"]["learning_rate"] == 2e-05

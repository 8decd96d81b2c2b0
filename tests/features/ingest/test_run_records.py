"""A fine-tune's output directory in (issue 23): HF Trainer and PEFT files -> every
hyperparameter in `params`, the base model and its revision, the batch-size rule, and the
log_history as curves stored in the version's tree, shown by `show` and charted by the web view.

fixtures/hf-run and fixtures/peft-run hold the files in the shapes transformers 4.57 and
peft 0.17 write (torch has no CPU-only wheel on PyPI, so the tools' own code is not run here)."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from gitreg import ModelRegistry
from gitreg.clients.cli.main import main
from gitreg.clients.web import pages
from gitreg.clients.web.site import Site
from gitreg.core.errors import InvalidValueError
from gitreg.features.ingest import read_curves, read_curves_file, read_params_file
from tests.features.ingest.test_readers import FIXTURES, HF


@pytest.fixture
def run_dir(tmp_path):
    out = tmp_path / "outputs"
    shutil.copytree(HF, out)
    shutil.copy(FIXTURES / "peft-run" / "adapter_config.json", out / "adapter_config.json")
    return out


def test_peft_config_gives_lora_params_and_the_base_model_revision():
    read = read_params_file(FIXTURES / "peft-run" / "adapter_config.json")
    assert read.params == {"base_model": {"name": "sshleifer/tiny-gpt2",
                                          "revision": "5f91d94bd9cd7190a9f3216ff93cd1dd95f2c7be"}}
    r = read.recorded
    assert (r["lora_r"], r["lora_alpha"], r["lora_dropout"]) == (16, 32, 0.05)
    assert r["lora_target_modules"] == ["c_attn", "c_proj"]
    assert r["base_model_revision"] == "5f91d94bd9cd7190a9f3216ff93cd1dd95f2c7be"
    assert r["peft_type"] == "LORA" and "auto_mapping" not in r


def test_axolotl_and_mlx_lm_configs_map_their_names():
    from gitreg.features.ingest import read_params

    axolotl = read_params(b"base_model: Qwen/Qwen2.5-0.5B\nnum_epochs: 1.5\nmicro_batch_size: 2\n"
                          b"gradient_accumulation_steps: 8\nlora_r: 32\nhub_token: hf_secret\n", "axolotl.yaml")
    assert axolotl.params == {"base_model": "Qwen/Qwen2.5-0.5B", "epochs": 1.5, "batch_size": 16}
    assert axolotl.recorded["lora_r"] == 32 and "hub_token" not in axolotl.recorded
    mlx = read_params(b"model: mlx-community/Qwen2.5-0.5B\nbatch_size: 4\niters: 600\n"
                      b"lora_parameters: {rank: 8, alpha: 16, dropout: 0.0, scale: 10.0}\n", "lora.yaml")
    assert mlx.params == {"base_model": "mlx-community/Qwen2.5-0.5B", "batch_size": 4}
    assert (mlx.recorded["lora_r"], mlx.recorded["lora_alpha"], mlx.recorded["iters"]) == (8, 16, 600)


def test_add_an_output_directory_records_everything(run_dir, tmp_path, capsys):
    args = json.loads((run_dir / "training_args.json").read_text())
    (run_dir / "training_args.json").write_text(json.dumps({**args, "model_name_or_path": "sshleifer/tiny-gpt2"}))
    r = str(tmp_path / "r.git")
    assert main(["-R", r, "add", "m", "--metrics-from", str(run_dir), "--params-from", str(run_dir)]) == 0
    v = ModelRegistry(r).get_version("m", "v1")
    args = json.loads((run_dir / "training_args.json").read_text())
    expected = {k: val for k, val in args.items() if k != "output_dir"}
    assert {k: v.params[k] for k in expected} == expected  # every hyperparameter present
    assert v.params["lora_r"] == 16 and v.params["base_model_revision"].startswith("5f91d94")
    assert v.base_model == "sshleifer/tiny-gpt2" and v.base_model_source.revision.startswith("5f91d94")
    assert v.training.batch_size == 32 and v.training.epochs == 3
    assert v.curves.columns == ["epoch", "eval_accuracy", "eval_loss", "grad_norm", "learning_rate", "loss",
                                "train_loss"]
    assert v.curves.series("eval_loss") == [(500.0, 0.4512), (1000.0, 0.3981), (1500.0, 0.4127)]
    stored = subprocess.run(["git", f"--git-dir={r}", "show", "m/v1:curves/history.csv"],
                            capture_output=True, text=True, check=True).stdout
    assert stored.splitlines()[0] == "step,epoch,eval_accuracy,eval_loss,grad_norm,learning_rate,loss,train_loss"
    capsys.readouterr()
    assert main(["-R", r, "show", "m", "v1"]) == 0
    out = capsys.readouterr().out
    assert "curve.eval_loss" in out and "min 0.3981 at 1000" in out and "params.lora_r" in out


def test_web_view_charts_curves_and_overlays_two_versions(tmp_path):
    reg = ModelRegistry(tmp_path / "r.git")
    reg.register_model("m", curves=[{"step": s, "loss": 3 - s / 10} for s in range(10)], params={"lora_r": 8},
                       evaluation_scores={"wikitext/bits_per_byte,none": 0.5},
                       metric_info={"wikitext/bits_per_byte,none": {"direction": "min", "stderr": 0.01}})
    reg.register_model("m", curves=[{"step": s, "loss": 2 - s / 10, "acc,none": s / 10} for s in range(10)])
    site = Site(pages.Catalog(reg))
    page = site.render("m/m/v1.html").body.decode()
    assert 'data-curve="loss"' in page and "params.lora_r" in page
    assert "0.5 ± 0.01 (lower is better)" in page
    diff = site.render("m/m/diff.html", {"a": "v1", "b": "v2"}).body.decode()
    loss = diff[diff.index('data-curve="loss"'):]
    loss = loss[:loss.index("</svg>")]
    assert loss.count("<polyline") == 2 and 'data-version="v1"' in loss and 'data-version="v2"' in loss
    assert 'data-curve="acc,none"' in diff


def test_curves_from_csv_jsonl_and_a_plain_fine_tune(tmp_path):
    csv = read_curves(b"step,loss,eval_loss\n1,2.0,\n2,1.5,1.7\n", "log.csv")
    assert csv.series("eval_loss") == [(2.0, 1.7)] and csv.series("loss") == [(1.0, 2.0), (2.0, 1.5)]
    jsonl = read_curves(b'{"step": 1, "loss": 2}\n{"global_step": 2, "loss": 1}\n', "log.jsonl")
    assert jsonl.series("loss") == [(1.0, 2.0), (2.0, 1.0)]
    state = tmp_path / "trainer_state.json"
    state.write_text(json.dumps({"log_history": [{"loss": 2.0, "step": 5}, {"train_loss": 1.8, "step": 10,
                                                                              "train_runtime": 9.0}]}))
    curves = read_curves_file(tmp_path)
    assert curves.columns == ["loss", "train_loss"]
    with pytest.raises(InvalidValueError, match="no step"):
        read_curves(b"a,b\n1,2\n", "x.csv")


def test_a_stored_curves_file_is_checked_when_read(tmp_path):
    from gitreg.model import curves

    with pytest.raises(Exception, match="header"):
        curves.decode(b"loss\n1\n", "m/v1:curves/history.csv")
    decoded = curves.decode(b'step,"acc,none"\n1,0.5\nx,0.6\n2,nan\n', "w")
    assert decoded.rows == [(1.0, [0.5]), (2.0, [None])]  # a bad row left out, a bad cell empty
    with pytest.raises(InvalidValueError, match="finite"):
        ModelRegistry(tmp_path / "r.git").register_model("m", curves=[{"step": 1, "loss": float("inf")}])

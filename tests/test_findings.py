"""The findings scripts: their rules on planted data, the held-out paths, and the pipelines end to end."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from neurogrow.data.degrade import DEGRADATIONS, apply_degradation, resolve_degradation
from neurogrow.errors import DataError

ROOT = Path(__file__).resolve().parents[1]
FINDINGS = ROOT / "benchmarks" / "findings"
sys.path.insert(0, str(FINDINGS))

import growth_vs_complexity  # noqa: E402
import halting_vs_rt  # noqa: E402
import occlusion  # noqa: E402
import price_response  # noqa: E402
import tradeoffs  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}


# --------------------------------------------------------------------------- degradations


def test_degradations_are_deterministic_per_image_and_keep_shape():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (4, 16, 16, 3), dtype=np.uint8)
    ids = ["a", "b", "c", "d"]
    for name, fn in DEGRADATIONS.items():
        level = {"occlusion": 0.3, "noise": 0.1, "blur": 1.0, "contrast": 0.5}[name]
        out = apply_degradation(fn, images, ids, level, seed=1)
        assert out.shape == images.shape and out.dtype == np.uint8
        assert not np.array_equal(out, images), name
        # the same image gets the same degradation whatever else is in the batch
        again = apply_degradation(fn, images[2:3], ids[2:3], level, seed=1)
        assert np.array_equal(again[0], out[2]), name
        assert np.array_equal(apply_degradation(fn, images, ids, 0.0), images)
    low = DEGRADATIONS["contrast"](images, ids, 0.9, 0).astype(float)
    assert low.std() < 0.2 * images.astype(float).std()


def test_held_out_occluder_is_loaded_from_a_file(tmp_path):
    f = tmp_path / "my_occluder.py"
    f.write_text("import numpy as np\ndef bars(images, ids, level, seed=0):\n"
                 "    out = images.copy(); out[:, ::4] = 0; return out\n")
    fn = resolve_degradation(f"{f}:bars")
    out = apply_degradation(fn, np.full((2, 8, 8, 3), 9, np.uint8), ["x", "y"], 0.5)
    assert (out[:, 0] == 0).all() and (out[:, 1] == 9).all()
    with pytest.raises(DataError, match="has no function"):
        resolve_degradation(f"{f}:nothing")
    with pytest.raises(DataError, match="expected one of"):
        resolve_degradation("smudge")
    bad = tmp_path / "bad.py"
    bad.write_text("def f(images, ids, level, seed=0):\n    return images[:, :4]\n")
    with pytest.raises(DataError, match="expected uint8"):
        apply_degradation(resolve_degradation(f"{bad}:f"), np.zeros((1, 8, 8, 3), np.uint8), ["x"], 0.5)


# --------------------------------------------------------------------------- finding 3 rule on planted tables


def planted_tables(n=3000, occlusion_beyond_confidence=0.0, seed=0):
    """Clean and occluded tables where E[t] depends on step-1 confidence, plus a planted extra."""
    rng = np.random.default_rng(seed)

    def table(beta_a, extra, T=4, fixed=False):
        conf1 = 0.1 + 0.9 * rng.beta(beta_a, 2, n)
        correct = rng.random(n) < conf1
        e = 1 + 2.5 * (1 - conf1) + extra + rng.normal(0, 0.1, n)
        return {"expected_steps": np.full(n, 3.0) if fixed else e, "exit_step": np.rint(e), "conf1": conf1,
                "confidence_step": np.clip(np.rint(e), 1, 3), "correct": correct, "T": np.array(3 if fixed else T)}

    tables = {occlusion._key(occlusion.ADAPTIVE, "clean", 0.0): table(5, 0), occlusion._key(occlusion.FIXED, "clean", 0.0): table(5, 0, fixed=True)}
    for lv, shift in ((0.2, 3.5), (0.4, 2.5)):
        tables[occlusion._key(occlusion.ADAPTIVE, "occlusion", lv)] = table(shift, occlusion_beyond_confidence)
        tables[occlusion._key(occlusion.FIXED, "occlusion", lv)] = table(shift, 0, fixed=True)
    meta = {"occluder_name": "occlusion", "levels": [0.2, 0.4], "degradations": []}
    return tables, meta


def test_occlusion_effect_explained_by_confidence_is_not_called_reproduced():
    tables, meta = planted_tables(occlusion_beyond_confidence=0.0)
    st = occlusion.statistics(tables, meta, {}, n_boot=200)
    assert st["estimates"]["raw/0.4"] > 0.3  # the raw increase is large ...
    v = occlusion.judge(st)["verdict"]
    assert v["verdict"] != "reproduced"  # ... but all of it is step-1 confidence
    residual = [c for c in v["comparisons"] if "beyond" in c["name"]]
    assert all(not c["supports"] for c in residual)


def test_occlusion_effect_beyond_confidence_is_reproduced():
    tables, meta = planted_tables(occlusion_beyond_confidence=0.3)
    st = occlusion.statistics(tables, meta, {}, n_boot=200)
    v = occlusion.judge(st)["verdict"]
    assert v["verdict"] == "reproduced", v["reason"]


# --------------------------------------------------------------------------- finding 3 run: caches and output folders


def _fake_occlusion_run(monkeypatch, n=40):
    """``occlusion.py run`` on 40 synthetic 8x8 images with a fake model (no CIFAR-10, no torch model).

    The fake model is right when the image's mean brightness is on the same side of 127.5 as the
    clean image's; returns the list of (n_images, mean pixel) of every batch measured.
    """
    import types

    import neurogrow
    import neurogrow.data

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 8, 8, 3), dtype=np.uint8)
    labels = (images.mean(axis=(1, 2, 3)) > 127.5).astype(int)
    data = types.SimpleNamespace(images=images, labels=labels, ids=np.arange(n))
    calls = []

    def measure(model, imgs, labs, batch=250):
        calls.append((len(imgs), float(imgs.mean())))
        k = len(imgs)
        return {"expected_steps": np.full(k, 2.0), "exit_step": np.full(k, 2), "conf1": np.full(k, 0.5),
                "confidence_step": np.full(k, 2), "correct": (imgs.mean(axis=(1, 2, 3)) > 127.5).astype(int) == labs,
                "T": np.array(4)}

    monkeypatch.setattr(neurogrow.data, "load_dataset", lambda *a, **k: data)
    monkeypatch.setattr(neurogrow, "load_model", lambda name: name)
    monkeypatch.setattr(occlusion, "measure", measure)
    monkeypatch.setattr(occlusion, "hardware", lambda: {})
    return calls


def _occluder_file(path: Path, fill: int, func: str = "f") -> str:
    path.write_text(f"def {func}(images, ids, level, seed=0):\n    out = images.copy()\n"
                    f"    out[:, : max(1, int(level * images.shape[1]))] = {fill}\n    return out\n")
    return f"{path}:{func}"


def _run_occlusion(out: Path, occluder: str, *extra: str) -> None:
    occlusion.main(["run", "--out", str(out), "--occluder", occluder, "--n-images", "40", "--calibration-images", "40",
                    "--levels", "0.5", "--degradations", "noise", *extra])


def test_two_held_out_occluders_do_not_share_cached_measurements(tmp_path, monkeypatch):
    calls = _fake_occlusion_run(monkeypatch)
    out = tmp_path / "runs"
    dark = _occluder_file(tmp_path / "dark.py", 0)
    bright = _occluder_file(tmp_path / "bright.py", 255)
    _run_occlusion(out, dark)
    before = len(calls)
    _run_occlusion(out, bright)
    # the bright occluder's images were measured (not the dark one's measurements reused)
    assert any(k == 40 and mean > 160 for k, mean in calls[before:])
    meta = json.loads((out / "meta.json").read_text())
    assert meta["occluder"] == bright and meta["occluder_name"] == occlusion.occluder_name(bright)
    names = {occlusion.occluder_name(dark), occlusion.occluder_name(bright)}
    assert len(names) == 2 and all(name.startswith("occluder-") for name in names)
    for name in names:  # each occluder's own measurements, not the first one's under a shared name
        assert (out / f"{occlusion._key(occlusion.ADAPTIVE, name, 0.5)}.npz").is_file()
    # a changed file is another occluder (same path and function name, different code)
    _occluder_file(tmp_path / "dark.py", 1)
    assert occlusion.occluder_name(dark) not in names
    # the same name for the same function in another file with other code is another id too
    assert occlusion.occluder_id(_occluder_file(tmp_path / "other.py", 0)) != occlusion.occluder_id(bright)
    # a named degradation keeps its name: the committed runs' file names stay valid
    assert occlusion.occluder_name("occlusion") == "occlusion"


def test_changed_occluder_accuracies_recalibrate(tmp_path, monkeypatch):
    calls = _fake_occlusion_run(monkeypatch)
    out = tmp_path / "runs"
    dark = _occluder_file(tmp_path / "dark.py", 0)
    _run_occlusion(out, dark)
    first = json.loads((out / "calibration.json").read_text())["noise"]
    n_grid = len(occlusion.DEGRADATION_GRIDS["noise"])
    # the same occluder again: calibration reused (no grid of measurements on the calibration images)
    before = len(calls)
    _run_occlusion(out, dark)
    assert len(calls) == before
    # another occluder with other accuracies at the same level: the noise levels are recalibrated
    same_grey = _occluder_file(tmp_path / "grey.py", 128)
    _run_occlusion(out, same_grey)
    second = json.loads((out / "calibration.json").read_text())["noise"]
    assert second["target_accuracy"] != first["target_accuracy"]
    assert second["occluder"] == occlusion.occluder_name(same_grey)
    # fewer calibration images (other targets' basis): recalibrated as well
    before = len(calls)
    occlusion.main(["run", "--out", str(out), "--occluder", same_grey, "--n-images", "40", "--calibration-images", "20",
                    "--levels", "0.5", "--degradations", "noise"])
    assert sum(1 for k, _ in calls[before:] if k == 20) == n_grid
    assert json.loads((out / "calibration.json").read_text())["noise"]["n_images"] == 20


def test_calibration_is_current_only_for_the_same_targets():
    grid = occlusion.DEGRADATION_GRIDS["noise"]
    entry = {"grid": list(grid), "target_accuracy": {"0.2": 0.641}, "n_images": 1000}  # a committed entry (no seed)
    assert occlusion.calibration_is_current(entry, {"0.2": 0.641}, 1000, grid, 0)
    assert not occlusion.calibration_is_current(entry, {"0.2": 0.6}, 1000, grid, 0)
    assert not occlusion.calibration_is_current(entry, {"0.2": 0.641}, 500, grid, 0)
    assert not occlusion.calibration_is_current(entry, {"0.2": 0.641}, 1000, grid, 1)
    assert not occlusion.calibration_is_current(None, {"0.2": 0.641}, 1000, grid, 0)


def test_committed_calibration_is_current_for_the_shipped_occluder():
    runs = ROOT / "benchmarks" / "results" / "occlusion" / "runs"
    meta, cal = json.loads((runs / "meta.json").read_text()), json.loads((runs / "calibration.json").read_text())
    assert occlusion.occluder_name(meta["occluder"]) == meta["occluder_name"]
    for name, entry in cal.items():
        assert occlusion.calibration_is_current(entry, entry["target_accuracy"], 1000, occlusion.DEGRADATION_GRIDS[name], 0)


@pytest.mark.parametrize("args", [
    ["run", "--occluder", "x.py:f"],
    ["run", "--occluder", "noise"],
    ["run", "--occluder-name", "other"],
    ["run", "--occluder", "x.py:f", "--out", str(occlusion.OUT / "runs")],
    ["report", "--runs", "heldout/runs"],
])
def test_held_out_occluder_refuses_the_committed_folders(args, capsys, monkeypatch):
    monkeypatch.setattr(occlusion, "run", lambda a: pytest.fail("ran"))
    monkeypatch.setattr(occlusion, "report", lambda a: pytest.fail("reported"))
    with pytest.raises(SystemExit) as e:
        occlusion.main(args)
    err = capsys.readouterr().err
    assert e.value.code == 2 and len(err.strip().splitlines()) == 1 and "committed" in err


def test_default_occluder_may_use_the_committed_runs(monkeypatch):
    seen = []
    monkeypatch.setattr(occlusion, "run", seen.append)
    monkeypatch.setattr(occlusion, "report", seen.append)
    occlusion.main(["run"])
    occlusion.main(["report"])
    assert seen[0].occluder_name == "occlusion" and seen[0].out == str(occlusion.OUT / "runs") and len(seen) == 2


# --------------------------------------------------------------------------- finding 4 rule on planted summaries


def summary(rho, ci_images, ci_two, baselines=True, diff_ci=(0.05, 0.3), diff_p=0.001):
    # the key shape of compare-rt's summary.json (neurogrow/rt/summary.py): p_bootstrap, ci95_two_level
    s = {"spearman": {"r": rho, "ci95": list(ci_images), "ci95_two_level": list(ci_two)},
         "within_category": {"spearman_partial": {"r": 0.2, "ci95": [0.05, 0.35], "ci95_two_level": [0.04, 0.36]}},
         "model_time_sd": 0.3}
    if baselines:
        s["baselines"] = {b: {"spearman": {"r": 0.1},
                              "difference": {"r": 0.1, "ci95": [0.06, 0.3], "ci95_two_level": list(diff_ci), "p_bootstrap": diff_p},
                              "partial": {"r": 0.2, "ci95_two_level": [0.05, 0.3]}} for b in halting_vs_rt.BASELINES}
    return s


def summaries(**kw):
    return {halting_vs_rt.ADAPTIVE: {e: {"expected_steps": summary(**kw)} for e in ("edges", "silhouettes")}}


def test_rt_rule_needs_baselines():
    out = halting_vs_rt.judge(summaries(rho=0.3, ci_images=(0.1, 0.5), ci_two=(0.1, 0.5), baselines=False))
    assert out["verdict"] == "inconclusive" and "baselines not available" in out["reason"]


def test_rt_rule_uses_the_two_level_ci():
    # image-only CI above 0, two-level CI includes 0: not enough
    out = halting_vs_rt.judge(summaries(rho=0.2, ci_images=(0.05, 0.35), ci_two=(-0.05, 0.4)))
    assert out["verdict"] == "inconclusive"
    assert halting_vs_rt.judge(summaries(rho=0.3, ci_images=(0.1, 0.5), ci_two=(0.1, 0.5)))["verdict"] == "reproduced"


def test_rt_rule_holm_adjusts_the_baseline_differences():
    # CIs above 0 but bootstrap p 0.02 each: Holm over 8 differences -> 0.16, not supported
    out = halting_vs_rt.judge(summaries(rho=0.3, ci_images=(0.1, 0.5), ci_two=(0.1, 0.5), diff_p=0.02))
    assert out["verdict"] == "inconclusive"
    assert out["rule"]["holm_family_size"] == 8


def test_rt_rule_reads_the_committed_summaries_p_values():
    """Planted bug: reading the difference's p under a key compare-rt does not write (None -> no Holm)."""
    committed = json.loads((ROOT / "benchmarks" / "results" / "halting_vs_rt" / "summaries.json").read_text())["summaries"]
    out = halting_vs_rt.judge(committed)
    assert out["rule"]["holm_family_size"] == 8
    diffs = [c for c in out["comparisons"] if "rho(E[t]) - rho" in c["name"]]
    assert len(diffs) == 8 and all(c["p"] is not None and c["p_holm"] is not None for c in diffs)


def test_rt_rule_requires_beating_every_baseline():
    out = halting_vs_rt.judge(summaries(rho=0.3, ci_images=(0.1, 0.5), ci_two=(0.1, 0.5), diff_ci=(-0.3, -0.05)))
    assert out["verdict"] == "not reproduced"


def test_rt_power_statement_from_the_shipped_designs(tmp_path):
    out = tmp_path / "power.json"
    subprocess.run([sys.executable, str(FINDINGS / "halting_vs_rt.py"), "power", "--rhos", "0", "0.9", "--n-sim", "3",
                    "--n-boot", "50", "--out", str(out)], check=True, env=ENV, cwd=FINDINGS, capture_output=True)
    got = json.loads(out.read_text())
    edges = got["experiments"]["geirhos_edges"]
    # the design is the experiment's own: 160 images, 10 subjects, the 1,566 answered trials
    assert (edges["n_images"], edges["n_subjects"], edges["n_trials"]) == (160, 10, 1566)
    assert edges["variance_components"]["converged"] and edges["variance_components"]["image_sd"] > 0
    assert [r["rho_latent"] for r in edges["curve"]] == [0.0, 0.9]
    assert edges["threshold"]["reached"] and 0 < edges["threshold"]["rho_latent"] < 0.9
    assert "80%" in got["statement"] and "geirhos_silhouettes" in got["statement"]


def test_held_out_experiment_needs_named_experiments(tmp_path):
    with pytest.raises(DataError, match="--experiment"):
        halting_vs_rt.parse_experiments(None, tmp_path)
    (tmp_path / "stim").mkdir()
    (tmp_path / "trials").mkdir()
    assert halting_vs_rt.parse_experiments(["x=stim:trials"], tmp_path) == {"x": ("stim", "trials")}
    with pytest.raises(DataError, match="not a folder"):
        halting_vs_rt.parse_experiments(["x=stim:nothing"], tmp_path)


# --------------------------------------------------------------------------- findings 1 and 2 rules on planted runs


def row(channels, layers, steps, acc=0.8, T=4, events=()):
    return {"window_channels": channels, "window_layers": layers, "test_mean_steps": steps, "test_accuracy": acc,
            "window_steps": T, "params": 1000, "train_seconds": 1.0, "rows": [{"epoch": 1, "events": list(events)}]}


def test_tradeoffs_rule_on_planted_runs():
    # 5 seeds with seed-to-seed spread in every measure (identical integer moves across seeds
    # are not evidence: see test_verdict's sign-flip test); layers move by 2-3 under the depth price
    rng = np.random.default_rng(0)
    seeds = range(5)

    def ch(base):
        return [int(c + rng.integers(-3, 4)) for c in base]

    base = {s: row(ch([20, 40, 60]), 4, 2.5 + rng.normal(0, 0.02)) for s in seeds}
    rows = {
        "baseline": base,
        "breadth_x5": {s: row(ch([15, 30, 45]), 4 + (s == 0), base[s]["test_mean_steps"] + 0.4 + rng.normal(0, 0.02)) for s in seeds},
        "depth_x10": {s: row(ch([25, 45, 70]), 2 - (s % 2), base[s]["test_mean_steps"] + 0.3 + rng.normal(0, 0.02)) for s in seeds},
        "time_x1.5": {s: row(ch([30, 50, 60]), 4, base[s]["test_mean_steps"] - 0.5 + rng.normal(0, 0.02), acc=0.78) for s in seeds},
        "time_x0.67": {s: row(ch([20, 40, 60]), 4, base[s]["test_mean_steps"] + 0.5 + rng.normal(0, 0.02), acc=0.82 + 0.01 * s) for s in seeds},
    }
    assert tradeoffs.judge(rows, tradeoffs.DESIGN)["verdict"] == "reproduced"
    # the same runs below the accuracy floor are inconclusive, with the reason
    low = {c: {s: {**r, "test_accuracy": 0.3} for s, r in by.items()} for c, by in rows.items()}
    out = tradeoffs.judge(low, tradeoffs.DESIGN)
    assert out["verdict"] == "inconclusive" and "floor 0.7" in out["reason"]
    # halting pinned at one step: inconclusive
    pinned = {c: {s: {**r, "test_mean_steps": 1.0} for s, r in by.items()} for c, by in rows.items()}
    assert "halting adapts" in tradeoffs.judge(pinned, tradeoffs.DESIGN)["reason"]
    # a mean inside the window with every image halting alike (SD of E[t] over images ~0): inconclusive
    alike = {c: {s: {**r, "test_steps_sd": 0.01} for s, r in by.items()} for c, by in rows.items()}
    out = tradeoffs.judge(alike, tradeoffs.DESIGN)
    assert out["verdict"] == "inconclusive" and "SD over images 0.010" in out["reason"]
    varied = {c: {s: {**r, "test_steps_sd": 0.6} for s, r in by.items()} for c, by in rows.items()}
    assert tradeoffs.judge(varied, tradeoffs.DESIGN)["verdict"] == "reproduced"


def test_growth_rule_ordered_means_without_trend_are_not_reproduced():
    # finding 2's committed shape: channels 91 < 126 > 124, steps 1.0068 < 1.0075 < 1.0082 with overlapping CIs
    rng = np.random.default_rng(1)
    table = growth_vs_complexity.tasks({"a": "cifar10"})
    rows = {}
    for task, (_, k, _) in table.items():
        m = {2: 1.0068, 5: 1.0075, 10: 1.0082}[k]
        rows[task] = {s: row([10, 20, 30 + int(rng.integers(-20, 20))], 3, m + rng.normal(0, 0.01) + 1.0) for s in range(3)}
    out = growth_vs_complexity.judge(rows, table, epochs=1)
    assert out["verdict"] != "reproduced"
    # a clear trend in channels is reproduced
    for task, (_, k, _) in table.items():
        rows[task] = {s: row([10 * k, 20, 30 + s], 3, 2.0 + 0.01 * s) for s in range(3)}
    assert growth_vs_complexity.judge(rows, table, epochs=1)["verdict"] == "reproduced"


def test_committed_runs_are_rejudged_inconclusive():
    tr = tradeoffs.REGIMES["legacy-cpu"]
    rows = tradeoffs.collect_runs(ROOT / "benchmarks/results/tradeoffs/runs", tr["design"], tr["epochs"])
    out = tradeoffs.judge(rows, tr["design"])
    assert out["verdict"] == "inconclusive" and "accuracy 0.308" in out["reason"]
    g = growth_vs_complexity.REGIMES["legacy"]
    rows = growth_vs_complexity.collect_runs(ROOT / "benchmarks/results/growth_vs_complexity/runs", g["tasks"], g["epochs"])
    out = growth_vs_complexity.judge(rows, g["tasks"], g["epochs"])
    assert out["verdict"] == "inconclusive" and "accuracy 0.566" in out["reason"]


# --------------------------------------------------------------------------- pipelines end to end (smoke scale)


@pytest.mark.slow
@pytest.mark.parametrize("script", ["tradeoffs.py", "growth_vs_complexity.py"])
def test_training_findings_pipeline_smoke(tmp_path, script):
    runs, res = tmp_path / "runs", tmp_path / "res"
    cmd = [sys.executable, str(FINDINGS / script)]
    subprocess.run(cmd + ["run", "--out", str(runs), "--regime", "smoke", "--seeds", "0", "--jobs", "2",
                          "--archive", str(tmp_path / "archive")], check=True, env=ENV, cwd=FINDINGS)
    again = subprocess.run(cmd + ["run", "--out", str(runs), "--regime", "smoke", "--seeds", "0"],
                           check=True, env=ENV, cwd=FINDINGS, capture_output=True, text=True)
    assert "already finished" in again.stdout and again.stdout.split()[0] == again.stdout.split()[2]
    subprocess.run(cmd + ["report", "--runs", str(tmp_path / "archive"), "--regime", "smoke", "--results", str(res)],
                   check=True, env=ENV, cwd=FINDINGS)
    out = json.loads((res / "results.json").read_text())
    assert out["verdict"] == "inconclusive" and "rule" in out  # one seed, below the floor


@pytest.mark.slow
def test_occlusion_pipeline_with_a_held_out_occluder(tmp_path):
    occ = tmp_path / "stripes.py"
    occ.write_text("def stripes(images, ids, level, seed=0):\n    out = images.copy()\n"
                   "    out[:, : int(level * images.shape[1])] = 128\n    return out\n")
    runs = tmp_path / "runs"
    subprocess.run([sys.executable, str(FINDINGS / "occlusion.py"), "run", "--out", str(runs), "--occluder", f"{occ}:stripes",
                    "--n-images", "60", "--calibration-images", "60", "--levels", "0.3", "0.6", "--degradations", "noise"],
                   check=True, env=ENV, cwd=FINDINGS)
    subprocess.run([sys.executable, str(FINDINGS / "occlusion.py"), "report", "--runs", str(runs), "--results", str(tmp_path),
                    "--n-boot", "100"], check=True, env=ENV, cwd=FINDINGS)
    out = json.loads((tmp_path / "results.json").read_text())
    assert out["occluder"].endswith(":stripes")
    assert out["verdict"] in ("reproduced", "not reproduced", "inconclusive") and out["rule"]["text"]
    assert f"{occlusion.occluder_name(f'{occ}:stripes')}__0.3" in " ".join(p.name for p in runs.iterdir())


# --------------------------------------------------------------------------- the halting objective's price response


def _price_runs(means, sd=0.6, acc=0.75, T=4, seed_noise=0.05, seeds=(0, 1, 2)):
    rng = np.random.default_rng(2)
    return [{"objective": "optimal-stop", "time_price": p, "seed": s, "test_accuracy": acc, "steps_sd": sd, "T": T,
             "mean_steps": m + rng.normal(0, seed_noise)}
            for p, m in zip(price_response.PRICES, means) for s in seeds]


def test_price_response_rule_tells_a_dial_from_a_switch():
    dial = _price_runs([3.6, 3.2, 2.7, 2.2, 1.7, 1.2])
    assert price_response.judge(dial)["verdict"] == "dial"
    # the same range crossed in one jump between adjacent prices: a switch
    switch = price_response.judge(_price_runs([3.9, 3.9, 3.9, 1.0, 1.0, 1.0], sd=0.01))
    assert switch["verdict"] == "switch"
    assert any("largest step between adjacent prices" in f for f in switch["failed"])
    assert any("SD of E[t] 0.0" in f for f in switch["failed"])
    # a smooth mean whose images all halt alike (every run's SD over images 0.1) is not a dial
    alike = price_response.judge(_price_runs([3.6, 3.2, 2.7, 2.2, 1.7, 1.2], sd=0.1))
    assert alike["verdict"] == "switch" and any("< 0.3" in f for f in alike["failed"])
    # accuracy below the floor at an interior price
    low = _price_runs([3.6, 3.2, 2.7, 2.2, 1.7, 1.2])
    low[7]["test_accuracy"] = 0.69
    assert any("accuracy 0.6900 < 0.7" in f for f in price_response.judge(low)["failed"])
    # ... but not at the extreme prices, which the rule exempts
    edge = _price_runs([3.6, 3.2, 2.7, 2.2, 1.7, 1.2])
    for r in edge:
        if r["time_price"] in (price_response.PRICES[0], price_response.PRICES[-1]):
            r["test_accuracy"], r["steps_sd"] = 0.5, 0.0
    assert price_response.judge(edge)["verdict"] == "dial"
    # seeds that disagree at one price
    spread = _price_runs([3.6, 3.2, 2.7, 2.2, 1.7, 1.2])
    spread[9]["mean_steps"] += 0.8
    assert any("SD of the seeds' mean E[t]" in f for f in price_response.judge(spread)["failed"])
    # pinned at the window's edge, and rising with the price
    pinned = price_response.judge(_price_runs([3.99, 3.98, 3.97, 3.96, 3.95, 3.94], seed_noise=0.0))
    assert any("outside [1.05, T - 0.05]" in f for f in pinned["failed"])
    rising = price_response.judge(_price_runs([1.2, 1.7, 2.2, 2.7, 3.2, 3.6]))
    assert any("Spearman" in f for f in rising["failed"])


def test_price_response_rule_waits_for_every_seed():
    runs = _price_runs([3.6, 3.2, 2.7, 2.2, 1.7, 1.2])[:-1]
    assert price_response.judge(runs)["verdict"] == "incomplete"
    assert price_response.judge(_price_runs([3.6, 3.2])[:6])["verdict"] == "incomplete"


def test_price_response_committed_runs_are_judged_by_their_regime():
    # every archived run folder is a regime the script knows, and each run's command carries that regime's settings
    for folder in sorted(p for p in (price_response.OUT / "runs").iterdir() if p.is_dir()):
        regime = price_response.REGIMES[folder.name]
        for meta in folder.glob("*.cmd.json"):
            cmd = json.loads(meta.read_text())["command"]
            assert all(s.split("=")[0] in cmd and s.split("=", 1)[1].strip("'[]") in cmd for s in regime["sets"]), meta


def test_price_response_rule_exempts_the_designs_extremes_not_the_finished_ones():
    # 5 of 6 prices finished (one seed each): the highest finished price (0.32) is interior and judged
    runs = [r for r in _price_runs([3.6, 3.2, 2.7, 2.2, 1.7, 1.2], seeds=(0,)) if r["time_price"] != 0.64]
    runs[4]["test_accuracy"] = 0.65
    out = price_response.judge(runs)
    # a per-run check fails at an interior price: no run to come can undo it, so it is decided now
    assert out["verdict"] == "switch" and out["decided_early"]
    assert any("price 0.32 seed 0: accuracy 0.6500" in f for f in out["failed"])
    assert any("13 of 18 (price, seed) runs" in f for f in out["failed"])
    # the same failure at the design's highest price (exempt) decides nothing
    runs[4]["test_accuracy"] = 0.75
    top = [*runs, {**runs[4], "time_price": 0.64, "test_accuracy": 0.4, "steps_sd": 0.0}]
    assert price_response.judge(top)["verdict"] == "incomplete"


def test_price_response_rule_decides_early_only_on_per_run_checks():
    # checks across runs (seed spread, Spearman, jumps) can change as runs land: they never decide early
    spread = _price_runs([3.6, 3.2, 2.7, 2.2, 1.7, 1.2])
    spread[9]["mean_steps"] += 0.8
    out = price_response.judge(spread[:-1])
    assert out["verdict"] == "incomplete" and not out["decided_early"]
    assert any("SD of the seeds' mean E[t]" in f for f in out["failed"])
    # one interior run below the SD floor with 2 prices finished: decided already
    few = _price_runs([3.6, 3.2], seeds=(0,))
    few[1]["steps_sd"] = 0.1
    assert price_response.judge(few) == {**price_response.judge(few), "verdict": "switch", "decided_early": True}


@pytest.mark.slow
def test_price_response_run_is_reproduced_by_its_recorded_command(tmp_path):
    script = [sys.executable, str(FINDINGS / "price_response.py")]
    archive = tmp_path / "archive"
    subprocess.run(script + ["run", "--regime", "smoke", "--seeds", "0", "--prices", "0.08", "--variants", "optimal-stop",
                             "--out", str(tmp_path / "runs"), "--archive", str(archive)], check=True, env=ENV, cwd=ROOT)
    record = tmp_path / "record.json"
    subprocess.run(script + ["reproduce", "--regime", "smoke", "--name", "optimal-stop-p0.08-s0", "--out", str(tmp_path / "again"),
                             "--archive", str(archive), "--record", str(record)], check=True, env=ENV, cwd=ROOT)
    got = json.loads(record.read_text())
    assert got["identical"] and got["compared"]["test_accuracy"]["rerun"] is not None
    # a rerun that differs is reported and fails
    rows = [json.loads(line) for line in (archive / "optimal-stop-p0.08-s0.jsonl").read_text().splitlines()]
    rows[-1]["test_accuracy"] += 0.01
    (archive / "optimal-stop-p0.08-s0.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    bad = subprocess.run(script + ["reproduce", "--regime", "smoke", "--name", "optimal-stop-p0.08-s0", "--out", str(tmp_path / "third"),
                                   "--archive", str(archive), "--record", str(record)], env=ENV, cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 1 and "DIFFERENT" in bad.stdout and not json.loads(record.read_text())["identical"]

"""compare-rt claims a reviewer accepts: same images proven, baselines, crossed random effects.

Synthetic data with known truth (issue 12, item 4), each test checked by planting the bug it
guards (see the comment above each), plus stimulus identity and the summary.json layout.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from neurogrow.cli import main
from neurogrow.human import HumanData
from neurogrow.rt import Options, analyse

ROOT = Path(__file__).resolve().parents[1]
GEIRHOS = ROOT / "human_data" / "geirhos2019"
EDGES, SILHOUETTES = GEIRHOS / "raw-data" / "edge-experiment", GEIRHOS / "raw-data" / "silhouette-filled-experiment"
FAST = ["--n-boot", "100", "--n-perm", "200", "--n-splits", "10"]


def _run(capsys, *args) -> tuple[int, str, str]:
    # --quiet: stderr then holds only what the command says about errors, not progress lines
    rc = main(["--quiet", *[str(a) for a in args]])
    out = capsys.readouterr()
    return rc, out.out, out.err


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _times_csv(path: Path, stimulus_dir: Path, seed: int = 0) -> Path:
    """Model times for every image of a stimulus folder, with the images' sha256."""
    files = sorted(stimulus_dir.glob("*/*.png"))
    rng = np.random.default_rng(seed)
    pd.DataFrame(
        {"stimulus": [f.relative_to(stimulus_dir).as_posix() for f in files], "model_time": rng.gamma(3, 1, len(files)), "sha256": [_sha(f) for f in files]}
    ).to_csv(path, index=False)
    return path


def _human(trials: pd.DataFrame) -> HumanData:
    t = trials.copy()
    t["responded"] = True
    t["correct"] = pd.array([pd.NA] * len(t), dtype="boolean")
    if "category" not in t:
        t["category"] = None
    return HumanData(format="long_csv", source="synthetic", trials=t[["subject", "stimulus", "rt", "responded", "correct", "category"]])


def _trials(log_rt: np.ndarray, categories=None) -> pd.DataFrame:
    """(images, subjects) log RTs -> trial rows."""
    n, s = log_rt.shape
    img, subj = np.repeat(np.arange(n), s), np.tile(np.arange(s), n)
    out = pd.DataFrame({"subject": [f"s{j}" for j in subj], "stimulus": [f"im{i:04d}.png" for i in img], "rt": np.exp(log_rt.ravel())})
    if categories is not None:
        out["category"] = np.asarray(categories)[img]
    return out


def _times(x: np.ndarray, **baselines) -> pd.DataFrame:
    # model times are step counts >= 1 (negative ones are refused): shift the planted values,
    # which changes no correlation
    x = np.asarray(x, dtype=float)
    out = pd.DataFrame({"stimulus": [f"im{i:04d}.png" for i in range(len(x))], "model_time": x - x.min() + 1.0})
    for name, z in baselines.items():
        out[f"baseline:{name}"] = z
    return out


# --------------------------------------------------------------------------- stimulus identity


@pytest.fixture(scope="module")
def edge_times_h5(tmp_path_factory):
    """The shipped model's times on the shipped edge stimuli (with activations, for compare-rsa)."""
    path = tmp_path_factory.mktemp("edges") / "edges.h5"
    assert main(["extract", "--images", str(GEIRHOS / "stimuli" / "edges"), "--out", str(path), "--activations"]) == 0
    return path


def test_edges_times_against_silhouette_rts_exit_2_nothing_written(capsys, tmp_path, edge_times_h5):
    # planted: check_identity returning "name only" without comparing -> rc 0 and this fails
    out = tmp_path / "out"
    rc, _, err = _run(capsys, "compare-rt", edge_times_h5, SILHOUETTES, "--out", out, *FAST)
    assert rc == 2 and not out.exists()
    assert len(err.strip().splitlines()) == 1
    assert "160 of 160 matched stimuli differ" in err and "'airplane/airplane1.png'" in err
    rc, _, err = _run(capsys, "compare-rsa", edge_times_h5, SILHOUETTES, "--out", tmp_path / "rsa", "--n-boot", "0")
    assert rc == 2 and not (tmp_path / "rsa").exists() and "differ" in err and len(err.strip().splitlines()) == 1


def test_same_images_verified_in_summary_and_report(capsys, tmp_path, edge_times_h5):
    out = tmp_path / "out"
    rc, stdout, err = _run(capsys, "compare-rt", edge_times_h5, EDGES, "--out", out, *FAST)
    assert rc == 0, err
    s = json.loads((out / "summary.json").read_text())
    assert s["stimulus_identity"] == "sha256" and s["stimulus_identity_detail"]["n_verified"] == 160
    assert "stimulus identity: sha256" in stdout
    assert "verified to be the same image" in (out / "report.md").read_text()


def test_manifest_and_stimuli_folder_name_first_difference_and_count(capsys, tmp_path):
    times = _times_csv(tmp_path / "times.csv", GEIRHOS / "stimuli" / "edges")
    files = sorted((GEIRHOS / "stimuli" / "edges").glob("*/*.png"))
    manifest = pd.DataFrame({"stimulus": [f.name for f in files], "sha256": [_sha(f) for f in files]})
    manifest.loc[[5, 7, 100], "sha256"] = "0" * 64
    manifest.to_csv(tmp_path / "manifest.csv", index=False)
    long = tmp_path / "trials.csv"  # the edge trials as a bare long CSV: no images beside them
    t = pd.read_csv(next(EDGES.glob("*subject-01*")))
    pd.DataFrame({"subject": t["subj"], "stimulus": t["imagename"].str.split("_", n=6).str[6], "rt": t["rt"].fillna(0.8)}).to_csv(long, index=False)
    rc, _, err = _run(capsys, "compare-rt", times, long, "--out", tmp_path / "a", "--stimuli", tmp_path / "manifest.csv", *FAST)
    assert rc == 2 and "3 of 160 matched stimuli differ" in err and repr(manifest["stimulus"][5]) in err
    rc, _, err = _run(capsys, "compare-rt", times, long, "--out", tmp_path / "b", "--stimuli", GEIRHOS / "stimuli" / "filled-silhouettes", *FAST)
    assert rc == 2 and "160 of 160" in err and not (tmp_path / "b").exists()
    # the bare CSV alone: no proof possible, matched by name and said so
    rc, _, err = _run(capsys, "compare-rt", times, long, "--out", tmp_path / "c", *FAST)
    s = json.loads((tmp_path / "c" / "summary.json").read_text())
    assert rc == 0 and s["stimulus_identity"] == "name only" and "name only" in (tmp_path / "c" / "report.md").read_text()


def test_recorded_source_that_cannot_be_the_stimuli_is_refused(tmp_path):
    from neurogrow.errors import DataError
    from neurogrow.human.identity import check_recorded_source

    with pytest.raises(DataError, match="occluded"):
        check_recorded_source({"source": "images:x", "occlusion": 0.2}, "geirhos2019", "t.h5")
    with pytest.raises(DataError, match="dataset:cifar10/train"):
        check_recorded_source({"source": "dataset:cifar10/train"}, "cifar10h_counts", "t.h5")
    with pytest.raises(DataError, match="image files"):
        check_recorded_source({"source": "dataset:cifar10/test"}, "geirhos2019", "t.h5")
    check_recorded_source({"source": "dataset:cifar10/test"}, "cifar10h_counts", "t.h5")


def test_layout_fallback_for_an_experiment_not_in_the_table(tmp_path):
    from neurogrow.errors import DataError
    from neurogrow.human.layout import GEIRHOS_STIMULI, geirhos_stimulus_folder

    assert GEIRHOS_STIMULI["style-transfer-512-nomask-experiment"] == "style-transfer-preprocessed-512"
    root = tmp_path / "geirhos2019"
    (root / "raw-data" / "new-experiment").mkdir(parents=True)
    for name in ("set-a", "set-b"):
        (root / "stimuli" / name / "cat").mkdir(parents=True)
    (root / "stimuli" / "set-a" / "cat" / "cat1.png").write_bytes(b"a")
    (root / "stimuli" / "set-b" / "cat" / "other.png").write_bytes(b"b")
    assert geirhos_stimulus_folder(root / "raw-data" / "new-experiment", ["cat1.png"]) == root / "stimuli" / "set-a"
    (root / "stimuli" / "set-b" / "cat" / "cat1.png").write_bytes(b"c")
    with pytest.raises(DataError, match="several folders"):
        geirhos_stimulus_folder(root / "raw-data" / "new-experiment", ["cat1.png"])
    assert geirhos_stimulus_folder(tmp_path / "elsewhere", ["cat1.png"]) is None


# --------------------------------------------------------------------------- a third experiment


def _third_experiment(tmp_path, capsys, per_category: int, n_boot: int):
    from geirhos_synthetic import make_experiment

    root = tmp_path / "geirhos2019"
    truth = make_experiment(root, per_category=per_category)
    stim = root / "stimuli" / "style-transfer-preprocessed-512"
    trials = root / "raw-data" / "style-transfer-512-nomask-experiment"
    h5 = tmp_path / "times.h5"
    assert main(["extract", "--images", str(stim), "--out", str(h5)]) == 0
    out = tmp_path / "out"
    rc, _stdout, err = _run(capsys, "compare-rt", h5, trials, "--out", out, "--n-boot", n_boot, "--n-perm", 1000)
    assert rc == 0, err
    s = json.loads((out / "summary.json").read_text())
    n = 16 * per_category
    assert s["n_stimuli"] == n and s["n_subjects"] == 10 and s["stimulus_identity"] == "sha256"
    assert s["stimulus_identity_detail"]["human_stimuli"] == str(stim)
    d = pd.read_csv(out / "per_image.csv")
    assert abs(sps.spearmanr(d["model_time"], d["human_measure"])[0] - s["spearman"]["r"]) < 1e-12
    assert set(s["baselines"]) == {"step1_uncertainty", "step1_entropy", "final_entropy", "confidence_step"}
    # another experiment's images under the same names are refused
    other = tmp_path / "other" / "geirhos2019"
    make_experiment(other, per_category=per_category, seed=1)
    rc, _, err = _run(capsys, "compare-rt", h5, other / "raw-data" / "style-transfer-512-nomask-experiment", "--out", tmp_path / "x", "--n-boot", 20)
    assert rc == 2 and f"{n} of {n} matched stimuli differ" in err
    return s, truth


def test_third_geirhos_layout_end_to_end_small(tmp_path, capsys):
    """The style-transfer layout (512 px images, shape-texture file names) through extract and compare-rt."""
    s, _ = _third_experiment(tmp_path, capsys, per_category=5, n_boot=100)
    assert s["n_trials"] > 0.95 * 800


@pytest.mark.slow
def test_third_geirhos_layout_end_to_end_full_size(tmp_path, capsys):
    """1,280 images of 512 px, 10 subjects, 12,800 trials, default statistics."""
    s, _ = _third_experiment(tmp_path, capsys, per_category=80, n_boot=1000)
    assert s["n_stimuli"] == 1280 and s["mixed_model"]["n_images"] == 1280
    assert sum(s["timings_s"].values()) < 120


# --------------------------------------------------------------------------- synthetic truth


def test_subjects_who_disagree_widen_the_two_level_ci():
    # planted: two_level_bootstrap drawing every subject once (v = ones) -> the widths are equal and this fails
    rng = np.random.default_rng(3)
    n, s = 80, 8
    d = rng.normal(size=n)
    slopes = np.linspace(-1.5, 2.5, s)  # subjects who disagree widely about which images are slow
    log_rt = 0.3 * d[:, None] * slopes[None, :] + rng.normal(0, 0.05, (n, s))
    r = analyse(_times(d), _human(_trials(log_rt)), Options(n_boot=400, n_perm=0, mixed_model=False, progress=False)).summary
    image_w = np.diff(r["spearman"]["ci95"])[0]
    two_w = np.diff(r["spearman"]["ci95_two_level"])[0]
    assert two_w > 2.0 * image_w
    assert r["primary_interval"] == "ci95_two_level" and r["spearman"]["significant"] is False


def test_between_category_effect_is_not_within_category():
    # planted: no category centring (residualize returning x) -> within-category r ~ the overall r
    # and this fails; and plain permutations of the raw values (permutation_pvalue(x, y, groups=None)
    # in both within-category p functions) -> small p values and this fails
    small = {"mean_removed": 0, "rank_residual": 0}
    rs = {"mean_removed": [], "rank_residual": []}
    for seed in range(10):
        rng = np.random.default_rng(seed)
        cats = np.repeat(np.arange(8), 12)
        effect = rng.normal(0, 1.0, 8)[cats]
        x = effect + rng.normal(0, 0.1, cats.size)  # model time: category only
        log_rt = effect[:, None] * 0.3 + rng.normal(0, 0.2, (cats.size, 6))
        r = analyse(_times(x), _human(_trials(log_rt, [f"c{c}" for c in cats])), Options(n_boot=50, n_perm=500, mixed_model=False, progress=False)).summary
        assert r["spearman"]["r"] > 0.5  # the between-category correlation is there
        for m in small:
            small[m] += r["within_category"][m]["spearman_partial"]["p_permutation"] < 0.05
            rs[m].append(r["within_category"][m]["spearman_partial"]["r"])
    assert small["mean_removed"] <= 2 and small["rank_residual"] <= 2
    assert abs(np.mean(rs["mean_removed"])) < 0.1 and abs(np.mean(rs["rank_residual"])) < 0.1


def test_crossed_model_recovers_a_planted_slope_and_its_ci_covers_it():
    # planted: fit_crossed with the image variance fixed at ~0 (theta[1] = -20) -> coverage ~0.5 and this fails
    from neurogrow.stats.mixed import fit_crossed

    slope, covered, estimates = 0.05, 0, []
    for seed in range(50):
        rng = np.random.default_rng(seed)
        n_img, n_sub = 40, 8
        img, sub = np.repeat(np.arange(n_img), n_sub), np.tile(np.arange(n_sub), n_img)
        t = rng.gamma(3, 1, n_img)
        y = slope * t[img] + rng.normal(0, 0.2, n_img)[img] + rng.normal(0, 0.15, n_sub)[sub] + rng.normal(0, 0.2, img.size)
        r = fit_crossed(y, t[img], sub, img)
        covered += r["ci95"][0] <= slope <= r["ci95"][1]
        estimates.append(r["coef"])
    assert covered >= 45
    assert abs(np.mean(estimates) - slope) < 0.01


def test_crossed_model_equals_statsmodels_variance_components():
    import warnings

    import statsmodels.api as sm

    from neurogrow.stats.mixed import fit_crossed

    rng = np.random.default_rng(0)
    img, sub = np.repeat(np.arange(40), 8), np.tile(np.arange(8), 40)
    keep = rng.random(img.size) > 0.1
    img, sub = img[keep], sub[keep]
    t, cat = rng.gamma(3, 1, 40), np.arange(40) % 4
    y = 0.05 * t[img] + rng.normal(0, 0.1, 40)[img] + rng.normal(0, 0.15, 8)[sub] + rng.normal(0, 0.2, img.size)
    mine = fit_crossed(y, t[img], sub, img, cat[img])
    df = pd.DataFrame({"y": y, "t": t[img] - t[img].mean(), "cat": cat[img].astype(str), "sub": sub, "img": img, "g": 1})
    model = sm.MixedLM.from_formula("y ~ t + C(cat)", groups="g", vc_formula={"sub": "0 + C(sub)", "img": "0 + C(img)"}, re_formula="0", data=df)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # BFGS with a tight gradient tolerance reaches the REML optimum (the default stops early on
        # the flat variance directions: variance SDs off by 1e-5, the slope's SE by 4e-5)
        ref = model.fit(reml=True, method="bfgs", gtol=1e-10, maxiter=1000)
    assert ref.converged and mine["converged"]
    assert mine["coef"] == pytest.approx(ref.fe_params["t"], abs=1e-8)
    assert mine["se"] == pytest.approx(ref.bse_fe["t"], rel=1e-4)
    assert mine["image_sd"] == pytest.approx(np.sqrt(ref.vcomp[0]), rel=1e-5)  # vcomp in name order: img, sub
    assert mine["subject_sd"] == pytest.approx(np.sqrt(ref.vcomp[1]), rel=1e-5)
    assert mine["residual_sd"] == pytest.approx(np.sqrt(ref.scale), rel=1e-6)


def _difference_detected(planted: bool, seed: int) -> bool:
    rng = np.random.default_rng(seed)
    n, s = 100, 6
    d = rng.normal(size=n)
    log_rt = 0.3 * d[:, None] + rng.normal(0, 0.15, (n, s))
    x = d + rng.normal(0, 0.3, n)
    z = x + rng.normal(0, 0.5, n) if planted else d + rng.normal(0, 0.3, n)  # planted: the baseline is a noisier E[t]
    r = analyse(_times(x, z=z), _human(_trials(log_rt)), Options(n_boot=300, n_perm=0, mixed_model=False, progress=False)).summary
    return bool(r["baselines"]["z"]["e_t_adds"])


def test_planted_difference_from_a_baseline_is_detected_and_a_null_one_is_not():
    # planted: an unpaired difference (the baseline's rho from other resamples) -> power falls and this fails;
    # and a difference of rho(E[t]) with itself -> nothing detected and this fails
    detected = sum(_difference_detected(True, seed) for seed in range(20))
    false = sum(_difference_detected(False, seed) for seed in range(100, 120))
    assert detected >= 18 and false <= 2


def test_baseline_numbers_recompute_from_per_image_csv(tmp_path, capsys):
    times = _times_csv(tmp_path / "times.csv", GEIRHOS / "stimuli" / "edges")
    other = _times_csv(tmp_path / "fixed.csv", GEIRHOS / "stimuli" / "edges", seed=5)
    out = tmp_path / "out"
    rc, stdout, err = _run(capsys, "compare-rt", times, EDGES, "--out", out, "--baseline", f"{other}:model_time", *FAST)
    assert rc == 0, err
    s = json.loads((out / "summary.json").read_text())
    d = pd.read_csv(out / "per_image.csv")
    b = s["baselines"]["fixed:model_time"]
    z, x, y = d["baseline:fixed:model_time"], d["model_time"], d["human_measure"]
    assert b["spearman"]["r"] == pytest.approx(sps.spearmanr(z, y)[0], abs=1e-12)
    assert b["difference"]["r"] == pytest.approx(sps.spearmanr(x, y)[0] - sps.spearmanr(z, y)[0], abs=1e-12)
    # partial Spearman, independently: correlation of the rank residuals after regressing on z's ranks
    rx, ry, rz = (sps.rankdata(v) for v in (x, y, z))
    res = [v - np.polyval(np.polyfit(rz, v, 1), rz) for v in (rx, ry)]
    assert b["partial"]["r"] == pytest.approx(np.corrcoef(*res)[0, 1], abs=1e-9)
    for key in ("spearman", "difference", "partial"):
        assert b[key]["ci95"][0] <= b[key]["r"] <= b[key]["ci95"][1] or key == "difference"
        assert len(b[key]["ci95_two_level"]) == 2
    assert b["sentence"].startswith("E[t]") and b["e_t_adds"] in (True, False)
    assert "E[t] minus it" in stdout


def test_holm_matches_statsmodels():
    from statsmodels.stats.multitest import multipletests

    from neurogrow.stats.paired import holm

    p = [0.01, 0.04, 0.03, 0.2, None, 0.005]
    ours = holm(p)
    ref = multipletests([v for v in p if v is not None], method="holm")[1]
    assert ours[4] is None and np.allclose([v for v in ours if v is not None], ref)


def test_every_summary_key_is_documented(capsys, tmp_path, edge_times_h5):
    out = tmp_path / "out"
    assert _run(capsys, "compare-rt", edge_times_h5, EDGES, "--out", out, *FAST)[0] == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["schema_version"] == "2.0"
    doc = (ROOT / "docs" / "compare_rt.md").read_text()
    documented = set(re.findall(r"[a-z0-9_]+", doc))
    keys: set[str] = set()

    def walk(o, depth=0):
        if isinstance(o, dict) and depth < 4:
            for k, v in o.items():
                if k not in s["baselines"] and k not in ("options", "inputs", "timings_s"):
                    keys.add(k)
                walk(v, depth + 1)

    walk({k: v for k, v in s.items() if k not in ("options", "inputs", "timings_s", "multiple_comparisons")})
    walk(s["multiple_comparisons"])
    missing = sorted(k for k in keys if k not in documented)
    assert not missing, f"summary.json keys not in docs/compare_rt.md: {missing}"

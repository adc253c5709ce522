"""neurogrow compare-rsa: RDMs against hand-worked cases, comparisons against rsatoolbox, bad input."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rsatoolbox.rdm import RDMs, compare, load_rdm

from neurogrow.cli import main
from neurogrow.errors import DataError
from neurogrow.io import activation_name, write_times
from neurogrow.rsa import (
    ModelPatterns,
    Options,
    analyse,
    cifar10h_rdms,
    confusion_dissimilarity,
    evaluate,
    geirhos_rdms,
    model_confusion_rdms,
    noise_ceiling,
    paired_difference,
    pattern_rdms,
    similarity,
)
from neurogrow.rsa.compare import bootstrap_samples
from neurogrow.rsa.human_rdms import split_counts
from neurogrow.rsa.model_rdms import halting_patterns

from conftest import EDGES

CIFAR10 = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


# --------------------------------------------------------------------------- hand-worked model RDMs


def _hand_patterns() -> tuple[ModelPatterns, list[str]]:
    """3 classes x 2 stimuli, 2-D patterns, one layer, two steps (step 2 = step 1 + 10 on channel 0 of class b)."""
    x1 = np.array([[0, 0], [2, 0], [1, 2], [1, 4], [4, 0], [4, 2]], dtype=float)
    x2 = x1.copy()
    x2[2:4, 0] += 10
    p = ModelPatterns(
        stimuli=[f"s{i}" for i in range(6)],
        activations={("layer1", 1): x1, ("layer1", 2): x2},
        layers=["layer1"],
        steps=2,
        exit_step=np.array([1, 1, 2, 1, 2, 2]),
        predictions=np.zeros((6, 2), dtype=int),
        class_names=["a", "b", "c"],
    )
    return p, ["a", "a", "b", "b", "c", "c"]


def _matrix(rdms, name: str) -> np.ndarray:
    i = list(np.asarray(rdms.rdm_descriptors["name"]).astype(str)).index(name)
    return rdms.get_matrices()[i]


def test_euclidean_rdm_of_class_means_by_hand():
    # class means: a (1, 0), b (1, 3), c (4, 1); rsatoolbox's euclidean = squared distance / channels
    p, classes = _hand_patterns()
    rdms = pattern_rdms(p, classes, "euclidean")
    assert list(rdms.pattern_descriptors["class"]) == ["a", "b", "c"]
    expected = np.array([[0, 9 / 2, 10 / 2], [9 / 2, 0, 13 / 2], [10 / 2, 13 / 2, 0]])
    np.testing.assert_allclose(_matrix(rdms, "layer1-t1"), expected)
    # step 2: b's mean is (11, 3)
    expected2 = np.array([[0, (100 + 9) / 2, 10 / 2], [(100 + 9) / 2, 0, (49 + 4) / 2], [10 / 2, (49 + 4) / 2, 0]])
    np.testing.assert_allclose(_matrix(rdms, "layer1-t2"), expected2)


def test_correlation_rdm_of_class_means_by_hand():
    # centred means: a (0.5, -0.5), b (-1, 1), c (1.5, -1.5): correlations -1 (a,b), +1 (a,c), -1 (b,c)
    p, classes = _hand_patterns()
    rdms = pattern_rdms(p, classes, "correlation")
    np.testing.assert_allclose(_matrix(rdms, "layer1-t1"), [[0, 2, 0], [2, 0, 2], [0, 2, 0]], atol=1e-12)


def test_halting_column_takes_each_image_at_its_exit_step():
    p, classes = _hand_patterns()
    h = halting_patterns(p, "layer1")
    np.testing.assert_array_equal(h[[0, 1, 3]], p.activations[("layer1", 1)][[0, 1, 3]])
    np.testing.assert_array_equal(h[[2, 4, 5]], p.activations[("layer1", 2)][[2, 4, 5]])
    # class means at the exit step: a (1, 0), b ((11 + 1) / 2, 3) = (6, 3), c (4, 1)
    rdms = pattern_rdms(p, classes, "euclidean")
    expected = np.array([[0, (25 + 9) / 2, 10 / 2], [(25 + 9) / 2, 0, (4 + 4) / 2], [10 / 2, 8 / 2, 0]])
    np.testing.assert_allclose(_matrix(rdms, "layer1-halt"), expected)
    assert list(np.asarray(rdms.rdm_descriptors["step"]).astype(str)) == ["1", "2", "halt"]


# --------------------------------------------------------------------------- confusion RDMs


def test_confusion_dissimilarity_by_hand():
    counts = np.array([[7, 1, 0], [1, 3, 0], [0, 1, 3]])
    d = confusion_dissimilarity(counts, ["a", "b", "c"])
    # P = [[7/8, 1/8, 0], [1/4, 3/4, 0], [0, 1/4, 3/4]]
    expected = np.array([[0, 1 - (1 / 8 + 1 / 4) / 2, 1], [1 - (1 / 8 + 1 / 4) / 2, 0, 1 - 1 / 8], [1, 1 - 1 / 8, 0]])
    np.testing.assert_allclose(d, expected)
    with pytest.raises(DataError, match="class 'c' has no responses"):
        confusion_dissimilarity(np.array([[1, 0, 0], [0, 1, 0], [0, 0, 0]]), ["a", "b", "c"])


def test_cifar10h_counts_to_rdm_by_hand():
    # 4 images: labels a, a, b, c; summed per true class: a [7, 1, 0], b [1, 3, 0], c [0, 1, 3]
    counts = np.array([[3, 1, 0], [4, 0, 0], [1, 3, 0], [0, 1, 3]])
    h = cifar10h_rdms(counts, np.array([0, 0, 1, 2]), ["a", "b", "c"], n_splits=2, seed=1)
    np.testing.assert_allclose(h.pooled.get_matrices()[0], [[0, 0.8125, 1], [0.8125, 0, 0.875], [1, 0.875, 0]])
    assert h.n_rdms == 2 and h.unit == "response split" and h.n_responses == 16
    assert h.stimulus_class == {"0": "a", "1": "a", "2": "b", "3": "c"}


def test_response_splits_partition_each_image_evenly():
    counts = np.random.default_rng(0).integers(0, 6, size=(50, 4))
    counts[:, 0] += 2
    s = split_counts(counts, 3, np.random.default_rng(1))
    np.testing.assert_array_equal(s.sum(axis=0), counts)
    sizes = s.sum(axis=2)  # (3, 50)
    assert (sizes.max(axis=0) - sizes.min(axis=0) <= 1).all()


def _geirhos_csv(path: Path, subject: str, rows: list[tuple[str, str, int]]) -> None:
    """rows: (category, response, image number)."""
    lines = [
        {"subj": subject, "session": 1, "trial": i + 1, "rt": "" if r == "na" else 0.7, "object_response": r,
         "category": c, "condition": 0, "imagename": f"{i + 1:04d}_edg_{subject[-2:]}_0_{c}_00_{c}{n}.png"}
        for i, (c, r, n) in enumerate(rows)
    ]
    pd.DataFrame(lines).to_csv(path, index=False)


def _geirhos_folder(tmp_path: Path) -> Path:
    d = tmp_path / "trials"
    d.mkdir()
    # subject 1: a->a, a->b, b->b, b->b, c->c, c->na (dropped)
    _geirhos_csv(d / "s-subject-01.csv", "subject-01",
                 [("a", "a", 1), ("a", "b", 2), ("b", "b", 1), ("b", "b", 2), ("c", "c", 1), ("c", "na", 2)])
    _geirhos_csv(d / "s-subject-02.csv", "subject-02",
                 [("a", "a", 1), ("a", "a", 2), ("b", "c", 1), ("b", "b", 2), ("c", "c", 1), ("c", "c", 2)])
    return d


def test_geirhos_per_subject_and_pooled_rdms_by_hand(tmp_path):
    h = geirhos_rdms(_geirhos_folder(tmp_path))
    assert h.class_names == ["a", "b", "c"] and h.unit == "subject" and h.n_rdms == 2
    m = h.rdms.get_matrices()
    # subject 1: P(b|a) = 1/2, others 0 -> d(a,b) = 1 - 1/4
    np.testing.assert_allclose(m[0], [[0, 0.75, 1], [0.75, 0, 1], [1, 1, 0]])
    # subject 2: P(c|b) = 1/2 -> d(b,c) = 0.75
    np.testing.assert_allclose(m[1], [[0, 1, 1], [1, 0, 0.75], [1, 0.75, 0]])
    # pooled: P(b|a) = 1/4, P(c|b) = 1/4 (c has 3 responses)
    np.testing.assert_allclose(h.pooled.get_matrices()[0], [[0, 0.875, 1], [0.875, 0, 0.875], [1, 0.875, 0]])
    assert h.n_responses == 11 and h.stimulus_class["b2.png"] == "b"


def test_model_confusion_rdm_by_hand():
    p, classes = _hand_patterns()
    # step 1 predictions: a->a, a->b, b->b, b->b, c->c, c->c; step 2: all correct; exit steps 1,1,2,1,2,2
    p.predictions = np.array([[0, 0], [1, 0], [1, 1], [1, 1], [2, 2], [2, 2]])
    r = model_confusion_rdms(p, classes)
    np.testing.assert_allclose(_matrix(r, "confusion-t1"), [[0, 0.75, 1], [0.75, 0, 1], [1, 1, 0]])
    np.testing.assert_allclose(_matrix(r, "confusion-t2"), np.ones((3, 3)) - np.eye(3))
    np.testing.assert_allclose(_matrix(r, "confusion-halt"), [[0, 0.75, 1], [0.75, 0, 1], [1, 1, 0]])  # image 1 exits at 1
    with pytest.raises(DataError, match="not one of the model's output classes"):
        model_confusion_rdms(p, ["a", "a", "b", "b", "x", "x"])


# --------------------------------------------------------------------------- comparisons against rsatoolbox


def _random_rdms(n: int, k: int, seed: int, **desc) -> RDMs:
    rng = np.random.default_rng(seed)
    mats = []
    for _ in range(n):
        x = rng.normal(size=(k, 4))
        mats.append(((x[:, None] - x[None]) ** 2).sum(-1))
    names = [f"c{i:02d}" for i in range(k)]
    return RDMs(np.stack(mats), dissimilarity_measure="x", rdm_descriptors={"name": [f"m{i}" for i in range(n)], **desc},
                pattern_descriptors={"class": names})


@pytest.mark.parametrize("method", ["spearman", "cosine_cov", "corr_cov"])
def test_similarity_and_noise_ceiling_equal_rsatoolbox(method):
    from rsatoolbox.inference import boot_noise_ceiling

    models, human = _random_rdms(5, 8, 0), _random_rdms(6, 8, 1)
    np.testing.assert_allclose(similarity(models, human, method), compare(models, human, method=method).mean(axis=1))
    np.testing.assert_allclose(noise_ceiling(human, method), boot_noise_ceiling(human, method=method))


@pytest.mark.parametrize("over", ["classes", "both"])
def test_bootstrap_equals_rsatoolbox_eval_bootstrap(over):
    from rsatoolbox.inference import eval_bootstrap, eval_bootstrap_pattern
    from rsatoolbox.model import ModelFixed

    models, human = _random_rdms(4, 8, 2), _random_rdms(5, 8, 3)
    fixed = [ModelFixed(f"m{i}", models[i]) for i in range(4)]
    np.random.seed(7)
    ours = bootstrap_samples(models, human, "spearman", 30, over, progress=False)
    np.random.seed(7)
    fn = eval_bootstrap_pattern if over == "classes" else eval_bootstrap
    theirs = fn(fixed, human, method="spearman", N=30).evaluations
    np.testing.assert_allclose(ours, theirs)


def test_evaluate_and_paired_difference():
    models, human = _random_rdms(3, 8, 4), _random_rdms(4, 8, 5)
    pooled = RDMs(human.get_matrices().mean(axis=0, keepdims=True), pattern_descriptors={"class": list(human.pattern_descriptors["class"])})
    h = type("H", (), {"rdms": human, "pooled": pooled})()
    ev = evaluate(models, h, "spearman", n_boot=40, over="classes", seed=0)
    assert ev.samples.shape == (40, 3) and (ev.ci[:, 0] <= ev.ci[:, 1]).all()
    np.testing.assert_allclose(ev.pooled, compare(models, pooled, method="spearman")[:, 0])
    d = paired_difference(ev, [0], [1])
    assert d["difference"] == pytest.approx(ev.values[0] - ev.values[1])
    sample_diffs = ev.samples[:, 0] - ev.samples[:, 1]
    assert d["ci95"][0] == pytest.approx(np.quantile(sample_diffs, 0.025))
    again = evaluate(models, h, "spearman", n_boot=40, over="classes", seed=0)
    np.testing.assert_array_equal(again.samples, ev.samples)  # seeded


def test_mismatched_classes_in_comparison():
    with pytest.raises(DataError, match="mismatched class sets"):
        similarity(_random_rdms(2, 8, 0), _random_rdms(2, 9, 1), "spearman")


# --------------------------------------------------------------------------- end to end through an HDF5 file


def _counts_and_labels(tmp_path: Path, n_per_class: int = 6) -> tuple[Path, Path, np.ndarray]:
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(10), n_per_class)
    counts = rng.integers(0, 3, size=(labels.size, 10))
    counts[np.arange(labels.size), labels] += 20
    np.save(tmp_path / "counts.npy", counts)
    np.save(tmp_path / "labels.npy", labels)
    return tmp_path / "counts.npy", tmp_path / "labels.npy", labels


def _h5(tmp_path: Path, labels: np.ndarray, idx: np.ndarray, activations: bool = True, name: str = "x.h5") -> Path:
    rng = np.random.default_rng(1)
    n, t = len(idx), 3
    probs = rng.dirichlet(np.ones(10), size=(n, t))
    halting = rng.dirichlet(np.ones(t), size=n)
    acts = None
    if activations:
        centres = {layer_index: rng.normal(size=(10, c)) for layer_index, c in ((1, 4), (2, 6))}
        acts = {activation_name(f"layer{layer_index}", s): centres[layer_index][labels[idx]] * s + rng.normal(size=(n, centres[layer_index].shape[1]))
                for layer_index in (1, 2) for s in range(1, t + 1)}
    table = pd.DataFrame({"stimulus": [str(i) for i in idx], "label": [CIFAR10[labels[i]] for i in idx]})
    return write_times(tmp_path / name, table, probs, halting, CIFAR10, attrs={"model_name": "toy"}, activations=acts)


def _run(capsys, *args) -> tuple[int, str, str]:
    # --quiet: stderr then holds only what the command says about errors, not status lines
    rc = main(["--quiet", "compare-rsa", *map(str, args)])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_h5_end_to_end(tmp_path, capsys):
    counts, labels_file, labels = _counts_and_labels(tmp_path)
    h5 = _h5(tmp_path, labels, np.arange(labels.size))
    out = tmp_path / "out"
    rc, _stdout, err = _run(capsys, h5, counts, "--labels", labels_file, "--out", out, "--n-boot", 20, "--n-splits", 3)
    assert rc == 0, err
    s = json.loads((out / "summary.json").read_text())
    assert s["n_classes"] == 10 and s["n_stimuli"] == 60 and s["comparators"] == ["spearman", "cosine_cov", "corr_cov"]
    assert s["human"]["n_rdms"] == 3 and s["model"]["steps"] == 3 and s["model"]["layers"] == ["layer1", "layer2"]
    cells = s["similarity"]["spearman"]
    assert len(cells) == 2 * 4 + 4  # 2 layers x (3 steps + exit step) + model confusions
    assert all(c["ci95"][0] is not None for c in cells)
    assert set(s["noise_ceiling"]["spearman"]) == {"lower", "upper"}
    assert s["best"]["spearman"]["layer"] in ("layer1", "layer2") and 1 <= s["best"]["spearman"]["step"] <= 3
    q = s["halting_question"]
    assert q["answer"].startswith(("yes", "no")) and len(q["per_comparator"]["spearman"]["per_layer"]) == 3
    for f in ("report.md", "heatmap_spearman.png", "heatmap_cosine_cov.pdf", "model_rdms.hdf5", "human_rdms.hdf5"):
        assert (out / f).is_file()
    assert "exit step" in (out / "report.md").read_text()
    # the stored model RDM is rsatoolbox's calc_rdm of the class means, and the similarity is rsatoolbox's compare
    from rsatoolbox.data import Dataset
    from rsatoolbox.rdm import calc_rdm

    from neurogrow.io import read_activations

    model_rdms, human_rdms = load_rdm(str(out / "model_rdms.hdf5")), load_rdm(str(out / "human_rdms.hdf5"))
    x = read_activations(h5, ["layer2-t3"])["layer2-t3"]
    direct = calc_rdm(Dataset(x, obs_descriptors={"class": np.array(CIFAR10)[labels]}), method="correlation", descriptor="class")
    i = list(model_rdms.rdm_descriptors["name"]).index("layer2-t3")
    np.testing.assert_allclose(model_rdms.dissimilarities[i], direct.dissimilarities[0], rtol=1e-6)
    subjects = human_rdms.subset("subject", [f"split-0{k}" for k in (1, 2, 3)])
    cell = next(c for c in cells if c["name"] == "layer2-t3")
    assert cell["similarity"] == pytest.approx(compare(model_rdms[i], subjects, method="spearman").mean(), rel=1e-6)
    # an existing output folder is refused
    rc, _, err = _run(capsys, h5, counts, "--labels", labels_file, "--out", out, "--n-boot", 0)
    assert rc == 2 and "--overwrite" in err


def _one_line_error(capsys, *args) -> str:
    rc, _out, err = _run(capsys, *args)
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_h5_without_activations_is_one_line_error(tmp_path, capsys):
    counts, labels_file, labels = _counts_and_labels(tmp_path)
    h5 = _h5(tmp_path, labels, np.arange(labels.size), activations=False)
    err = _one_line_error(capsys, h5, counts, "--labels", labels_file, "--out", tmp_path / "o")
    assert "no activations" in err and "--activations" in err
    assert not (tmp_path / "o").exists()


def test_mismatched_class_sets_is_one_line_error(tmp_path, capsys):
    counts, labels_file, labels = _counts_and_labels(tmp_path)
    h5 = _h5(tmp_path, labels, np.flatnonzero(labels != 9))  # no truck stimuli
    err = _one_line_error(capsys, h5, counts, "--labels", labels_file, "--out", tmp_path / "o")
    assert "mismatched class sets" in err and "truck" in err


def test_too_few_stimuli_per_class_is_one_line_error(tmp_path, capsys):
    counts, labels_file, labels = _counts_and_labels(tmp_path)
    idx = np.concatenate([np.flatnonzero(labels != 3), np.flatnonzero(labels == 3)[:2]])
    h5 = _h5(tmp_path, labels, idx)
    err = _one_line_error(capsys, h5, counts, "--labels", labels_file, "--out", tmp_path / "o")
    assert "too few stimuli per class" in err and "'cat' has 2" in err


def test_stimuli_not_in_human_data_is_one_line_error(tmp_path, capsys):
    h5 = _h5(tmp_path, np.repeat(np.arange(10), 6), np.arange(60))
    err = _one_line_error(capsys, h5, _geirhos_folder(tmp_path), "--out", tmp_path / "o")
    assert "not in the human data" in err


def test_bad_options_are_one_line_errors(tmp_path, capsys):
    counts, _labels_file, _ = _counts_and_labels(tmp_path)
    err = _one_line_error(capsys, "x.h5", counts, "--out", tmp_path / "o", "--comparators", "spearman,nope")
    assert "unknown comparator 'nope'" in err
    err = _one_line_error(capsys, "x.h5", counts, "--out", tmp_path / "o", "--n-boot", 3)
    assert "--n-boot" in err


def test_analyse_single_step_model_has_no_halting_question():
    p, classes = _hand_patterns()
    p.activations = {k: v for k, v in p.activations.items() if k[1] == 1}
    p.steps, p.exit_step = 1, np.ones(6, dtype=int)
    human = cifar10h_rdms(np.array([[5, 1, 0], [4, 2, 0], [1, 5, 1], [0, 6, 0], [0, 1, 5], [1, 0, 5]]),
                          np.array([0, 0, 1, 1, 2, 2]), ["a", "b", "c"], n_splits=2)
    r = analyse(p, classes, human, Options(comparators=("spearman",), n_boot=0, min_per_class=2))
    q = r.summary["halting_question"]
    assert q["answer"].startswith("not applicable")
    assert r.summary["similarity"]["spearman"][0]["ci95"] == [None, None]


# --------------------------------------------------------------------------- the shipped model


def test_shipped_model_on_geirhos_edges(tmp_path, capsys):
    out = tmp_path / "edges"
    rc, _stdout, err = _run(capsys, "blt-cifar10-adaptive", EDGES, "--out", out, "--n-boot", 10, "--comparators", "spearman")
    assert rc == 0, err
    s = json.loads((out / "summary.json").read_text())
    assert s["n_classes"] == 16 and s["n_stimuli"] == 160 and s["human"]["n_rdms"] == 10
    assert len(s["similarity"]["spearman"]) == 4 * 5  # no model confusions for the 16 Geirhos categories
    assert any("confusion RDM is skipped" in n for n in s["notes"])
    lo, up = s["noise_ceiling"]["spearman"]["lower"], s["noise_ceiling"]["spearman"]["upper"]
    assert 0 < lo <= up <= 1


def test_constant_confusion_rdm_scores_zero_and_writes_outputs(tmp_path):
    # a model that never errs has a constant confusion RDM: rsatoolbox's compare gives it similarity 0
    from neurogrow.rsa import write_outputs

    p, classes = _hand_patterns()
    p.predictions = np.array([[0, 0], [0, 0], [1, 1], [1, 1], [2, 2], [2, 2]])
    human = cifar10h_rdms(np.array([[5, 1, 0], [4, 2, 0], [1, 5, 1], [0, 6, 0], [0, 1, 5], [1, 0, 5]]),
                          np.array([0, 0, 1, 1, 2, 2]), ["a", "b", "c"], n_splits=2)
    r = analyse(p, classes, human, Options(comparators=("spearman",), n_boot=0, min_per_class=2))
    conf = [c for c in r.summary["similarity"]["spearman"] if c["kind"] == "confusion"]
    assert [c["similarity"] for c in conf] == [0.0, 0.0, 0.0]
    out = write_outputs(r, tmp_path / "out")
    text = (out / "summary.json").read_text()
    assert "NaN" not in text and json.loads(text)["similarity"]["spearman"][0]["ci95"] == [None, None]


# --------------------------------------------------------------------------- decisions on CIs, not point estimates


def _planted(values: list[float], samples: np.ndarray, ceiling=(0.6, 0.7)):
    """An Evaluation of one layer x 2 steps + exit step, with planted values and bootstrap samples."""
    from types import SimpleNamespace

    from neurogrow.rsa import Evaluation
    from neurogrow.rsa.compare import percentile_ci

    rdms = SimpleNamespace(rdm_descriptors={
        "layer": ["layer1"] * 3, "step": ["1", "2", "halt"], "kind": ["pattern"] * 3, "name": ["layer1-t1", "layer1-t2", "layer1-halt"],
    })
    values = np.asarray(values, dtype=float)
    ci = percentile_ci(samples) if samples.size else np.full((3, 2), np.nan)
    return Evaluation("spearman", values, values, ci, ceiling, samples, "classes" if samples.size else None), rdms


@pytest.mark.parametrize("samples", [np.empty((0, 3)), np.full((20, 3), np.nan)], ids=["n_boot=0", "all-resamples-failed"])
def test_halting_question_without_ci_is_undetermined(samples):
    from neurogrow.rsa.halting_question import halting_question

    # the exit step is ahead of step 1 and step 2 by +0.001 in point estimates only
    ev, rdms = _planted([0.500, 0.500, 0.501], samples)
    q = halting_question(ev, rdms, steps=2)
    assert q["better_than_both"] is None
    assert q["answer"].startswith("undetermined (no CI)") and not q["answer"].startswith("yes")
    assert q["mean_over_layers"]["halt_minus_step1"]["verdict"] == "undetermined (no CI)"
    assert q["per_layer"][0]["halt_minus_last"]["verdict"] == "undetermined (no CI)"


def test_halting_question_with_ci_decides_on_it():
    from neurogrow.rsa.halting_question import halting_question

    rng = np.random.default_rng(0)
    base = rng.normal(0.5, 0.01, size=(50, 1))
    higher = np.hstack([base, base, base + 0.05])  # exit step above both steps in every resample
    q = halting_question(*_planted([0.5, 0.5, 0.55], higher), steps=2)
    assert q["better_than_both"] is True and q["answer"].startswith("yes")
    mixed = np.hstack([base, base + 0.05 + rng.normal(0, 0.05, size=(50, 1)), base + 0.05])  # vs step 2: CI spans 0
    q = halting_question(*_planted([0.5, 0.55, 0.55], mixed), steps=2)
    assert q["better_than_both"] is False and q["answer"].startswith("no")


def test_best_cell_is_descriptive_and_ceiling_is_decided_on_the_ci():
    from neurogrow.rsa.analysis import _comparator_results
    from neurogrow.rsa.best import BEST_SELECTION

    rng = np.random.default_rng(1)
    # step 2 has the highest point estimate, 0.65 >= the lower ceiling 0.6, but its CI reaches down to ~0.4
    wide = np.hstack([rng.normal(0.4, 0.01, (40, 1)), rng.normal(0.55, 0.08, (40, 1)), rng.normal(0.4, 0.01, (40, 1))])
    ev, rdms = _planted([0.4, 0.65, 0.4], wide)
    best = _comparator_results({"spearman": ev}, rdms, 2)["best"]["spearman"]
    assert (best["layer"], best["step"], best["similarity"]) == ("layer1", 2, 0.65)
    assert best["selection"] == BEST_SELECTION and "not adjusted" in best["selection"]
    assert best["vs_lower_ceiling"] == "not distinguishable" and best["reaches_lower_ceiling"] is None
    # point estimate below the ceiling, CI entirely above it: reaches
    high = np.hstack([rng.normal(0.4, 0.01, (40, 1)), rng.normal(0.65, 0.005, (40, 1)), rng.normal(0.4, 0.01, (40, 1))])
    best = _comparator_results({"spearman": _planted([0.4, 0.59, 0.4], high)[0]}, rdms, 2)["best"]["spearman"]
    assert best["vs_lower_ceiling"] == "reaches" and best["reaches_lower_ceiling"] is True
    # CI entirely below: falls short
    low = np.hstack([rng.normal(0.4, 0.01, (40, 1)), rng.normal(0.5, 0.005, (40, 1)), rng.normal(0.4, 0.01, (40, 1))])
    best = _comparator_results({"spearman": _planted([0.4, 0.5, 0.4], low)[0]}, rdms, 2)["best"]["spearman"]
    assert best["vs_lower_ceiling"] == "falls short" and best["reaches_lower_ceiling"] is False
    # no CI: a point estimate above the ceiling decides nothing
    best = _comparator_results({"spearman": _planted([0.4, 0.65, 0.4], np.empty((0, 3)))[0]}, rdms, 2)["best"]["spearman"]
    assert best["vs_lower_ceiling"] == "undetermined (no CI)" and best["reaches_lower_ceiling"] is None


def test_best_cell_is_labelled_descriptive_in_report_and_console(tmp_path):
    from neurogrow.rsa import write_outputs
    from neurogrow.rsa.analysis import format_table

    p, classes = _hand_patterns()
    human = cifar10h_rdms(np.array([[5, 1, 0], [4, 2, 0], [1, 5, 1], [0, 6, 0], [0, 1, 5], [1, 0, 5]]),
                          np.array([0, 0, 1, 1, 2, 2]), ["a", "b", "c"], n_splits=2)
    r = analyse(p, classes, human, Options(comparators=("spearman",), n_boot=0, min_per_class=2))
    assert "descriptive" in r.summary["best"]["spearman"]["selection"]
    table = format_table(r.summary)
    assert "descriptive" in table and "not adjusted" in table and "undetermined (no CI)" in table
    report = (write_outputs(r, tmp_path / "out") / "report.md").read_text()
    assert "descriptive: the cell was selected on its point estimate and its CI is not adjusted" in report
    assert r.summary["halting_question"]["answer"].startswith("undetermined (no CI)")

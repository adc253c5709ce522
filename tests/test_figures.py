"""Figures say only what they show: no text over text, piled-up points spread, no invisible lines named.

Renders compare-rt's scatter and per-category figures for 2, 10 and 16 categories and checks
the drawn layout (bounding boxes from the renderer): the legend lies outside every data axes,
and no two text items overlap. `python benchmarks/figure_gallery.py --out DIR` renders them all
to look at.
"""
from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg", force=True)
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from neurogrow.rt.figures import _scatter, jitter_width


def _per_image(k: int, n: int = 160, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cats = [f"category-{i:02d}" for i in range(k)]
    piled = rng.random(n) < 0.8
    x = np.where(piled, 3.0 - rng.uniform(0, 0.003, n), rng.uniform(1.5, 2.8, n))
    return pd.DataFrame({"category": [cats[i % k] for i in range(n)], "model_time": x, "human_measure": rng.normal(-0.2, 0.2, n)})


SUMMARY = {"spearman": {"r": 0.123, "ci95": [-0.02, 0.27]}, "noise_ceiling": {"spearman_brown": 0.67}, "n_stimuli": 160}


def _texts(fig):
    """(text, window bbox) of every text drawn: titles, labels, legend entries and the tick labels
    inside each axis's view (matplotlib keeps labels of ticks outside the view, undrawn)."""
    r = fig.canvas.get_renderer()
    ticks, drawn_ticks = set(), []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            eps = 1e-9 * max(1.0, abs(hi - lo))
            for loc, label in zip(axis.get_ticklocs(), axis.get_ticklabels()):
                ticks.add(id(label))
                if lo - eps <= loc <= hi + eps and label.get_visible() and label.get_text().strip():
                    drawn_ticks.append(label)
    out = []
    for t in fig.findobj(matplotlib.text.Text):
        if id(t) not in ticks and t.get_visible() and t.get_text().strip():
            out.append((t.get_text(), t.get_window_extent(r)))
    return out + [(t.get_text(), t.get_window_extent(r)) for t in drawn_ticks]


@pytest.mark.parametrize("k", [2, 10, 16])
def test_scatter_legend_outside_the_data_and_no_text_overlaps(k):
    fig = _scatter(plt, _per_image(k), SUMMARY, "model time (steps)", "human mean log RT (log s)")
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    legend = fig.axes[0].get_legend()
    assert legend is not None and len(legend.get_texts()) == k
    box = legend.get_window_extent(r)
    for ax in fig.axes:
        assert not box.overlaps(ax.get_window_extent(r)), f"legend over the axes ({k} categories)"
    texts = _texts(fig)
    for (ta, a), (tb, b) in itertools.combinations(texts, 2):
        assert not a.overlaps(b), f"{ta!r} overlaps {tb!r} ({k} categories)"
    title = fig.axes[1].get_title()
    assert "Spearman 0.12, 95% CI over images [-0.02, 0.27]" in title and "noise ceiling 0.67" in title
    plt.close(fig)


def test_scatter_title_quotes_the_primary_interval_and_names_it():
    """With per-trial data the title quotes the two-level CI (the primary interval of report.md,
    the console and the README), not the image-only CI, and says which interval it is."""
    s = dict(SUMMARY, primary_interval="ci95_two_level")
    s["spearman"] = {"r": 0.17, "ci95": [0.035, 0.334], "ci95_two_level": [-0.003, 0.322]}
    fig = _scatter(plt, _per_image(2), s, "model time (steps)", "y")
    title = fig.axes[1].get_title()
    assert "two-level 95% CI [-0.00, 0.32]" in title
    assert "[0.04, 0.33]" not in title  # the image-only interval
    plt.close(fig)
    s["primary_interval"] = "ci95"  # no per-trial data: the image-only interval, so labelled
    fig = _scatter(plt, _per_image(2), s, "model time (steps)", "y")
    assert "95% CI over images [0.04, 0.33]" in fig.axes[1].get_title()
    plt.close(fig)


def test_piled_points_are_jittered_and_the_label_says_so():
    df = _per_image(16)
    w = jitter_width(df["model_time"])
    assert 0 < w <= 0.05 * np.ptp(df["model_time"])
    fig = _scatter(plt, df, SUMMARY, "model time (steps)", "y")
    xs = fig.axes[0].collections[0].get_offsets()[:, 0]
    assert f"\u00b1{w:.2g}" in fig.axes[0].get_xlabel()
    assert np.ptp(xs[xs > 2.9]) > 0.01  # the pile at 3 is spread out
    plt.close(fig)
    steps = np.repeat([1.0, 2.0, 3.0, 4.0], [5, 10, 130, 15])
    assert jitter_width(steps) == pytest.approx(0.2)  # integer steps: never into the next column
    assert jitter_width(np.linspace(1, 4, 160)) == 0.0  # no pile: data left alone


@pytest.mark.parametrize("ceiling", [None, (0.39, 0.49), (0.97, 0.975)])
def test_rsa_heatmap_title_names_only_lines_that_are_drawn(tmp_path, ceiling):
    from neurogrow.rsa.figures import write_heatmaps

    cells = [{"layer": f"layer{k}", "step": s, "similarity": 0.1 + 0.05 * k} for k in (1, 2) for s in ("1", "2", "halt")]
    nc = {"lower": ceiling[0], "upper": ceiling[1]} if ceiling else {"lower": None, "upper": None}
    summary = {
        "model": {"steps": 2, "name": "m"}, "comparators": ["spearman"], "similarity": {"spearman": cells},
        "noise_ceiling": {"spearman": nc}, "best": {"spearman": {"layer": "layer2", "step": "1"}},
        "human": {"format": "geirhos2019"}, "n_classes": 16,
    }
    captured = {}
    orig = plt.Figure.savefig

    def grab(self, *a, **kw):
        captured["fig"] = self
        return orig(self, *a, **kw)

    plt.Figure.savefig = grab
    try:
        write_heatmaps(summary, tmp_path)
    finally:
        plt.Figure.savefig = orig
    fig = captured["fig"]
    ax, cb = fig.axes
    title = ax.get_title()
    red = [ln for ln in cb.lines if ln.get_color() == "red"]
    if ceiling is None:
        assert "red" not in title and not red
    else:
        assert "red lines on the colour bar" in title and len(red) == 2
        lo, hi = cb.get_ylim()
        for ln in red:  # inside the bar, not on its edge
            y = ln.get_ydata()[0]
            assert lo < y < hi and (hi - y) > 0.01 * (hi - lo)


def test_sixteen_categories_get_distinct_colour_and_marker_pairs():
    from neurogrow.rt.figures import category_styles

    styles = category_styles(16)
    assert len(set(styles)) == 16
    assert all(a[0] != b[0] and a[1] != b[1] for a, b in itertools.pairwise(styles))  # neighbours differ in both


def test_figures_name_the_experiment_and_per_category_bars_have_cis(tmp_path):
    from types import SimpleNamespace

    from neurogrow.rt.analysis import per_category_table
    from neurogrow.rt.figures import experiment_name, write_figures

    rng = np.random.default_rng(0)
    cats = [f"c{i}" for i in range(16)]
    df = pd.DataFrame({"category": np.repeat(cats, 8), "model_time": rng.normal(3, 0.3, 128), "human_measure": rng.normal(0, 1, 128)})
    df["model_time_resid"] = df["model_time"] - df.groupby("category")["model_time"].transform("mean")
    df["human_measure_resid"] = df["human_measure"] - df.groupby("category")["human_measure"].transform("mean")
    pc = per_category_table(df, n_boot=200, seed=0)
    assert (pc["spearman_ci95_low"] <= pc["spearman"]).all() and (pc["spearman"] <= pc["spearman_ci95_high"]).all()
    s = {"human_measure": "mean_log_rt", "n_stimuli": 128, "inputs": {"human": "data/raw-data/edge-experiment/"},
         "spearman": {"r": 0.1, "ci95": [-0.1, 0.3]}, "noise_ceiling": {"spearman_brown": 0.6},
         "within_category": {"spearman_partial": {"r": 0.05}}}
    assert experiment_name(s) == "edge-experiment"
    assert experiment_name({"inputs": {"human": "my/trials.csv"}}) == "trials"
    shown = []
    real = plt.Axes.set_title
    try:
        plt.Axes.set_title = lambda self, text, *a, **k: shown.append(text) or real(self, text, *a, **k)
        write_figures(SimpleNamespace(summary=s, per_image=df, per_category=pc), tmp_path)
    finally:
        plt.Axes.set_title = real
    assert len(shown) == 3 and all("edge-experiment" in t for t in shown)


def test_occlusion_figure_legend_is_outside_the_axes(tmp_path, monkeypatch):
    import importlib
    import sys

    from conftest import ROOT

    sys.path.insert(0, str(ROOT / "benchmarks" / "findings"))  # as tests/test_findings.py imports the scripts
    module = importlib.import_module("occlusion")
    levels = [0.2, 0.4]
    est, boot = {}, {}
    for key in ("raw", "residual", "noise_residual", "blur_residual", "contrast_residual"):
        for lv in levels:
            est[f"{key}/{lv}"] = 0.2
            boot[f"{key}/{lv}"] = np.full(10, 0.2)
    for lv in levels:
        est[f"accuracy/{lv}"] = 0.5
    saved = []
    monkeypatch.setattr(module, "save_figure", lambda fig, stem: saved.append(fig))
    module.plot({"estimates": est, "boot": boot, "levels": levels}, tmp_path / "occ")
    fig = saved[0]
    fig.canvas.draw()
    ax = fig.axes[0]
    legend_box = ax.get_legend().get_window_extent()
    assert legend_box.y1 < ax.get_window_extent().y0  # below the axes: over no bar, no error bar
    assert "Occlusion" in ax.get_title()

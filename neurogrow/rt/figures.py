"""Stage 6 of compare-rt: the figures, a scatter plot and a per-category plot, as PNG and PDF."""
from __future__ import annotations

from pathlib import Path

import numpy as np

MEASURE_LABELS = {
    "mean_log_rt": "human mean log RT (log s)",
    "median_rt": "human median RT (s)",
    "accuracy": "human accuracy",
    "entropy": "human response entropy (bits)",
}


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(fig, folder: Path, stem: str) -> list[str]:
    names = []
    for ext in ("png", "pdf"):
        fig.savefig(folder / f"{stem}.{ext}", dpi=150 if ext == "png" else None, bbox_inches="tight")
        names.append(f"{stem}.{ext}")
    return names


def jitter_width(x: np.ndarray) -> float:
    """Half-width of the horizontal jitter for model times: 0 unless points pile up.

    Points pile up when many images share a value (exit steps; an E[t] that is about the same
    for most images). Exactly tied values on a coarse grid (gaps of at least 5% of the range,
    e.g. integer steps) are spread by 0.2 of the smallest gap, so no point crosses into a
    neighbouring value's column; near-ties among continuous values by 2% of the range (0.1
    step when all values are equal). The figure's axis label states the width.
    """
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    if x.size < 2:
        return 0.0
    span = float(x.max() - x.min())
    if span == 0.0:
        return 0.1
    cells = np.round((x - x.min()) / (0.005 * span))
    if np.unique(cells).size > 0.8 * x.size:  # no pile: leave the data alone
        return 0.0
    gaps = np.diff(np.unique(x))
    if gaps.min() >= 0.05 * span:
        return float(0.2 * gaps.min())
    return 0.02 * span


#: Markers cycled with the colours, so that 16 (or 20) categories differ by colour and by shape.
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def category_styles(n: int) -> list[tuple[tuple, str]]:
    """(colour, marker) of each of ``n`` categories: tab10's strong colours, then again with other
    markers, so that neighbours in the legend never share both (16 categories: 10 colours x 2 shapes)."""
    import matplotlib

    colours = matplotlib.colormaps["tab10"](np.arange(10))  # its 10 colours, as RGBA rows
    colours = [tuple(float(v) for v in c) for c in colours]
    return [(colours[i % len(colours)], MARKERS[(i // len(colours) + i) % len(MARKERS)]) for i in range(n)]


def experiment_name(s: dict) -> str:
    """The human data's name for figure titles: the experiment folder or file (``edge-experiment``)."""
    human = str((s.get("inputs") or {}).get("human") or "").rstrip("/")
    if not human:
        return "human data"
    path = Path(human)
    return path.stem if path.suffix.lower() in (".csv", ".npy") else path.name


def primary_interval(s: dict) -> tuple[str, str]:
    """The summary key of the primary CI and its label for the figure: the two-level (subjects x
    images) interval where per-trial data exist, else the bootstrap over images, as in report.md
    and the console table."""
    if s.get("primary_interval") == "ci95_two_level":
        return "ci95_two_level", "two-level 95% CI"
    return "ci95", "95% CI over images"


def _scatter(plt, df, s: dict, xlabel: str, ylabel: str):
    """Model time vs human measure: stats in the title, legend below the axes, jitter,
    transparency and a marginal histogram of each variable so piled-up points stay readable."""
    x = df["model_time"].to_numpy(float)
    y = df["human_measure"].to_numpy(float)
    width = jitter_width(x)
    rng = np.random.default_rng(0)
    xj = x + (rng.uniform(-width, width, x.size) if width else 0.0)
    has_cat = df["category"].notna().all() and df["category"].nunique() > 1
    cats = sorted(df["category"].unique()) if has_cat and df["category"].nunique() <= 20 else []
    fig = plt.figure(figsize=(6.0, 5.6 + 0.22 * int(np.ceil(len(cats) / 4))))
    grid = fig.add_gridspec(2, 2, width_ratios=(5, 1), height_ratios=(1, 4), hspace=0.05, wspace=0.05)
    ax = fig.add_subplot(grid[1, 0])
    top = fig.add_subplot(grid[0, 0], sharex=ax)
    right = fig.add_subplot(grid[1, 1], sharey=ax)
    size = 8 if len(df) > 1000 else 16
    if cats:
        for c, (colour, marker) in zip(cats, category_styles(len(cats))):
            m = (df["category"] == c).to_numpy()
            ax.scatter(xj[m], y[m], s=size * 1.4, color=colour, marker=marker, label=c, alpha=0.75, linewidths=0)
    else:
        ax.scatter(xj, y, s=size, alpha=0.45, linewidths=0, color="C0")
    bins_x = np.histogram_bin_edges(x[np.isfinite(x)], bins=min(40, max(5, np.unique(x).size)))
    if bins_x.size > 1 and bins_x[-1] - bins_x[0] < 1e-9:
        bins_x = np.array([bins_x[0] - 0.5, bins_x[0] + 0.5])
    top.hist(x, bins=bins_x, color="0.55")
    right.hist(y[np.isfinite(y)], bins=30, orientation="horizontal", color="0.55")
    top.set_ylabel("images", fontsize=7)
    right.set_xlabel("images", fontsize=7)
    for a in (top, right):
        a.tick_params(labelsize=7)
        a.spines[["top", "right"]].set_visible(False)
    top.tick_params(labelbottom=False)
    right.tick_params(labelleft=False)
    sp = s["spearman"]
    which, words = primary_interval(s)
    ci = sp.get(which)
    stats = f"Spearman {sp['r']:.2f}" if sp.get("r") is not None else "Spearman n/a"
    if ci and ci[0] is not None:
        stats += f", {words} [{ci[0]:.2f}, {ci[1]:.2f}]"
    nc = s["noise_ceiling"].get("spearman_brown")
    if nc is not None:
        stats += f"; noise ceiling {nc:.2f}"
    top.set_title(f"{experiment_name(s)}: n = {s['n_stimuli']} images\n{stats}", fontsize=9)
    ax.set_xlabel(xlabel + (f"\n(jittered by up to \u00b1{width:.2g} so piled-up points show)" if width else ""))
    ax.set_ylabel(ylabel)
    if cats:  # below everything the axes draw (tick labels, axis label): never over data or text
        fig.canvas.draw()
        bottom = ax.get_tightbbox(fig.canvas.get_renderer()).y0
        y = ax.transAxes.inverted().transform((0.0, bottom))[1]
        ax.legend(
            fontsize=7, ncol=min(4, len(cats)), frameon=False, loc="upper center", bbox_to_anchor=(0.6, y - 0.01),
            markerscale=1.2, handletextpad=0.2, columnspacing=0.8,
        )
    return fig


def write_figures(result, folder: str | Path) -> list[str]:
    """Write ``scatter.{png,pdf}`` and ``per_category.{png,pdf}``; returns the file names."""
    plt = _plt()
    folder = Path(folder)
    s = result.summary
    df = result.per_image
    ylabel = MEASURE_LABELS.get(s["human_measure"], s["human_measure"])
    xlabel = "model time (steps)"
    files: list[str] = []

    fig = _scatter(plt, df, s, xlabel, ylabel)
    files += _save(fig, folder, "scatter")
    plt.close(fig)

    fig, axes = plt.subplots(1, 2, figsize=(10.0, 4.6))
    pc = result.per_category
    if pc is not None and len(pc):
        pc = pc.sort_values("category")
        y = np.arange(len(pc))
        vals = pc["spearman"].to_numpy(float)
        axes[0].barh(y, np.nan_to_num(vals), color="0.65")
        if "spearman_ci95_low" in pc:  # 95% CI over each category's images
            lo, hi = pc["spearman_ci95_low"].to_numpy(float), pc["spearman_ci95_high"].to_numpy(float)
            ok = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(vals)
            # drawn from its ends: a percentile interval need not contain the estimate (few images)
            axes[0].errorbar((lo[ok] + hi[ok]) / 2, y[ok], xerr=(hi[ok] - lo[ok]) / 2, fmt="none", ecolor="k", elinewidth=0.8, capsize=2)
        axes[0].set_yticks(y, [f"{c} (n={n})" for c, n in zip(pc["category"], pc["n"])], fontsize=7)
        axes[0].axvline(0, color="k", lw=0.8)
        w = s["within_category"].get("spearman_partial") or {}
        title = f"{experiment_name(s)}: Spearman per category (95% CI over its images)"
        if w.get("r") is not None:  # stated in the title, not in a legend over the bars
            axes[0].axvline(w["r"], color="C3", lw=1.2, ls="--")
            title += f"\n(red dashed line: partial Spearman over all, {w['r']:.2f})"
        axes[0].invert_yaxis()
        axes[0].set_xlabel("Spearman within category")
        axes[0].set_title(title, fontsize=9)
        rx = df["model_time_resid"].to_numpy(float)
        width = jitter_width(rx)
        rx = rx + (np.random.default_rng(0).uniform(-width, width, rx.size) if width else 0.0)
        axes[1].scatter(rx, df["human_measure_resid"], s=10, alpha=0.45, linewidths=0)
        axes[1].set_xlabel("model time minus category mean")
        axes[1].set_ylabel(ylabel + " minus category mean")
        axes[1].set_title(f"{experiment_name(s)}: within category", fontsize=9)
    else:
        for ax in axes:
            ax.text(0.5, 0.5, "no categories in the data", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
    fig.tight_layout()
    files += _save(fig, folder, "per_category")
    plt.close(fig)
    return files

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


def write_figures(result, folder: str | Path) -> list[str]:
    """Write ``scatter.{png,pdf}`` and ``per_category.{png,pdf}``; returns the file names."""
    plt = _plt()
    folder = Path(folder)
    s = result.summary
    df = result.per_image
    ylabel = MEASURE_LABELS.get(s["human_measure"], s["human_measure"])
    xlabel = "model time (steps)"
    files: list[str] = []

    fig, ax = plt.subplots(figsize=(5.0, 4.2))
    has_cat = df["category"].notna().all() and df["category"].nunique() > 1
    if has_cat and df["category"].nunique() <= 20:
        cats = sorted(df["category"].unique())
        cmap = plt.get_cmap("tab20")
        for i, c in enumerate(cats):
            g = df[df["category"] == c]
            ax.scatter(g["model_time"], g["human_measure"], s=14, color=cmap(i % 20), label=c, alpha=0.8, linewidths=0)
        ax.legend(fontsize=6, ncol=2, frameon=False, loc="best", markerscale=0.8)
    else:
        ax.scatter(df["model_time"], df["human_measure"], s=8 if len(df) > 1000 else 14, alpha=0.5, linewidths=0)
    sp = s["spearman"]
    ci = sp["ci95"]
    txt = f"Spearman {sp['r']:.2f}"
    if ci and ci[0] is not None:
        txt += f" [{ci[0]:.2f}, {ci[1]:.2f}]"
    nc = s["noise_ceiling"].get("spearman_brown")
    if nc is not None:
        txt += f"\nnoise ceiling {nc:.2f}"
    ax.set_title(f"n = {s['n_stimuli']} images", fontsize=9)
    ax.text(0.02, 0.98, txt, transform=ax.transAxes, va="top", fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fig.tight_layout()
    files += _save(fig, folder, "scatter")
    plt.close(fig)

    fig, axes = plt.subplots(1, 2, figsize=(9.0, 4.0))
    pc = result.per_category
    if pc is not None and len(pc):
        pc = pc.sort_values("category")
        y = np.arange(len(pc))
        vals = pc["spearman"].to_numpy(float)
        axes[0].barh(y, np.nan_to_num(vals), color="0.5")
        axes[0].set_yticks(y, [f"{c} (n={n})" for c, n in zip(pc["category"], pc["n"])], fontsize=7)
        axes[0].axvline(0, color="k", lw=0.8)
        w = s["within_category"].get("spearman_partial") or {}
        if w.get("r") is not None:
            axes[0].axvline(w["r"], color="C3", lw=1.2, ls="--", label=f"partial Spearman {w['r']:.2f}")
            axes[0].legend(fontsize=7, frameon=False, loc="lower right")
        axes[0].invert_yaxis()
        axes[0].set_xlabel("Spearman within category")
        axes[0].set_title("per category", fontsize=9)
        axes[1].scatter(df["model_time_resid"], df["human_measure_resid"], s=10, alpha=0.6, linewidths=0)
        axes[1].set_xlabel("model time minus category mean")
        axes[1].set_ylabel(ylabel + " minus category mean")
        axes[1].set_title("within category", fontsize=9)
    else:
        for ax in axes:
            ax.text(0.5, 0.5, "no categories in the data", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
    fig.tight_layout()
    files += _save(fig, folder, "per_category")
    plt.close(fig)
    return files

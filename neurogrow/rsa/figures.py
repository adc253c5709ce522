"""Heatmaps of ``neurogrow compare-rsa``: similarity to the human RDMs per layer x step, one per comparator."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from neurogrow.rsa.model_rdms import HALT

COMPARATOR_LABELS = {
    "spearman": "Spearman rho",
    "cosine_cov": "whitened cosine",
    "corr_cov": "whitened Pearson r",
    "corr": "Pearson r",
    "cosine": "cosine",
    "kendall": "Kendall tau-b",
    "tau-a": "Kendall tau-a",
    "rho-a": "Spearman rho-a",
}


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def heatmap_grid(cells: list[dict], steps: int) -> tuple[list[str], list[str], np.ndarray]:
    """(row names, column names, values) of the layer x step grid (columns 1..T and ``halt``)."""
    rows = list(dict.fromkeys(c["layer"] for c in cells))
    cols = [str(t) for t in range(1, steps + 1)] + [HALT]
    grid = np.full((len(rows), len(cols)), np.nan)
    for c in cells:
        v = c["similarity"]
        grid[rows.index(c["layer"]), cols.index(c["step"])] = np.nan if v is None else v
    return rows, cols, grid


def write_heatmaps(summary: dict, folder: str | Path) -> list[str]:
    """Write ``heatmap_<comparator>.png`` and ``.pdf`` for every comparator; returns the file names."""
    plt = _plt()
    folder = Path(folder)
    files = []
    steps = summary["model"]["steps"]
    for method in summary["comparators"]:
        rows, cols, grid = heatmap_grid(summary["similarity"][method], steps)
        nc = summary["noise_ceiling"][method]
        best = summary["best"][method]
        fig, ax = plt.subplots(figsize=(1.1 * len(cols) + 2.4, 0.55 * len(rows) + 1.8))
        finite = grid[np.isfinite(grid)]
        vmin = min(float(finite.min()) if finite.size else 0.0, nc["lower"] if nc["lower"] is not None else np.inf)
        # the colour scale reaches the noise ceiling's upper bound, so both ceiling lines are visible on the bar
        vmax = max(float(finite.max()) if finite.size else 1.0, nc["upper"] if nc["upper"] is not None else -np.inf)
        vmax = vmax + 0.04 * (vmax - vmin)  # a margin: a line at the bar's edge would not be seen
        im = ax.imshow(grid, cmap="viridis", vmin=vmin, vmax=vmax if vmax > vmin else vmin + 1e-9, aspect="auto")
        for i in range(grid.shape[0]):
            for j in range(grid.shape[1]):
                if np.isfinite(grid[i, j]):
                    bold = rows[i] == best["layer"] and cols[j] == str(best["step"])
                    color = "black" if grid[i, j] > vmin + 0.6 * (vmax - vmin) else "white"
                    ax.text(j, i, f"{grid[i, j]:.2f}", ha="center", va="center", fontsize=8, color=color,
                            fontweight="bold" if bold else "normal")
        ax.set_xticks(range(len(cols)), [f"t{c}" if c != HALT else "exit step" for c in cols], fontsize=8)
        ax.set_yticks(range(len(rows)), [r if r != "confusion" else "model confusions" for r in rows], fontsize=8)
        ax.axvline(len(cols) - 1.5, color="white", lw=2)
        ax.set_xlabel("recurrent step")
        label = COMPARATOR_LABELS.get(method, method)
        cb = fig.colorbar(im, ax=ax, fraction=0.05, pad=0.03)
        cb.set_label(f"similarity to human RDMs ({label})", fontsize=8)
        drawn = []
        if nc["lower"] is not None:
            for v, name in ((nc["lower"], "lower"), (nc["upper"], "upper")):
                if v is not None and vmin <= v <= vmax:
                    cb.ax.axhline(v, color="red", lw=2.5, zorder=5)
                    drawn.append(name)
        ceiling = "n/a" if nc["lower"] is None else f"{nc['lower']:.2f} to {nc['upper']:.2f}"
        where = ""
        if len(drawn) == 2:
            where = " (its lower and upper bounds: red lines on the colour bar)"
        elif drawn:
            where = f" (its {drawn[0]} bound: red line on the colour bar)"
        ax.set_title(
            f"{summary['model']['name']} vs {summary['human']['format']}, {_experiment(summary)} ({summary['n_classes']} classes)\n"
            f"{label}; noise ceiling {ceiling}{where}",
            fontsize=9,
        )
        fig.tight_layout()
        for ext in ("png", "pdf"):
            fig.savefig(folder / f"heatmap_{method}.{ext}", dpi=150 if ext == "png" else None, bbox_inches="tight")
            files.append(f"heatmap_{method}.{ext}")
        plt.close(fig)
    return files


def _experiment(summary: dict) -> str:
    """The human data's name for the title: the experiment folder or file (``edge-experiment``)."""
    from neurogrow.rt.figures import experiment_name

    return experiment_name(summary)

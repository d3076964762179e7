"""Figures of the evaluation tables (``classifier.report``), as the report and notebooks show them.

Figures are built on ``matplotlib.figure.Figure``, not pyplot: no global state and no GUI
backend (PNG files are drawn by Agg), and a notebook shows a returned figure inline. matplotlib
is imported only here, and this module only when a figure is drawn, so ``import classifier``
does not need it (install it with the ``report`` extra).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

try:
    from matplotlib.figure import Figure
except ImportError as error:  # say how to get it, not just that it is missing
    raise ImportError("plots need matplotlib: pip install "
                      "'boilerplate-classifier[report]'") from error

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.container import BarContainer

#: Resolution of saved PNGs; with the figure sizes below, about 900-1000 pixels wide.
DPI = 110


def save(figure: Figure, path: Path) -> None:
    """Write ``figure`` as a PNG file at ``path``."""
    figure.savefig(path, format="png", dpi=DPI, bbox_inches="tight")


def _grouped_bars(ax: Axes, wide: pd.DataFrame) -> list[BarContainer]:
    """Bars of ``wide``: one group per row, one bar per column (labelled for a legend)."""
    width = 0.8 / len(wide.columns)
    x = np.arange(len(wide.index))
    bars = [ax.bar(x + (i - (len(wide.columns) - 1) / 2) * width, wide[column], width,
                   label=column)
            for i, column in enumerate(wide.columns)]
    ax.set_xticks(x, wide.index)
    return bars


def quality_bars(table: pd.DataFrame) -> Figure:
    """F1 per corpus, a bar per mode, from ``report.quality_table``."""
    figure = Figure(figsize=(8, 4))
    ax = figure.subplots()
    wide = table.pivot(index="dataset", columns="mode", values="f1")
    for bars in _grouped_bars(ax, wide.reindex(list(dict.fromkeys(table["dataset"])))):
        ax.bar_label(bars, fmt="%.3f", fontsize=7)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("token F1")
    ax.set_title("F1 per corpus")
    ax.legend(title="mode", loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.grid(axis="y", alpha=0.3)
    return figure


def threshold_curves(table: pd.DataFrame, threshold: float) -> Figure:
    """Precision, recall and F1 against the threshold, a panel per mode, from
    ``report.threshold_table``; a dotted line marks ``threshold``."""
    modes = list(dict.fromkeys(table["mode"]))
    figure = Figure(figsize=(4.5 * len(modes), 4))
    axes = np.atleast_1d(figure.subplots(1, len(modes), sharey=True))
    for ax, mode in zip(axes, modes, strict=True):
        rows = table[table["mode"] == mode]
        for measure in ("precision", "recall", "f1"):
            ax.plot(rows["threshold"], rows[measure], marker="o", markersize=3, label=measure)
        ax.axvline(threshold, color="grey", linestyle=":")
        ax.set_title(f"{mode} mode")
        ax.set_xlabel("threshold (probability of content)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("headline token score")
    axes[0].legend(loc="lower left")
    return figure


def confusion_heatmap(table: pd.DataFrame, title: str) -> Figure:
    """A confusion matrix from ``report.confusion_table``: colour is the share of the gold row,
    each cell says its paragraph count."""
    counts = table.to_numpy()
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    figure = Figure(figsize=(6.5, 5.5))
    ax = figure.subplots()
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for (row, column), count in np.ndenumerate(counts):
        ax.text(column, row, f"{count}", ha="center", va="center",
                color="white" if shares[row, column] > 0.6 else "black", fontsize=8)
    ax.set_xticks(range(len(table.columns)), table.columns, rotation=35, ha="right")
    ax.set_yticks(range(len(table.index)), table.index)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold (training labels)")
    ax.set_title(f"Confusion matrix, {title}")
    figure.colorbar(image, ax=ax, label="share of the gold row")
    return figure


def peer_bars(table: pd.DataFrame, mode: str) -> Figure:
    """F1 per corpus, a bar per extractor, from ``report.f1_by_extractor`` of ``mode``."""
    figure = Figure(figsize=(10, 4.5))
    ax = figure.subplots()
    _grouped_bars(ax, table.T)
    ax.set_ylim(0, 1)
    ax.set_ylabel("token F1")
    ax.set_title(f"Extractors compared, {mode} mode")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.grid(axis="y", alpha=0.3)
    return figure


def speed_bars(table: pd.DataFrame) -> Figure:
    """Pages per second per extractor (log scale), a bar per mode, from ``report.speed_table``."""
    figure = Figure(figsize=(8, 4.5))
    ax = figure.subplots()
    wide = table.pivot(index="extractor", columns="mode", values="pages_per_second")
    wide = wide.reindex(list(dict.fromkeys(table["extractor"])))
    height = 0.8 / len(wide.columns)
    y = np.arange(len(wide.index))
    for i, mode in enumerate(wide.columns):
        ax.barh(y + (i - (len(wide.columns) - 1) / 2) * height, wide[mode], height, label=mode)
    ax.set_yticks(y, wide.index)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("pages per second, one core (log scale)")
    ax.legend(title="mode")
    ax.grid(axis="x", alpha=0.3)
    return figure


def recurrence_bars(table: pd.DataFrame) -> Figure:
    """Recurring boilerplate removed and content kept, per case and system, from
    ``report.recurrence_table``."""
    figure = Figure(figsize=(11, 4.5))
    axes = figure.subplots(1, 2, sharey=True)
    for ax, measure, title in ((axes[0], "boilerplate_recall", "recurring boilerplate removed"),
                               (axes[1], "content_recall", "content kept")):
        wide = table.pivot(index="case", columns="system", values=measure)
        _grouped_bars(ax, wide[list(dict.fromkeys(table["system"]))])
        ax.set_title(title)
        ax.set_ylim(0, 1.05)
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("share of paragraphs")
    axes[1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    return figure

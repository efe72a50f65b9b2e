"""Pictures of scenario results as PNG bytes: the volume/capacity map, the convergence of the
assignment, and a map of the volume differences between two scenarios; and an HTML page of them.

Drawn with matplotlib's object API on the Agg canvas (no pyplot: no global state, safe in the
threads of a server). Two-way links are drawn side by side, each offset to its right.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from html import escape
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.figure import Figure

Segment = tuple[tuple[float, float], tuple[float, float]]


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()


def _offset(segments: Sequence[Segment]) -> np.ndarray:
    """The segments shifted to their right by 1 % of the drawing's extent."""
    lines = np.array(segments, dtype=np.float64).reshape(-1, 2, 2)
    if not lines.size:
        return lines
    extent = float(np.ptp(lines.reshape(-1, 2), axis=0).max()) or 1.0
    direction = lines[:, 1] - lines[:, 0]
    norm = np.hypot(direction[:, 0], direction[:, 1])
    norm[norm == 0] = 1.0
    right = np.stack([direction[:, 1], -direction[:, 0]], axis=1) / norm[:, None]
    return lines + (0.01 * extent * right)[:, None, :]


def _map(
    title: str,
    segments: Sequence[Segment],
    values: np.ndarray,
    widths: np.ndarray,
    norm: Normalize,
    cmap: str,
    label: str,
) -> bytes:
    figure = Figure(figsize=(8, 8))
    axes = figure.add_subplot()
    lines = LineCollection(list(_offset(segments)), cmap=cmap, norm=norm, linewidths=widths)
    lines.set_array(values)
    axes.add_collection(lines)
    axes.autoscale()
    axes.set_aspect("equal", adjustable="datalim")
    axes.set_title(title)
    axes.set_xticks([])
    axes.set_yticks([])
    figure.colorbar(lines, ax=axes, label=label, shrink=0.7)
    return _png(figure)


def _widths(volume: np.ndarray, largest: float = 8.0) -> np.ndarray:
    top = float(np.abs(volume).max()) if volume.size else 0.0
    return 0.5 + largest * np.abs(volume) / top if top > 0 else np.full(volume.shape, 0.5)


def volume_capacity_map(title: str, segments: Sequence[Segment], volume: np.ndarray,
                        voc: np.ndarray) -> bytes:  # fmt: skip
    """Links coloured by volume / capacity (green to red; the scale reaches at least 1.25 and
    at most 3), width by volume."""
    top = float(np.clip(np.nanmax(voc), 1.25, 3.0)) if voc.size else 1.25
    return _map(title, segments, voc, _widths(volume), Normalize(0.0, top), "RdYlGn_r",
                "volume / capacity")  # fmt: skip


def difference_map(title: str, segments: Sequence[Segment], difference: np.ndarray) -> bytes:
    """Links coloured by the volume difference (blue less, red more), width by its size."""
    top = float(np.abs(difference).max()) if difference.size else 0.0
    norm = TwoSlopeNorm(0.0, -top, top) if top > 0 else Normalize(-1.0, 1.0)
    return _map(title, segments, difference, _widths(difference), norm, "coolwarm",
                "volume difference (PCE)")  # fmt: skip


def convergence_plot(title: str, gap_history: Sequence[float], target: float) -> bytes:
    """The relative gap after each iteration (log scale) against the target."""
    figure = Figure(figsize=(7, 4))
    axes = figure.add_subplot()
    gaps = np.maximum(np.asarray(gap_history, dtype=np.float64), 1e-16)
    axes.semilogy(np.arange(1, gaps.size + 1), gaps, marker=".", label="relative gap")
    axes.axhline(target, color="grey", linestyle="--", label=f"target {target:g}")
    axes.set_xlabel("iteration")
    axes.set_ylabel("relative gap")
    axes.set_title(title)
    axes.legend()
    axes.grid(visible=True, which="both", alpha=0.3)
    return _png(figure)


def html_page(title: str, pictures: Sequence[tuple[str, bytes]], totals: dict[str, Any]) -> str:
    """A self-contained HTML page: the totals as a table and the pictures inline (PNG)."""
    rows = "".join(
        f"<tr><th>{escape(str(key))}</th><td>{value:,.3f}</td></tr>"
        if isinstance(value, int | float)
        else f"<tr><th>{escape(str(key))}</th><td>{escape(str(value))}</td></tr>"
        for key, value in totals.items()
    )
    images = "".join(
        f'<figure><img alt="{escape(caption)}" src="data:image/png;base64,'
        f'{base64.b64encode(png).decode()}"><figcaption>{escape(caption)}</figcaption></figure>'
        for caption, png in pictures
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
        "</title><style>body{font-family:sans-serif;margin:2em}td{text-align:right;"
        "padding-left:2em}img{max-width:100%}</style></head>"
        f"<body><h1>{escape(title)}</h1><table>{rows}</table>{images}</body></html>"
    )

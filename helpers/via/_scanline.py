"""Scanline rasterisation: shapes as runs of pixels, one interval per image row.

A *run* is ``(owner, row, start, stop)``: pixels ``row, start:stop`` belong to region
``owner``. Runs for all regions of an image are computed together with NumPy, clipped
to the image, merged where they overlap, then painted; the cost follows the outline
(crossings per row) rather than the bounding box times the number of vertices.

Coverage rule (the one of :func:`skimage.draw.polygon`, which the tests check pixel
for pixel): pixel ``(r, c)`` has its centre at ``x = c, y = r``, and is covered when its
centre lies inside the shape or on its outline.

Why by hand rather than a library: :func:`skimage.draw.polygon` tests every pixel of
the bounding box against every edge, one polygon at a time; this gives the same pixels
faster on real VIA files (see ``benchmarks/via_speed.py``), and also draws
the rotated ellipses, disks and thick lines VIA needs with the same rule.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

EPS = 1e-9  # tolerance for pixel centres that lie exactly on a curved outline

#: Runs are four int64 arrays of equal length: owner, row, start, stop.
Runs = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
_NO_RUNS: Runs = (np.zeros(0, np.int64),) * 4


def _rows_for(lo: np.ndarray, hi: np.ndarray, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (item, row) for rows lo..hi (inclusive, clipped to the image), item-major."""
    lo = np.clip(lo, 0, height).astype(np.int64)
    hi = np.clip(hi, -1, height - 1).astype(np.int64)
    counts = np.maximum(hi - lo + 1, 0)
    item = np.repeat(np.arange(len(lo)), counts)
    first = np.cumsum(counts) - counts
    return item, lo[item] + (np.arange(item.size) - first[item])


def _pair_up(key: np.ndarray, row: np.ndarray, x: np.ndarray):
    """Sort crossings by (key, row, x) and return them as consecutive pairs."""
    order = np.lexsort((x, row, key))
    key, row, x = key[order], row[order], x[order]
    return key[0::2], row[0::2], x[0::2], x[1::2]


def polygon_runs(
    polygons: Sequence[tuple[np.ndarray, np.ndarray]],
    owners: Sequence[int],
    width: int,
    height: int,
) -> Runs:
    """Runs ``(owner, row, start, stop)`` covering the closed polygons (even-odd rule).

    A pixel centre ``(c, r)`` is covered when a ray to its right crosses the outline an
    odd number of times (edges taken as ``[low, high)`` in y), or a ray to its left does
    (edges ``(low, high]``), or it is a vertex: the rule of :func:`skimage.draw.polygon`,
    which counts the outline in. Crossings are exact for integer coordinates.

    Parameters
    ----------
    polygons : sequence of (xs, ys)
        Vertices, float arrays of shape (n,); the last vertex joins the first.
    owners : sequence of int
        Region index of each polygon.
    width, height : int
        Image size: rows outside ``[0, height)`` are not produced; columns are clipped
        later by :func:`merge_runs`.
    """
    if not polygons:
        return _NO_RUNS
    sizes = np.array([len(p[0]) for p in polygons])
    x = np.concatenate([p[0] for p in polygons])
    y = np.concatenate([p[1] for p in polygons])
    poly = np.repeat(np.arange(len(polygons)), sizes)
    start = np.cumsum(sizes) - sizes
    prev = np.arange(x.size) - 1
    prev[start] = start + sizes - 1  # edge from each polygon's last vertex to its first
    xp, yp = x[prev], y[prev]
    low, high = np.minimum(y, yp), np.maximum(y, yp)
    owners = np.asarray(owners)
    out = []
    for first_row, last_row, right_ray in (
        (np.ceil(low), np.ceil(high) - 1, True),  # y in [low, high)
        (np.floor(low) + 1, np.floor(high), False),  # y in (low, high]
    ):
        edge, row = _rows_for(first_row, last_row, height)
        if edge.size == 0:
            continue
        r = row.astype(float)
        cross = (xp[edge] - x[edge]) * (r - y[edge]) / (yp[edge] - y[edge]) + x[edge]
        cross = np.clip(cross, -2.0, width + 2.0)  # far-away outlines: no overflow
        p, rr, a, b = _pair_up(poly[edge], row, cross)
        if right_ray:  # covered: a <= c < b
            c0, c1 = np.ceil(a), np.ceil(b)
        else:  # covered: a < c <= b
            c0, c1 = np.floor(a) + 1, np.floor(b) + 1
        out.append((owners[p], rr, c0.astype(np.int64), c1.astype(np.int64)))
    vx, vy = np.rint(x), np.rint(y)
    on_grid = (np.abs(x - vx) < 1e-12) & (np.abs(y - vy) < 1e-12)
    on_grid &= (vy >= 0) & (vy < height) & (vx >= 0) & (vx < width)
    if on_grid.any():
        col = vx[on_grid].astype(np.int64)
        out.append((owners[poly[on_grid]], vy[on_grid].astype(np.int64), col, col + 1))
    if not out:
        return _NO_RUNS
    return tuple(np.concatenate(parts) for parts in zip(*out, strict=True))


def ellipse_runs(
    ellipses: Sequence[tuple[float, float, float, float, float]],
    owners: Sequence[int],
    width: int,
    height: int,
) -> Runs:
    """Runs covering closed, rotated ellipses ``(cx, cy, rx, ry, theta)``.

    Covered: ``(u/rx)^2 + (v/ry)^2 <= 1`` with ``u``, ``v`` the pixel centre's offset
    along the ellipse's axes, the x axis turned by ``theta`` towards the image's y axis.
    Centres within a relative 1e-9 of the outline count as on it (so a circle of
    integer radius covers its integer points exactly).
    """
    if not ellipses:
        return _NO_RUNS
    cx, cy, rx, ry, theta = (np.array(v, dtype=float) for v in zip(*ellipses, strict=True))
    c, s = np.cos(theta), np.sin(theta)
    half_height = np.hypot(rx * s, ry * c)
    item, row = _rows_for(np.ceil(cy - half_height - EPS), np.floor(cy + half_height + EPS), height)
    if item.size == 0:
        return _NO_RUNS
    # ry^2 u^2 + rx^2 v^2 <= rx^2 ry^2 with u = dx c + dy s, v = dy c - dx s: a quadratic
    # A dx^2 + B dx + C <= 0 in dx for each row (dy fixed).
    rx2, ry2, c, s = rx[item] ** 2, ry[item] ** 2, c[item], s[item]
    dy = row - cy[item]
    qa = ry2 * c * c + rx2 * s * s
    qb = 2 * dy * c * s * (ry2 - rx2)
    qc = dy * dy * (ry2 * s * s + rx2 * c * c) - rx2 * ry2
    disc = qb * qb - 4 * qa * qc
    keep = disc >= -EPS * (qb * qb + np.abs(4 * qa * qc))
    root = np.sqrt(np.maximum(disc[keep], 0.0))
    left = (-qb[keep] - root) / (2 * qa[keep]) + cx[item][keep]
    right = (-qb[keep] + root) / (2 * qa[keep]) + cx[item][keep]
    left = np.clip(left, -2.0, width + 2.0)
    right = np.clip(right, -2.0, width + 2.0)
    c0 = np.ceil(left - EPS * np.maximum(1, np.abs(left))).astype(np.int64)
    c1 = np.floor(right + EPS * np.maximum(1, np.abs(right))).astype(np.int64) + 1
    return np.asarray(owners)[item][keep], row[keep], c0, c1


def merge_runs(
    owner: np.ndarray, row: np.ndarray, c0: np.ndarray, c1: np.ndarray, width: int
) -> Runs:
    """Clip runs to ``[0, width)`` and merge the overlapping or touching runs of the same
    owner and row; the result is sorted by owner, then row, then start."""
    c0, c1 = np.maximum(c0, 0), np.minimum(c1, width)
    keep = c1 > c0
    owner, row, c0, c1 = owner[keep], row[keep], c0[keep], c1[keep]
    if owner.size == 0:
        return owner, row, c0, c1
    order = np.lexsort((c0, row, owner))
    owner, row, c0, c1 = owner[order], row[order], c0[order], c1[order]
    new_group = np.ones(owner.size, bool)
    new_group[1:] = (owner[1:] != owner[:-1]) | (row[1:] != row[:-1])
    group = np.cumsum(new_group)
    offset = group * (width + 2)  # keeps the running maximum inside each group
    reach = np.maximum.accumulate(c1 + offset)
    starts = new_group.copy()
    starts[1:] |= (c0[1:] + offset[1:]) > reach[:-1]
    index = np.flatnonzero(starts)
    stop = np.maximum.reduceat(c1 + offset, index) - offset[index]
    return owner[index], row[index], c0[index], stop


def paint_union(
    row: np.ndarray, c0: np.ndarray, c1: np.ndarray, height: int, width: int
) -> np.ndarray:
    """A bool mask from disjoint runs: one slice per run, or one running sum when the
    runs are many for the image's size (a slice costs about as much as 200 pixels)."""
    if row.size * 200 < height * width:
        mask = np.zeros((height, width), dtype=bool)
        for r, a, b in zip(row.tolist(), c0.tolist(), c1.tolist(), strict=True):
            mask[r, a:b] = True
        return mask
    edges = np.zeros(height * width + 1, dtype=np.int8)
    np.add.at(edges, row * width + c0, 1)
    np.add.at(edges, row * width + c1, -1)
    return np.cumsum(edges[:-1], dtype=np.int8).reshape(height, width) > 0

"""Plots the lectures share: loss surfaces with descent paths, decision boundaries,
learning curves and image grids.

Every function draws on the ``ax`` it is given (or on a new figure), returns the
``Axes`` (or the ``Figure`` when it made several axes), never calls ``plt.show()``
and never changes matplotlib's global settings. Colours come from the Okabe–Ito
palette, which stays distinguishable with the common forms of colour blindness.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from ._validation import as_int
from .errors import (
    ArgumentTypeError,
    CourseError,
    InvalidArgumentError,
    MissingRecordError,
    ShapeError,
)

__all__ = [
    "PALETTE",
    "plot_autograd_graph",
    "plot_curves",
    "plot_decision_boundary",
    "plot_history",
    "plot_loss_surface",
    "show_images",
]

#: Okabe & Ito's colour-blind-safe palette: blue, orange, green, vermillion, purple, sky blue, yellow, black.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
SURFACE_CMAP = "viridis"  # perceptually uniform and colour-blind safe


def _new_axes(ax: Axes | None, **subplot_kw) -> Axes:
    if ax is not None:
        return ax
    _, ax = plt.subplots(subplot_kw=subplot_kw or None)
    return ax


def _to_numpy(values: Any) -> np.ndarray:
    if isinstance(values, torch.Tensor):
        return values.detach().cpu().numpy()
    return np.asarray(values)


# --------------------------------------------------------------------------- loss surfaces
def _evaluate_grid(loss_of: Callable, W: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Call ``loss_of`` on the whole grid at once if it accepts arrays, else point by point."""
    try:
        Z = np.asarray(_to_numpy(loss_of(W, B)), dtype=float)
        if Z.shape == W.shape:
            return Z
    except Exception:  # noqa: BLE001 - a scalar-only function; fall back below
        pass
    return np.array([[float(loss_of(w, b)) for w, b in zip(w_row, b_row)] for w_row, b_row in zip(W, B)])


def _paths_dict(paths: Any) -> dict[str, np.ndarray]:
    if paths is None:
        return {}
    if isinstance(paths, Mapping):
        items = list(paths.items())
    elif isinstance(paths, (np.ndarray, torch.Tensor)) or (
        isinstance(paths, Sequence) and len(paths) and np.ndim(_to_numpy(paths[0])) == 1
    ):
        items = [("descent path", paths)]
    else:
        items = [(f"path {i + 1}", p) for i, p in enumerate(paths)]
    out = {}
    for label, path in items:
        array = np.asarray(_to_numpy(path), dtype=float)
        if array.ndim != 2 or array.shape[1] != 2 or len(array) == 0:
            raise ShapeError(f"a descent path must have shape (steps, 2) holding (w, b) pairs; {label!r} has {array.shape}")
        out[str(label)] = array
    return out


def plot_loss_surface(
    loss_of: Callable,
    w_range: tuple[float, float],
    b_range: tuple[float, float],
    kind: str = "contour",
    paths: Any = None,
    ax: Axes | None = None,
    *,
    resolution: int = 80,
    levels: int = 25,
    labels: tuple[str, str] = ("$w$", "$b$"),
    title: str | None = None,
) -> Axes:
    """Draw a loss over two parameters, as contours or a 3-D surface, with descent paths on it.

    Parameters
    ----------
    loss_of : callable
        ``loss_of(w, b)``, vectorised over NumPy arrays if possible (scalar-only
        functions work too, point by point).
    w_range, b_range : (float, float)
        The window of the plot; paths that leave it are clipped.
    kind : {"contour", "surface"}
    paths : array of shape (steps, 2), a list of them, or a dict of label to array, optional
        Parameter values along descent; each is drawn from its start (a circle)
        to its end (a star).
    ax : Axes, optional
        Must be a 3-D axes (``projection="3d"``) for ``kind="surface"``.
    resolution : int, default 80
        Grid points per axis.
    levels : int, default 25
        Number of contour lines, spaced geometrically when the loss is positive
        so the floor of the valley is visible too.
    labels : (str, str)
        Axis labels of the two parameters.
    title : str, optional

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    InvalidArgumentError
        When ``kind`` is unknown, or ``ax`` is not a 3-D axes for ``kind="surface"``.
    ShapeError
        When a path does not have shape (steps, 2).

    Examples
    --------
    >>> def loss_of(w, b):
    ...     return (w - 1) ** 2 + 3 * (b + 0.5) ** 2
    >>> path = [(2.5, 1.5), (1.8, 0.3), (1.3, -0.3), (1.1, -0.45)]
    >>> plot_loss_surface(loss_of, (-2, 3), (-2, 2), paths={"SGD": path})  # doctest: +SKIP
    """
    if kind not in {"contour", "surface"}:
        raise InvalidArgumentError(f"kind must be 'contour' or 'surface', got {kind!r}")
    w = np.linspace(*w_range, resolution)
    b = np.linspace(*b_range, resolution)
    W, B = np.meshgrid(w, b)
    Z = _evaluate_grid(loss_of, W, B)
    path_arrays = _paths_dict(paths)

    if kind == "surface":
        ax = _new_axes(ax, projection="3d")
        if getattr(ax, "name", "") != "3d":
            raise InvalidArgumentError(
                "kind='surface' needs a 3-D axes: fig.add_subplot(projection='3d')"
            )
        ax.plot_surface(W, B, Z, cmap=SURFACE_CMAP, alpha=0.85, linewidth=0, antialiased=True)
        for color, (label, path) in zip(_cycle(), path_arrays.items()):
            z = _evaluate_grid(loss_of, path[:, :1], path[:, 1:]).ravel()
            ax.plot(path[:, 0], path[:, 1], z, "-o", color=color, markersize=3, label=label, zorder=10)
        ax.set_zlabel("loss")
    else:
        ax = _new_axes(ax)
        zmin, zmax = float(np.min(Z)), float(np.max(Z))
        if zmax - zmin < 1e-12 * max(1.0, abs(zmax)):  # a flat window: spread the levels a little
            zmin, zmax = zmin - 0.5, zmax + 0.5
        if zmin > 0 and zmax / zmin > 10:
            contour_levels = np.geomspace(zmin, zmax, levels)
        else:
            contour_levels = np.linspace(zmin, zmax, levels)
        filled = ax.contourf(W, B, Z, levels=contour_levels, cmap=SURFACE_CMAP, alpha=0.35)
        ax.contour(W, B, Z, levels=contour_levels, cmap=SURFACE_CMAP, linewidths=0.8)
        ax.figure.colorbar(filled, ax=ax, label="loss", format="%.3g")
        for color, (label, path) in zip(_cycle(), path_arrays.items()):
            ax.plot(path[:, 0], path[:, 1], "-", color=color, linewidth=1.8, label=label, zorder=3)
            ax.plot(path[:, 0], path[:, 1], ".", color=color, markersize=4, zorder=3)
            ax.plot(*path[0], "o", color=color, markersize=8, markeredgecolor="white", zorder=4)
            ax.plot(*path[-1], "*", color=color, markersize=14, markeredgecolor="white", zorder=4)
        ax.set_xlim(w_range)
        ax.set_ylim(b_range)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.set_title(title or ("loss surface" if kind == "surface" else "loss contours"))
    if path_arrays:
        ax.legend(loc="best", fontsize="small")
    return ax


def _cycle():
    while True:
        yield from (PALETTE[i] for i in (3, 0, 2, 4, 1, 7, 5))


# --------------------------------------------------------------------------- decision boundaries
def _predict_labels(predict: Callable, grid: np.ndarray) -> np.ndarray:
    if isinstance(predict, torch.nn.Module):
        device = next((p.device for p in predict.parameters()), torch.device("cpu"))
        was_training = predict.training
        predict.eval()
        with torch.no_grad():
            scores = predict(torch.as_tensor(grid, dtype=torch.float32, device=device))
        predict.train(was_training)
        scores = _to_numpy(scores)
        if scores.ndim == 2 and scores.shape[1] > 1:
            return scores.argmax(axis=1)
        return (scores.reshape(-1) > 0).astype(int)
    try:
        out = predict(grid)
    except (TypeError, AttributeError):
        out = predict(torch.as_tensor(grid, dtype=torch.float32))
    labels = _to_numpy(out)
    if labels.ndim == 2 and labels.shape[1] > 1:
        labels = labels.argmax(axis=1)
    return labels.reshape(-1)


def plot_decision_boundary(
    predict: Callable,
    X: Any,
    y: Any,
    ax: Axes | None = None,
    *,
    resolution: int = 200,
    padding: float = 0.5,
    class_names: Sequence[str] | None = None,
    feature_names: Sequence[str] = ("$x_1$", "$x_2$"),
    title: str | None = None,
) -> Axes:
    """Colour the plane by predicted class and draw the data on top.

    Parameters
    ----------
    predict : callable or nn.Module
        A function from an array of points of shape ``(M, 2)`` to class labels
        (NumPy arrays are tried first, then tensors), or a model whose outputs
        are class scores ``(M, C)`` or one logit per point.
    X : array of shape (n, 2)
    y : array of shape (n,) with integer class labels
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure.
    resolution : int, default 200
        Grid points per axis.
    padding : float, default 0.5
        Margin around the data, in feature units.
    class_names : sequence of str, optional
        Legend labels; by default ``"class 0"``, ``"class 1"``, ...
    feature_names : (str, str)
        Axis labels.
    title : str, optional

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    ShapeError
        When ``X`` does not have shape (n, 2) or ``y`` has another length.

    Examples
    --------
    >>> split = make_moons()                                    # doctest: +SKIP
    >>> plot_decision_boundary(model, split.X_test, split.y_test,
    ...                        class_names=split.class_names)   # doctest: +SKIP
    """
    X, y = _to_numpy(X).astype(float), _to_numpy(y).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ShapeError(f"plot_decision_boundary draws two features; X has shape {X.shape}, expected (n, 2)")
    if len(X) != len(y):
        raise ShapeError(f"X has {len(X)} points but y has {len(y)} labels")
    ax = _new_axes(ax)
    (x_min, y_min), (x_max, y_max) = X.min(axis=0) - padding, X.max(axis=0) + padding
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    grid = np.c_[xx.ravel(), yy.ravel()].astype(np.float32)
    Z = _predict_labels(predict, grid).reshape(xx.shape)
    classes = np.unique(np.concatenate([np.unique(y), np.unique(Z)])).astype(int)
    colors = [PALETTE[int(c) % len(PALETTE)] for c in range(int(classes.max()) + 1)]
    cmap = ListedColormap(colors)
    ax.contourf(xx, yy, Z, levels=np.arange(len(colors) + 1) - 0.5, cmap=cmap, alpha=0.25)
    ax.contour(xx, yy, Z, levels=np.arange(len(colors)) + 0.5, colors="0.2", linewidths=1)
    markers = "os^vDP*X"
    for c in np.unique(y).astype(int):
        name = class_names[c] if class_names is not None and c < len(class_names) else f"class {c}"
        ax.scatter(*X[y == c].T, s=22, color=PALETTE[c % len(PALETTE)], marker=markers[c % len(markers)],
                   edgecolors="white", linewidths=0.5, label=name)
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_xlabel(feature_names[0])
    ax.set_ylabel(feature_names[1])
    ax.set_title(title or "decision boundary")
    ax.legend(loc="best", fontsize="small")
    return ax


# --------------------------------------------------------------------------- curves
def plot_curves(
    curves: Mapping[str, Sequence[float]],
    ax: Axes | None = None,
    *,
    xlabel: str = "epoch",
    ylabel: str = "loss",
    title: str | None = None,
    logy: bool = False,
    start: int = 1,
) -> Axes:
    """Several named curves on one axes, e.g. the loss for several learning rates.

    Parameters
    ----------
    curves : dict of str to sequence of float
        One curve per label; point ``i`` is drawn at x = ``start + i``.
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure.
    xlabel, ylabel : str, default "epoch" and "loss"
    title : str, optional
        Default: ``"<ylabel> per <xlabel>"``.
    logy : bool, default False
        Use a logarithmic y axis.
    start : int, default 1
        The x of each curve's first point: 1 for epochs, 0 for steps counted from zero.

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    ArgumentTypeError
        When ``start`` is not an integer.

    Examples
    --------
    >>> losses = {"lr=0.1": [0.9, 0.5, 0.3], "lr=0.01": [0.9, 0.8, 0.7]}
    >>> plot_curves(losses, logy=True)                          # doctest: +SKIP
    """
    start = as_int(start, "start")
    ax = _new_axes(ax)
    for color, (label, values) in zip(_palette_cycle(), curves.items()):
        values = _to_numpy(values).astype(float).reshape(-1)
        ax.plot(np.arange(start, start + len(values)), values, color=color, label=str(label))
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title or f"{ylabel} per {xlabel}")
    if curves:
        ax.legend(loc="best", fontsize="small")
    return ax


def _palette_cycle():
    while True:
        yield from PALETTE


def plot_history(history, keys: Sequence[str] | None = None, ax: Axes | None = None) -> Axes | Figure:
    """Learning curves of a :class:`~course_utils.training.History`.

    With no ``ax`` and no ``keys`` it draws the losses and, when recorded,
    the accuracies side by side and returns the ``Figure``; otherwise it draws
    ``keys`` (default: the losses) on one ``Axes`` and returns it.

    Parameters
    ----------
    history : History or dict of str to list of float
        What :func:`~course_utils.fit` returned, or its ``records``.
    keys : sequence of str, optional
        The records to draw, e.g. ``["accuracy", "val_accuracy"]``.
    ax : matplotlib Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib Axes or Figure

    Raises
    ------
    CourseError
        When the history is empty.
    InvalidArgumentError
        When one of ``keys`` was not recorded.

    Examples
    --------
    >>> history = fit(model, train_loader, loss_fn, optimizer, epochs=10)  # doctest: +SKIP
    >>> plot_history(history)                                   # doctest: +SKIP
    >>> plot_history(history, keys=["val_accuracy"])            # doctest: +SKIP
    """
    records = getattr(history, "records", history)
    if not records:
        raise CourseError("the history is empty: train first, then plot")
    if ax is None and keys is None:
        groups = [[k for k in ("loss", "val_loss") if k in records]]
        extra = sorted({k.removeprefix("val_") for k in records} - {"loss"})
        groups += [[k for k in (name, f"val_{name}") if k in records] for name in extra]
        fig, axes = plt.subplots(1, len(groups), figsize=(5 * len(groups), 3.6), squeeze=False)
        for group, axis in zip(groups, axes[0]):
            _draw_history(records, group, axis)
        fig.tight_layout()
        return fig
    keys = list(keys) if keys is not None else [k for k in ("loss", "val_loss") if k in records]
    missing = [k for k in keys if k not in records]
    if missing:
        raise MissingRecordError(f"no record {missing[0]!r}; this history has {', '.join(records)}")
    return _draw_history(records, keys, _new_axes(ax))


def _draw_history(records: Mapping[str, Sequence[float]], keys: Sequence[str], ax: Axes) -> Axes:
    for key in keys:
        base = key.removeprefix("val_")
        color = PALETTE[0] if key.startswith("val_") else PALETTE[1]
        style = "-" if key.startswith("val_") else "--"
        label = ("validation " if key.startswith("val_") else "training ") + base
        epochs = np.arange(1, len(records[key]) + 1)
        ax.plot(epochs, records[key], style, color=color, marker="o", markersize=3, label=label)
    name = keys[0].removeprefix("val_") if keys else "value"
    ax.set_xlabel("epoch")
    ax.set_ylabel(name)
    ax.set_title(f"{name} per epoch")
    ax.legend(loc="best", fontsize="small")
    return ax


# --------------------------------------------------------------------------- images
def show_images(
    batch: Any,
    nrow: int = 8,
    ax: Axes | None = None,
    *,
    title: str | None = None,
    labels: Sequence[Any] | None = None,
    cmap: str = "gray_r",
) -> Axes:
    """Draw a batch of images as one grid, with ``torchvision.utils.make_grid``.

    Parameters
    ----------
    batch : tensor or array of shape (N, C, H, W), (N, H, W), or (N, H*W) with square images
    nrow : int, default 8
        Images per row.
    labels : sequence, optional
        One label per image, written above the grid row by row (small grids only).
    cmap : str, default "gray_r"
        For one-channel images (dark ink on white paper).
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure.
    title : str, optional

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    ShapeError
        When ``batch`` is empty, flat images are not square, or there are not 1 or 3 channels.

    Examples
    --------
    >>> split = load_mnist5k()                                  # doctest: +SKIP
    >>> show_images(split.X_train[:32], labels=split.y_train[:32].tolist())  # doctest: +SKIP
    """
    from torchvision.utils import make_grid

    images = torch.as_tensor(_to_numpy(batch), dtype=torch.float32)
    if images.ndim == 2:
        side = int(round(images.shape[1] ** 0.5))
        if side * side != images.shape[1]:
            raise ShapeError(f"cannot reshape flat images of {images.shape[1]} pixels into squares")
        images = images.view(-1, 1, side, side)
    elif images.ndim == 3:
        images = images.unsqueeze(1)
    if images.ndim != 4 or images.shape[1] not in (1, 3) or images.shape[0] == 0:
        raise ShapeError(
            f"show_images takes a non-empty batch of shape (N, C, H, W) with C = 1 or 3, got {tuple(images.shape)}"
        )
    grid = make_grid(images, nrow=nrow, padding=2, pad_value=0.0, normalize=True, scale_each=False)
    ax = _new_axes(ax)
    if images.shape[1] == 1:
        ax.imshow(grid[0].numpy(), cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
    else:
        ax.imshow(grid.permute(1, 2, 0).numpy(), interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if labels is not None:
        height, width = images.shape[2] + 2, images.shape[3] + 2
        for i, label in enumerate(labels[: len(images)]):
            row, col = divmod(i, nrow)
            ax.text(col * width + width / 2, row * height + 2, str(label), ha="center", va="top",
                    fontsize=8, color=PALETTE[3])
    if title:
        ax.set_title(title)
    return ax


# --------------------------------------------------------------------------- computational graphs
def _graph_of(output: torch.Tensor, names: Mapping[str, torch.Tensor]) -> tuple[dict, list]:
    """Nodes (id -> (label, depth)) and edges (from input towards output) of autograd's graph."""
    message = "plot_autograd_graph needs a tensor computed from tensors with requires_grad=True"
    if not isinstance(output, torch.Tensor):
        raise ArgumentTypeError(message)
    if output.grad_fn is None:
        raise InvalidArgumentError(message)
    leaf_names = {id(t): n for n, t in names.items()}
    nodes: dict[int, tuple[str, int]] = {}
    edges: list[tuple[int, int]] = []
    frontier = [(output.grad_fn, 0)]
    out_id = id(output)
    nodes[out_id] = ("output", 0)
    edges_seen = set()
    first = True
    while frontier:
        fn, depth = frontier.pop(0)
        if hasattr(fn, "variable"):  # AccumulateGrad: a leaf tensor
            leaf = fn.variable
            label = leaf_names.get(id(leaf), f"tensor {tuple(leaf.shape)}")
            key = id(leaf)
        else:
            label = type(fn).__name__.removesuffix("Backward0").removesuffix("Backward1")
            key = id(fn)
        previous = nodes.get(key)
        nodes[key] = (label, max(depth + 1, previous[1] if previous else 0))
        if first:
            edges.append((key, out_id))
            first = False
        for child, _ in getattr(fn, "next_functions", ()):
            if child is None:
                continue
            child_key = id(child.variable) if hasattr(child, "variable") else id(child)
            if (child_key, key) not in edges_seen:
                edges_seen.add((child_key, key))
                edges.append((child_key, key))
                frontier.append((child, nodes[key][1]))
    return nodes, edges


def plot_autograd_graph(
    output: torch.Tensor,
    names: Mapping[str, torch.Tensor] | None = None,
    ax: Axes | None = None,
    *,
    title: str | None = None,
) -> Axes:
    """Draw the computational graph autograd recorded for ``output``: inputs on the left, output on the right.

    Parameters
    ----------
    output : Tensor
        A result computed from tensors with ``requires_grad=True``.
    names : dict of str to Tensor, optional
        Names for the leaf tensors, e.g. ``{"x": x, "w": w}``.
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure.
    title : str, optional

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    ArgumentTypeError
        When ``output`` is not a tensor.
    InvalidArgumentError
        When ``output`` was not computed from tensors with ``requires_grad=True``.

    Examples
    --------
    >>> w = torch.tensor(2.0, requires_grad=True)
    >>> x, b = torch.tensor(3.0), torch.tensor(1.0, requires_grad=True)
    >>> plot_autograd_graph(w * x + b, names={"w": w, "x": x, "b": b})  # doctest: +SKIP
    """
    nodes, edges = _graph_of(output, names or {})
    depth_max = max(d for _, d in nodes.values())
    has_inputs = {end for _, end in edges}
    nodes = {k: (label, depth_max if k not in has_inputs else d) for k, (label, d) in nodes.items()}
    columns: dict[int, list[int]] = {}
    for key, (_, depth) in nodes.items():
        columns.setdefault(depth, []).append(key)
    position = {}
    for depth, keys in columns.items():
        for i, key in enumerate(keys):
            position[key] = (depth_max - depth, (len(keys) - 1) / 2 - i)
    ax = _new_axes(ax)
    kinds = {"input": PALETTE[1], "operation": PALETTE[5], "output": PALETTE[2]}
    boxes = {}
    for key, (label, _) in nodes.items():
        x, y = position[key]
        kind = "input" if key not in has_inputs else "output" if label == "output" else "operation"
        boxes[key] = ax.text(x, y, label, ha="center", va="center", fontsize=10, bbox={
            "boxstyle": "round,pad=0.4", "facecolor": kinds[kind], "edgecolor": "0.3", "alpha": 0.9})
    for start, end in edges:  # from the right edge of one box to the left edge of the next
        ax.annotate("", xy=(0, 0.5), xycoords=boxes[end], xytext=(1, 0.5), textcoords=boxes[start],
                    arrowprops={"arrowstyle": "-|>", "color": "0.4", "shrinkA": 4, "shrinkB": 4})
    ax.set_xlim(-0.6, depth_max + 0.6)
    spread = max(len(k) for k in columns.values())
    ax.set_ylim(-spread / 2 - 0.2, spread / 2 + 0.2)
    ax.axis("off")
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(facecolor=c, edgecolor="0.3", label=k) for k, c in kinds.items()],
              loc="lower center", ncol=3, fontsize="small", frameon=False, bbox_to_anchor=(0.5, -0.15))
    ax.set_title(title or "computational graph (data flows left to right; gradients flow back)")
    return ax

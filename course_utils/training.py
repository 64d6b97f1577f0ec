"""One training loop for the whole course: ``fit`` trains, ``evaluate`` measures.

The loop is the plain one every lecture writes by hand first (forward, loss,
``zero_grad``, ``backward``, ``step``), plus what a careful engineer adds: batches
moved to the model's device, ``train()``/``eval()`` switched, evaluation under
``torch.no_grad()``, running sums kept on the device so the GPU is not stopped
after every batch, per-epoch records in a :class:`History`, and a check of the
first batch that turns the usual shape and device mistakes into one readable line.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from ._validation import as_int, as_number
from .errors import (
    ArgumentTypeError,
    CourseError,
    InvalidArgumentError,
    MissingRecordError,
    ShapeError,
)
from .settings import progress_enabled

__all__ = ["History", "accuracy", "evaluate", "fit"]

Metric = Callable[[Tensor, Tensor], Tensor]
Callback = Callable[[int, dict[str, float]], Any]


def accuracy(outputs: Tensor, targets: Tensor) -> Tensor:
    """Fraction of correct predictions in a batch, as a 0-dim tensor.

    ``outputs`` are class scores of shape ``(N, C)`` (the arg-max is the
    prediction), or one logit per sample of shape ``(N,)`` or ``(N, 1)`` (class 1
    where the logit is >= 0, i.e. where σ(z) >= ½, as the perceptron of lecture 01
    decides). For sequences, the scores of targets shaped ``(N, T)`` may be
    ``(N, C, T)``, as ``nn.CrossEntropyLoss`` takes them, or ``(N, T, C)``, as a
    recurrent layer with ``batch_first=True`` returns them; every position counts.

    Parameters
    ----------
    outputs : Tensor of shape (N, C), (N,), (N, 1), (N, C, T) or (N, T, C)
        Class scores or logits, as the model returns them.
    targets : Tensor of shape (N,) or (N, T)
        Class indices (0 or 1 for one logit per sample).

    Returns
    -------
    Tensor
        A 0-dim float tensor between 0 and 1, on the device of ``outputs``.

    Raises
    ------
    ShapeError
        When 3-D scores fit neither ``(N, C, T)`` nor ``(N, T, C)`` for the targets.

    Examples
    --------
    >>> scores = torch.tensor([[2.0, 0.1], [0.3, 0.9], [1.5, -1.0]])
    >>> accuracy(scores, torch.tensor([0, 0, 0]))
    tensor(0.6667)
    >>> accuracy(torch.tensor([1.2, -0.3]), torch.tensor([1, 1]))  # one logit per sample
    tensor(0.5000)
    """
    if outputs.ndim >= 3:
        if outputs.shape[:1] + outputs.shape[2:] == targets.shape:
            predicted = outputs.argmax(dim=1)
        elif outputs.shape[:-1] == targets.shape:
            predicted = outputs.argmax(dim=-1)
        else:
            raise ShapeError(
                f"accuracy: scores of shape {tuple(outputs.shape)} do not fit targets of shape "
                f"{tuple(targets.shape)}; expected (N, C, T) or (N, T, C) for targets (N, T)"
            )
    elif outputs.ndim == 2 and outputs.shape[1] > 1:
        predicted = outputs.argmax(dim=1)
    else:
        predicted = (outputs.reshape(-1) >= 0).long()  # z = 0 is class 1, as in lecture 01
    return (predicted == targets.reshape(predicted.shape)).float().mean()


_BUILTIN_METRICS: dict[str, Metric] = {"accuracy": accuracy}


@dataclass
class History:
    """Per-epoch records of a training run: ``history["loss"]``, ``history["val_accuracy"]``, ...

    :func:`fit` returns one; you rarely make it yourself. Each parameter is kept
    as an attribute of the same name. ``len(history)`` is the number of epochs
    recorded, and ``history[name]`` raises :class:`MissingRecordError` for a name
    that was not recorded.

    Parameters
    ----------
    records : dict of str to list of float
        ``"loss"`` and each metric on the training batches (averaged over the
        epoch, as the model changed during it), and ``"val_..."`` on the
        validation loader after each epoch.
    seconds : float
        Wall-clock time of the whole run.

    Examples
    --------
    >>> history = fit(model, train_loader, loss_fn, optimizer, epochs=10)  # doctest: +SKIP
    >>> history = History({"loss": [0.9, 0.4], "val_loss": [1.0, 0.6]})
    >>> len(history), history["val_loss"]
    (2, [1.0, 0.6])
    """

    records: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0

    def append(self, logs: Mapping[str, float]) -> None:
        """Record one epoch's values, adding any name not seen before.

        Parameters
        ----------
        logs : mapping of str to float
            This epoch's values, e.g. ``{"loss": 0.42, "accuracy": 0.88}``;
            0-dim tensors are converted with ``float``.

        Returns
        -------
        None

        Examples
        --------
        >>> history = History()
        >>> history.append({"loss": 0.9, "accuracy": 0.6})
        >>> history["accuracy"]
        [0.6]
        """
        for key, value in logs.items():
            self.records.setdefault(key, []).append(float(value))

    def __getitem__(self, key: str) -> list[float]:
        """The values of ``key``, one per epoch; :class:`MissingRecordError` if not recorded."""
        try:
            return self.records[key]
        except KeyError:
            raise MissingRecordError(f"no record {key!r}; this history has {', '.join(self.records) or 'none'}") from None

    def __contains__(self, key: object) -> bool:
        return key in self.records

    def __len__(self) -> int:
        return len(self.records.get("loss", []))

    @property
    def epochs(self) -> list[int]:
        """Epoch numbers, starting at 1."""
        return list(range(1, len(self) + 1))

    def last(self, key: str) -> float:
        """The value of ``key`` after the final epoch.

        Parameters
        ----------
        key : str
            A recorded name, e.g. ``"loss"`` or ``"val_accuracy"``.

        Returns
        -------
        float

        Raises
        ------
        MissingRecordError
            When ``key`` was not recorded, or has no values yet.

        Examples
        --------
        >>> history = History({"loss": [0.9, 0.4, 0.3]})
        >>> history.last("loss")
        0.3
        """
        values = self[key]
        if not values:
            raise MissingRecordError(f"{key!r} has no values yet")
        return values[-1]

    def plot(self, keys: Sequence[str] | None = None, ax=None):
        """Learning curves; see :func:`course_utils.plotting.plot_history`.

        Parameters
        ----------
        keys : sequence of str, optional
            The records to draw on one axes; by default the losses and, when
            recorded, the accuracies side by side.
        ax : matplotlib Axes, optional
            Where to draw; by default a new figure.

        Returns
        -------
        matplotlib Axes or Figure
            The ``Figure`` when it drew several axes, else the ``Axes``.

        Raises
        ------
        CourseError
            When the history is empty.
        InvalidArgumentError
            When one of ``keys`` was not recorded.

        Examples
        --------
        >>> history = fit(model, train_loader, loss_fn, optimizer, epochs=10)  # doctest: +SKIP
        >>> history.plot()                                                      # doctest: +SKIP
        >>> history.plot(keys=["accuracy", "val_accuracy"])                     # doctest: +SKIP
        """
        from .plotting import plot_history

        return plot_history(self, keys=keys, ax=ax)

    def __repr__(self) -> str:
        if not len(self):
            return "History(empty)"
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.records.items() if v)
        return f"History({len(self)} epochs, {self.seconds:.1f} s; last: {last})"


# --------------------------------------------------------------------------- helpers
def _resolve_metrics(metrics: Mapping[str, Metric] | Sequence[str | Metric] | None) -> dict[str, Metric]:
    if metrics is None:
        return {}
    if isinstance(metrics, str):
        metrics = [metrics]
    if isinstance(metrics, Mapping):
        items = list(metrics.items())
    else:
        items = [(m, m) if isinstance(m, str) else (getattr(m, "__name__", "metric"), m) for m in metrics]
    resolved = {}
    for name, metric in items:
        if isinstance(metric, str):
            if metric not in _BUILTIN_METRICS:
                raise InvalidArgumentError(
                    f"unknown metric {metric!r}; use one of {', '.join(_BUILTIN_METRICS)} or pass a function"
                )
            metric = _BUILTIN_METRICS[metric]
        if not callable(metric):
            raise ArgumentTypeError(f"metric {name!r} must be a function (outputs, targets) -> tensor")
        resolved[name] = metric
    return resolved


def _model_device(model: nn.Module) -> torch.device | None:
    for tensor in model.parameters():
        return tensor.device
    for tensor in model.buffers():
        return tensor.device
    return None


def _choose_device(model: nn.Module, device: torch.device | str | None) -> torch.device:
    model_device = _model_device(model)
    if device is None:
        return model_device or torch.device("cpu")
    device = torch.device(device)
    if model_device is not None and model_device.type != device.type:
        raise InvalidArgumentError(
            f"the model is on {model_device} but device={device}; move it first with model.to(device)"
        )
    return model_device or device


def _progress_enabled(progress: bool) -> bool:
    if not progress or not progress_enabled():
        return False
    if "ipykernel" in sys.modules:
        return True
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


def _check_not_empty(loader: Iterable, name: str) -> None:
    try:
        n = len(loader)  # type: ignore[arg-type]
    except TypeError:
        return
    if n == 0:
        raise CourseError(f"{name} yields no batches; is the dataset empty or batch_size larger with drop_last?")


_ELEMENTWISE_LOSSES = (nn.MSELoss, nn.L1Loss, nn.SmoothL1Loss, nn.HuberLoss, nn.BCELoss, nn.BCEWithLogitsLoss)


def _check_first_batch(outputs: Tensor, targets: Tensor, loss_fn: Callable) -> None:
    """Catch the shape mistakes that would otherwise fail deep inside torch, or silently broadcast."""
    if not isinstance(outputs, Tensor):
        raise CourseError(f"the model must return a tensor, got {type(outputs).__name__}")
    if outputs.shape[:1] != targets.shape[:1]:
        raise ShapeError(
            f"the model returned outputs of shape {tuple(outputs.shape)} for targets of shape "
            f"{tuple(targets.shape)}: the first (batch) dimensions must match"
        )
    if isinstance(loss_fn, _ELEMENTWISE_LOSSES) and outputs.shape != targets.shape:
        raise ShapeError(
            f"{type(loss_fn).__name__} compares outputs of shape {tuple(outputs.shape)} with targets of "
            f"shape {tuple(targets.shape)} element by element, and would broadcast them; make them equal, "
            "e.g. outputs.squeeze(-1) or targets.view(-1, 1)"
        )
    if isinstance(loss_fn, nn.CrossEntropyLoss) and not targets.is_floating_point():
        if outputs.ndim < 2:
            raise ShapeError(
                f"CrossEntropyLoss needs class scores of shape (N, C), got outputs of shape {tuple(outputs.shape)}"
            )
        n_classes = outputs.shape[1]
        if targets.numel() and (int(targets.min()) < 0 or int(targets.max()) >= n_classes):
            raise ShapeError(
                f"targets hold class indices from {int(targets.min())} to {int(targets.max())} but the model "
                f"outputs scores for {n_classes} classes (0 to {n_classes - 1})"
            )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _to(tensor: Tensor, device: torch.device) -> Tensor:
    return tensor.to(device, non_blocking=True) if tensor.device != device else tensor


# --------------------------------------------------------------------------- the loop
def fit(
    model: nn.Module,
    train_loader: Iterable,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    optimizer: torch.optim.Optimizer,
    epochs: int,
    val_loader: Iterable | None = None,
    metrics: Mapping[str, Metric] | Sequence[str | Metric] | None = None,
    device: torch.device | str | None = None,
    grad_clip: float | None = None,
    callbacks: Sequence[Callback] = (),
    progress: bool = True,
    scheduler: Any | None = None,
) -> History:
    """Train ``model`` for ``epochs`` passes over ``train_loader``.

    Parameters
    ----------
    model : nn.Module
        Already on the device to train on (``model.to(get_device())``).
    train_loader : iterable of (inputs, targets)
        A ``DataLoader`` or an :class:`~course_utils.data.InMemoryLoader`;
        batches are moved to the model's device.
    loss_fn : callable
        ``loss_fn(outputs, targets)`` returning the mean loss of a batch.
    optimizer : torch.optim.Optimizer
    epochs : int
    val_loader : iterable, optional
        Evaluated after every epoch; its results are recorded as ``"val_..."``.
    metrics : list of str or callables, or dict of name to callable, optional
        Measured on every batch, e.g. ``["accuracy"]``. A metric is a function
        ``(outputs, targets) -> 0-dim tensor``, averaged over the batch.
    device : torch.device or str, optional
        Defaults to the model's device; if given, it must match it.
    grad_clip : float, optional
        Clip the total gradient norm to this value before every step.
    callbacks : sequence of callables
        Each is called as ``callback(epoch, logs)`` after every epoch (``epoch``
        starts at 1; ``logs`` maps names to this epoch's values). Returning
        ``True`` stops training.
    progress : bool, default True
        Show a progress bar (only in an interactive session, and never when the
        environment variable ``COURSE_PROGRESS=0``).
    scheduler : learning-rate scheduler, optional
        Its ``step()`` is called after every optimizer step (e.g. ``OneCycleLR``).

    Returns
    -------
    History
        The per-epoch records; see :class:`History`.

    Raises
    ------
    ArgumentTypeError
        When ``model`` is not an ``nn.Module``, ``epochs`` is not an integer,
        ``grad_clip`` is not a number or a metric is not a function.
    InvalidArgumentError
        When ``epochs`` is below 1, ``grad_clip`` is not positive, a metric name
        is unknown or ``device`` is not the model's device.
    ShapeError
        When the first batch's outputs and targets do not fit each other or ``loss_fn``.
    CourseError
        Before the first step, with one line saying what to fix: an empty
        loader, outputs and targets whose shapes cannot match, a model on
        another device than ``device``. During training, when the loss becomes
        NaN or infinite. Each error above is a ``CourseError`` too.

    Examples
    --------
    >>> train_loader, test_loader = make_moons().loaders(batch_size=32)  # doctest: +SKIP
    >>> model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
    >>> optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    >>> history = fit(model, train_loader, nn.CrossEntropyLoss(), optimizer, epochs=20,
    ...               val_loader=test_loader, metrics=["accuracy"])  # doctest: +SKIP
    """
    if not isinstance(model, nn.Module):
        raise ArgumentTypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    epochs = as_int(epochs, "epochs", minimum=1)
    if grad_clip is not None:
        grad_clip = as_number(grad_clip, "grad_clip", minimum=0, strict_minimum=True)
    _check_not_empty(train_loader, "train_loader")
    if val_loader is not None:
        _check_not_empty(val_loader, "val_loader")
    metric_fns = _resolve_metrics(metrics)
    device = _choose_device(model, device)

    history = History()
    start = time.perf_counter()
    checked = False
    bar = None
    if _progress_enabled(progress):
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs, desc="training", unit="epoch", leave=False)
    try:
        for epoch in range(1, epochs + 1):
            model.train()
            sums = {name: torch.zeros((), device=device) for name in ("loss", *metric_fns)}
            seen = 0
            for inputs, targets in train_loader:
                inputs, targets = _to(inputs, device), _to(targets, device)
                if not checked:
                    outputs = _first_forward(model, inputs)
                    _check_first_batch(outputs, targets, loss_fn)
                    loss = _first_loss(loss_fn, outputs, targets)
                    checked = True
                else:
                    outputs = model(inputs)
                    loss = loss_fn(outputs, targets)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if grad_clip is not None:
                    nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
                optimizer.step()
                if scheduler is not None:
                    scheduler.step()
                n = targets.shape[0]
                seen += n
                sums["loss"] += loss.detach() * n
                if metric_fns:
                    detached = outputs.detach()
                    for name, fn in metric_fns.items():
                        sums[name] += fn(detached, targets) * n
            if seen == 0:
                raise CourseError("train_loader yielded no batches; is the dataset empty?")
            logs = {name: float(total) / seen for name, total in sums.items()}
            if not math.isfinite(logs["loss"]):
                logs_text = f"loss became {logs['loss']} in epoch {epoch}"
                history.append(logs)
                raise CourseError(f"{logs_text}; lower the learning rate or clip gradients (grad_clip=...)")
            if val_loader is not None:
                val = evaluate(model, val_loader, loss_fn, metric_fns, device=device)
                logs.update({f"val_{name}": value for name, value in val.items()})
            history.append(logs)
            if bar is not None:
                bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items()}, refresh=False)
                bar.update(1)
            stops = [callback(epoch, dict(logs)) is True for callback in callbacks]  # call every one
            if any(stops):
                break
    finally:
        if bar is not None:
            bar.close()
        history.seconds = time.perf_counter() - start
    return history


def _first_forward(model: nn.Module, inputs: Tensor) -> Tensor:
    try:
        return model(inputs)
    except RuntimeError as exc:
        raise CourseError(
            f"the model failed on the first batch (inputs of shape {tuple(inputs.shape)} on "
            f"{inputs.device}): {_first_line(exc)}"
        ) from None


def _first_loss(loss_fn: Callable, outputs: Tensor, targets: Tensor) -> Tensor:
    try:
        loss = loss_fn(outputs, targets)
    except (RuntimeError, ValueError, IndexError) as exc:
        raise ShapeError(
            f"loss_fn failed on outputs of shape {tuple(outputs.shape)} ({outputs.dtype}) and targets of "
            f"shape {tuple(targets.shape)} ({targets.dtype}): {_first_line(exc)}"
        ) from None
    if not isinstance(loss, Tensor) or loss.ndim != 0:
        shape = tuple(loss.shape) if isinstance(loss, Tensor) else type(loss).__name__
        raise CourseError(f"loss_fn must return one number (a 0-dim tensor), got {shape}; use reduction='mean'")
    if torch.is_grad_enabled() and not loss.requires_grad:
        raise CourseError(
            "the loss does not depend on the model's parameters (no gradient can flow); "
            "compute it from the model's outputs with tensor operations, without .item(), .detach() or NumPy"
        )
    return loss


@torch.no_grad()
def evaluate(
    model: nn.Module,
    loader: Iterable,
    loss_fn: Callable[[Tensor, Tensor], Tensor] | None = None,
    metrics: Mapping[str, Metric] | Sequence[str | Metric] | None = ("accuracy",),
    device: torch.device | str | None = None,
) -> dict[str, float]:
    """Measure a model on every batch of ``loader``, in ``eval()`` mode and without gradients.

    Parameters
    ----------
    model : nn.Module
        The model to measure; batches are moved to its device.
    loader : iterable of (inputs, targets)
        A ``DataLoader`` or an :class:`~course_utils.data.InMemoryLoader`.
    loss_fn : callable, optional
        ``loss_fn(outputs, targets)`` returning the mean loss of a batch.
    metrics : list of str or callables, or dict of name to callable, default ("accuracy",)
        As in :func:`fit`; ``None`` measures no metric.
    device : torch.device or str, optional
        Defaults to the model's device; if given, it must match it.

    Returns
    -------
    dict of str to float
        ``"loss"`` (when ``loss_fn`` is given) and each metric, averaged over
        all samples. The model's train/eval mode is restored afterwards.

    Raises
    ------
    ArgumentTypeError
        When a metric is not a function.
    InvalidArgumentError
        When a metric name is unknown or ``device`` is not the model's device.
    ShapeError
        When the first batch's outputs and targets do not fit ``loss_fn``.
    CourseError
        When ``loader`` yields no batches or the model fails on the first batch.

    Examples
    --------
    >>> evaluate(model, test_loader, nn.CrossEntropyLoss())  # doctest: +SKIP
    {'loss': 0.213, 'accuracy': 0.94}
    >>> evaluate(model, test_loader)["accuracy"]              # doctest: +SKIP
    0.94
    """
    _check_not_empty(loader, "loader")
    metric_fns = _resolve_metrics(metrics)
    device = _choose_device(model, device)
    was_training = model.training
    model.eval()
    names = (["loss"] if loss_fn is not None else []) + list(metric_fns)
    sums = {name: torch.zeros((), device=device) for name in names}
    seen = 0
    try:
        for inputs, targets in loader:
            inputs, targets = _to(inputs, device), _to(targets, device)
            outputs = model(inputs) if seen else _first_forward(model, inputs)
            if not seen:
                _check_first_batch(outputs, targets, loss_fn)
            n = targets.shape[0]
            seen += n
            if loss_fn is not None:
                sums["loss"] += loss_fn(outputs, targets) * n
            for name, fn in metric_fns.items():
                sums[name] += fn(outputs, targets) * n
    finally:
        model.train(was_training)
    if seen == 0:
        raise CourseError("loader yielded no batches; is the dataset empty?")
    return {name: float(total) / seen for name, total in sums.items()}

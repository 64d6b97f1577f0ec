"""Evaluations that need no eyeballing: how well a generator's samples cover a known set of modes.

Lecture 07 trains generative models on a mixture of Gaussians whose centres are known
(see :func:`course_utils.data.make_gaussian_ring`); these functions turn a cloud of
generated points into numbers, as the unrolled-GAN (Metz et al., 2017) and VEEGAN
(Srivastava et al., 2017) papers do:

* :func:`mode_fractions`: the share of samples that landed near each centre;
* :func:`modes_covered`: how many centres received at least half a fair share (1/K
  of the samples for K equally likely modes), so that points spread evenly over a
  circle through the centres, or one wide blob, do not count as covering them;
* :func:`high_quality_fraction`: the share of samples near *some* centre, the
  "high-quality samples" (within 3 standard deviations of a mode).

A good generator needs both numbers high: many modes covered, and most samples
on a mode rather than between them.
"""

from __future__ import annotations

import torch
from torch import Tensor

from .errors import CourseError, InvalidArgumentError, ShapeError

__all__ = ["high_quality_fraction", "mode_fractions", "modes_covered"]


def mode_fractions(samples: Tensor, centres: Tensor, radius: float) -> Tensor:
    """Fraction of ``samples`` lying within ``radius`` of each centre.

    Parameters
    ----------
    samples : Tensor of shape (N, D)
        Generated points (on any device; the result is on the CPU).
    centres : Tensor of shape (K, D)
        The modes' centres.
    radius : float
        How close a sample must be to a centre to count for it (Euclidean distance).
        Choose it smaller than half the distance between neighbouring centres, so
        that no sample counts twice.

    Returns
    -------
    Tensor of shape (K,)
        ``fractions[k]`` is the number of samples within ``radius`` of centre ``k``
        divided by ``N``. When no two centres are within ``2 * radius`` of each
        other, no sample counts twice and the fractions sum to at most 1; what is
        missing lies far from every centre.

    Raises
    ------
    ShapeError
        When ``samples`` and ``centres`` are not 2-D with the same number of columns.
    CourseError
        When ``samples`` is empty.
    InvalidArgumentError
        When ``radius`` is not positive.

    Examples
    --------
    >>> centres = torch.tensor([[0.0, 0.0], [3.0, 0.0]])
    >>> samples = torch.tensor([[0.1, 0.0], [-0.2, 0.1], [2.9, 0.0], [9.0, 9.0]])
    >>> mode_fractions(samples, centres, radius=0.5)
    tensor([0.5000, 0.2500])
    """
    samples = torch.as_tensor(samples).detach().float().cpu()
    centres = torch.as_tensor(centres).detach().float().cpu()
    if samples.ndim != 2 or centres.ndim != 2 or samples.shape[1] != centres.shape[1]:
        raise ShapeError(
            f"samples must have shape (N, D) and centres (K, D) with the same D, got "
            f"{tuple(samples.shape)} and {tuple(centres.shape)}"
        )
    if samples.shape[0] == 0:
        raise CourseError("samples is empty: generate some points first")
    if not radius > 0:
        raise InvalidArgumentError(f"radius must be a positive distance, got {radius!r}")
    near = torch.cdist(samples, centres) <= radius  # (N, K)
    return near.float().mean(dim=0)


def modes_covered(
    samples: Tensor, centres: Tensor, radius: float, min_fraction: float | None = None
) -> int:
    """How many modes received at least ``min_fraction`` of the samples within ``radius``.

    A mode counts as *covered* when enough generated points fall near its centre.
    With K equally likely modes a perfect generator puts about 1/K of its samples
    on each; a generator that has collapsed onto a few modes leaves the others
    with (almost) none. The default asks for half of that fair share, 1/(2K):
    points spread evenly along a circle of radius R through the centres put only
    about ``radius / (π R)`` of the samples near each centre (2.4 % for
    ``radius=0.15`` on lecture 07's ring, against the 6.25 % needed), and one wide
    blob even less, so neither covers a mode.

    Parameters
    ----------
    samples : Tensor of shape (N, D)
    centres : Tensor of shape (K, D)
    radius : float
        See :func:`mode_fractions`. Three standard deviations of a mode is the
        usual choice; a radius comparable to the spacing of the centres makes
        any smear of points look like coverage.
    min_fraction : float, optional
        The share of *all* samples a mode needs to count as covered. Default
        ``1 / (2 K)``: half a fair share.

    Returns
    -------
    int
        The number of covered modes, from 0 to K.

    Raises
    ------
    InvalidArgumentError
        When ``min_fraction`` is not in (0, 1], or ``radius`` is not positive.
    ShapeError
        When ``samples`` and ``centres`` are not 2-D with the same number of columns.
    CourseError
        When ``samples`` is empty.

    Examples
    --------
    >>> from course_utils import make_gaussian_ring
    >>> samples, centres = make_gaussian_ring(2000, n_modes=8, std=0.05)
    >>> modes_covered(samples, centres, radius=0.15)
    8
    >>> angles = torch.linspace(0, 2 * torch.pi, 2001)[:-1]  # a featureless circle
    >>> modes_covered(2 * torch.stack([angles.cos(), angles.sin()], dim=1), centres, radius=0.15)
    0
    """
    fractions = mode_fractions(samples, centres, radius)
    if min_fraction is None:
        min_fraction = 1 / (2 * len(fractions))
    if not 0 < min_fraction <= 1:
        raise InvalidArgumentError(f"min_fraction must be in (0, 1], got {min_fraction!r}")
    return int((fractions >= min_fraction).sum())


def high_quality_fraction(samples: Tensor, centres: Tensor, radius: float) -> float:
    """The share of samples within ``radius`` of at least one centre ("high-quality samples").

    Counting modes alone cannot tell a generator whose points sit on the modes
    from one that covers them with a thin share and scatters the rest in between;
    this number can. With ``radius`` three standard deviations of a mode, samples
    of the true mixture score about 0.99 (in 2-D, ``1 - exp(-4.5)``).

    Parameters
    ----------
    samples : Tensor of shape (N, D)
    centres : Tensor of shape (K, D)
    radius : float
        See :func:`mode_fractions`.

    Returns
    -------
    float
        A number from 0 to 1. A sample near two centres counts once.

    Raises
    ------
    ShapeError, CourseError, InvalidArgumentError
        As :func:`mode_fractions`.

    Examples
    --------
    >>> centres = torch.tensor([[0.0, 0.0], [3.0, 0.0]])
    >>> samples = torch.tensor([[0.1, 0.0], [2.9, 0.0], [1.5, 0.0], [9.0, 9.0]])
    >>> high_quality_fraction(samples, centres, radius=0.5)
    0.5
    """
    mode_fractions(samples, centres, radius)  # validates the arguments
    samples = torch.as_tensor(samples).detach().float().cpu()
    centres = torch.as_tensor(centres).detach().float().cpu()
    near = (torch.cdist(samples, centres) <= radius).any(dim=1)
    return near.float().mean().item()

"""Models more than one lecture uses.

``SmallCNN`` is lecture 05's digit classifier; lecture 07 reuses it to tell which
digits a generator draws. ``random_shift`` is the cheap data augmentation both train it with.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["SmallCNN", "random_shift"]


class SmallCNN(nn.Module):
    """A LeNet-style network for 28×28 grey images: two conv–pool–batch-norm–ReLU stages, then a linear layer.

    Shapes for the default channels, as in LeNet-5 (5×5 convolutions without padding)::

        (N, 1, 28, 28) → conv 5×5 → (N, 16, 24, 24) → max-pool 2×2 → (N, 16, 12, 12)
                       → conv 5×5 → (N, 32, 8, 8)   → max-pool 2×2 → (N, 32, 4, 4)
                       → flatten  → (N, 512)        → linear       → (N, 10)

    Each stage pools *before* batch norm and ReLU: max-pooling commutes with ReLU, and
    normalising a quarter of the values makes those two layers four times cheaper. The
    weights are stored channels-last, a memory layout (same numbers) in which convolutions
    on a CPU run about 1.5× faster.

    Parameters
    ----------
    channels : (int, int), default (16, 32)
        Feature maps in the first and second convolution stage.
    n_classes : int, default 10
        Number of class scores the network outputs.
    dropout : float, default 0.1
        Dropout before the last layer.

    Examples
    --------
    >>> model = SmallCNN()
    >>> model(torch.zeros(4, 1, 28, 28)).shape
    torch.Size([4, 10])
    """

    def __init__(
        self, channels: tuple[int, int] = (16, 32), n_classes: int = 10, dropout: float = 0.1
    ) -> None:
        super().__init__()
        c1, c2 = channels
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, kernel_size=5, bias=False),  # 28×28 → 24×24 (batch norm adds the bias)
            nn.MaxPool2d(2),  # → 12×12
            nn.BatchNorm2d(c1),
            nn.ReLU(),
            nn.Conv2d(c1, c2, kernel_size=5, bias=False),  # → 8×8
            nn.MaxPool2d(2),  # → 4×4
            nn.BatchNorm2d(c2),
            nn.ReLU(),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(c2 * 4 * 4, n_classes),
        )
        self.to(memory_format=torch.channels_last)

    def forward(self, x: Tensor) -> Tensor:
        """Class scores (logits) of shape ``(N, n_classes)`` for images of shape ``(N, 1, 28, 28)``.

        Parameters
        ----------
        x : Tensor of shape (N, 1, 28, 28)
            A batch of grey images.

        Returns
        -------
        Tensor of shape (N, n_classes)

        Examples
        --------
        >>> logits = SmallCNN().eval()(torch.zeros(2, 1, 28, 28))
        >>> logits.argmax(dim=1).shape
        torch.Size([2])
        """
        return self.classifier(self.features(x))


def random_shift(
    images: Tensor, max_shift: int = 2, generator: torch.Generator | None = None
) -> Tensor:
    """Shift each image in a batch by up to ``max_shift`` pixels in x and y (zeros fill the border).

    A cheap, batch-wide data augmentation for digit images of shape ``(N, C, H, W)``:
    a digit moved by two pixels is still the same digit. Every image gets its own
    shift, drawn uniformly from ``-max_shift`` to ``max_shift`` in each direction
    (from ``generator`` when given, which lives on the CPU).

    Parameters
    ----------
    images : Tensor of shape (N, C, H, W)
        A batch of images, on any device.
    max_shift : int, default 2
        The largest shift in pixels; 0 returns ``images`` unchanged.
    generator : torch.Generator, optional
        A CPU generator, for reproducible shifts.

    Returns
    -------
    Tensor of shape (N, C, H, W)
        The shifted images, on the device of ``images``.

    Examples
    --------
    >>> images = torch.rand(8, 1, 28, 28)
    >>> random_shift(images, max_shift=2).shape
    torch.Size([8, 1, 28, 28])
    >>> train_loader, test_loader = load_mnist5k().loaders(transform=random_shift)  # doctest: +SKIP
    """
    if max_shift == 0:
        return images
    n, _, h, w = images.shape
    padded = nn.functional.pad(images, (max_shift,) * 4)
    shifts = torch.randint(0, 2 * max_shift + 1, (2, n), generator=generator).to(images.device)
    rows = torch.arange(h, device=images.device)[None, :] + shifts[0][:, None]  # (n, h)
    cols = torch.arange(w, device=images.device)[None, :] + shifts[1][:, None]  # (n, w)
    batch = torch.arange(n, device=images.device)[:, None, None]
    out = padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]]  # (n, h, w, c)
    return out.permute(0, 3, 1, 2).contiguous()

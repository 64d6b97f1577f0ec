"""Models more than one lecture uses.

``SmallCNN`` is lecture 05's digit classifier; lecture 07 reuses it to tell which
digits a generator draws.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["SmallCNN", "random_shift"]


class SmallCNN(nn.Module):
    """A LeNet-style network for 28×28 grey images: two conv–batch-norm–ReLU–pool stages, then a classifier.

    Parameters
    ----------
    channels : (int, int), default (16, 32)
        Feature maps in the first and second convolution stage.
    n_classes : int, default 10
    dropout : float, default 0.1
        Dropout before the last layer.
    """

    def __init__(self, channels: tuple[int, int] = (16, 32), n_classes: int = 10, dropout: float = 0.1) -> None:
        super().__init__()
        c1, c2 = channels
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, kernel_size=5, padding=2, bias=False),  # 28×28 → 28×28
            nn.BatchNorm2d(c1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # → 14×14
            nn.Conv2d(c1, c2, kernel_size=5, padding=2, bias=False),  # → 14×14
            nn.BatchNorm2d(c2),
            nn.ReLU(),
            nn.MaxPool2d(2),  # → 7×7
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(c2 * 7 * 7, n_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))


def random_shift(images: Tensor, max_shift: int = 2, generator: torch.Generator | None = None) -> Tensor:
    """Shift each image in a batch by up to ``max_shift`` pixels in x and y (zeros fill the border).

    A cheap, batch-wide data augmentation for digit images of shape ``(N, C, H, W)``:
    a digit moved by two pixels is still the same digit.
    """
    if max_shift == 0:
        return images
    n, _, h, w = images.shape
    padded = nn.functional.pad(images, (max_shift,) * 4)
    shifts = torch.randint(0, 2 * max_shift + 1, (2, n), generator=generator).to(images.device)
    rows = (torch.arange(h, device=images.device)[None, :] + shifts[0][:, None])  # (n, h)
    cols = (torch.arange(w, device=images.device)[None, :] + shifts[1][:, None])  # (n, w)
    batch = torch.arange(n, device=images.device)[:, None, None]
    out = padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]]  # (n, h, w, c)
    return out.permute(0, 3, 1, 2).contiguous()

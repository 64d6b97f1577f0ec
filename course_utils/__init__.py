"""course_utils: what the lectures of the deep-learning course share.

Device choice and seeding, datasets that work offline, one training loop with
progress bars, metrics, models several lectures use, and the plots the lectures
draw. Exercise checks live in :mod:`course_utils.checks`.

Every public name is importable from the top (``from course_utils import fit``)
and is loaded on first use, so ``import course_utils`` itself costs nothing and
loads only what a notebook asks for. The instructor tooling behind the ``course``
command is the separate package ``course_tools``, which this package never
imports.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: Each public name and the module that defines it (a test keeps this equal to the modules' __all__).
_EXPORTS = {
    "data": (
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
    ),
    "device": ("available_devices", "get_device", "seed_everything"),
    "errors": (
        "ArgumentTypeError",
        "CourseError",
        "DatasetUnavailableError",
        "DeviceUnavailableError",
        "InvalidArgumentError",
        "MissingRecordError",
        "ShapeError",
    ),
    "metrics": ("high_quality_fraction", "mode_fractions", "modes_covered"),
    "models": ("SmallCNN", "random_shift"),
    "plotting": (
        "PALETTE",
        "plot_autograd_graph",
        "plot_curves",
        "plot_decision_boundary",
        "plot_history",
        "plot_loss_surface",
        "show_images",
    ),
    "settings": ("cache_dir", "progress_enabled", "seed_offset"),
    "training": ("History", "accuracy", "evaluate", "fit"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'course_utils' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

"""course_utils: what the lectures of the deep-learning course share.

Device choice and seeding, datasets that work offline, one training loop with
progress bars, and the plots the lectures draw. Exercise checks live in
:mod:`course_utils.checks`; the instructor tooling behind the ``course`` command
is imported only by that command, so ``import course_utils`` stays light.
"""

from .data import (
    CharCorpus,
    InMemoryLoader,
    Split,
    load_char_corpus,
    load_diabetes,
    load_digits,
    load_iris,
    load_mnist,
    load_mnist5k,
    make_gaussian_ring,
    make_linear_regression,
    make_moons,
    make_periodic_signal,
    make_xor,
    sliding_windows,
)
from .device import available_devices, get_device, seed_everything
from .errors import CourseError, DatasetUnavailableError, DeviceUnavailableError, ShapeError
from .metrics import mode_fractions, modes_covered
from .plotting import (
    PALETTE,
    plot_autograd_graph,
    plot_curves,
    plot_decision_boundary,
    plot_history,
    plot_loss_surface,
    show_images,
)
from .training import History, accuracy, evaluate, fit

__version__ = "0.1.0"

__all__ = [
    "PALETTE",
    "CharCorpus",
    "CourseError",
    "DatasetUnavailableError",
    "DeviceUnavailableError",
    "History",
    "InMemoryLoader",
    "ShapeError",
    "Split",
    "accuracy",
    "available_devices",
    "evaluate",
    "fit",
    "get_device",
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
    "mode_fractions",
    "modes_covered",
    "plot_autograd_graph",
    "plot_curves",
    "plot_decision_boundary",
    "plot_history",
    "plot_loss_surface",
    "seed_everything",
    "show_images",
    "sliding_windows",
]

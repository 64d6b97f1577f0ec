"""Tests for course_utils.plotting: what each plot draws, and the errors it raises."""

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import nn

from course_utils.errors import CourseError, ShapeError
from course_utils.plotting import (
    PALETTE,
    _predict_labels,
    plot_autograd_graph,
    plot_curves,
    plot_decision_boundary,
    plot_history,
    plot_loss_surface,
    show_images,
)
from course_utils.training import History

W_RANGE, B_RANGE = (-3.0, 3.0), (-2.0, 2.0)


def bowl(w, b):
    """A positive quadratic loss, vectorised over NumPy arrays."""
    return (w - 1) ** 2 + (b + 1) ** 2 + 0.1


def legend_labels(ax: Axes) -> list[str]:
    return [text.get_text() for text in ax.get_legend().get_texts()]


def two_blobs(n: int = 20) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = np.arange(n) % 2
    X = rng.normal(size=(n, 2)) + np.where(y[:, None] == 1, 2.0, -2.0)
    return X, y


# --------------------------------------------------------------------------- global settings
def _draw_everything():
    plot_loss_surface(bowl, W_RANGE, B_RANGE, resolution=8, paths=np.zeros((3, 2)))
    plot_loss_surface(bowl, W_RANGE, B_RANGE, kind="surface", resolution=8)
    plot_decision_boundary(lambda P: (P[:, 0] > 0).astype(int), *two_blobs(), resolution=20)
    plot_curves({"a": [3, 2, 1]}, logy=True)
    plot_history({"loss": [2.0, 1.0], "accuracy": [0.5, 0.8]})
    show_images(torch.rand(4, 1, 8, 8), labels=list("abcd"), title="digits")
    w = torch.tensor(2.0, requires_grad=True)
    plot_autograd_graph(w * 3.0, {"w": w})


def test_plot_functions_leave_rcparams_unchanged():
    before = mpl.rcParams.copy()
    _draw_everything()
    assert dict(mpl.rcParams) == dict(before)


def test_plot_functions_leave_the_backend_alone():
    backend = mpl.get_backend()
    _draw_everything()
    assert mpl.get_backend() == backend


# --------------------------------------------------------------------------- plot_loss_surface
def test_plot_loss_surface_contour_returns_labelled_axes():
    ax = plot_loss_surface(bowl, W_RANGE, B_RANGE, resolution=10)
    assert isinstance(ax, Axes)
    assert ax.get_title() == "loss contours"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$w$", "$b$")
    assert ax.get_xlim() == W_RANGE and ax.get_ylim() == B_RANGE
    assert ax.get_legend() is None  # no paths, no legend


def test_plot_loss_surface_contour_adds_a_colorbar():
    ax = plot_loss_surface(bowl, W_RANGE, B_RANGE, resolution=10)
    assert [a.get_ylabel() for a in ax.figure.axes] == ["$b$", "loss"]


def test_plot_loss_surface_draws_on_the_given_axes():
    _, ax = plt.subplots()
    assert plot_loss_surface(bowl, W_RANGE, B_RANGE, ax=ax, resolution=10) is ax


def test_plot_loss_surface_custom_labels_and_title():
    ax = plot_loss_surface(
        bowl, W_RANGE, B_RANGE, resolution=10, labels=("slope", "intercept"), title="MSE"
    )
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("slope", "intercept", "MSE")


def test_plot_loss_surface_spaces_levels_geometrically_for_a_positive_loss():
    ax = plot_loss_surface(bowl, W_RANGE, B_RANGE, resolution=10, levels=5)
    levels = ax.collections[0].levels
    assert levels[0] > 0
    assert levels[1] / levels[0] == pytest.approx(levels[2] / levels[1])


def test_plot_loss_surface_spaces_levels_linearly_for_a_signed_loss():
    ax = plot_loss_surface(lambda w, b: w * b, W_RANGE, B_RANGE, resolution=10, levels=5)
    levels = ax.collections[0].levels
    assert np.allclose(np.diff(levels), np.diff(levels)[0])


def test_plot_loss_surface_calls_a_scalar_only_loss_point_by_point():
    calls = []

    def scalar_loss(w, b):
        calls.append(1)
        return float(bowl(w, b))  # float() of an array raises TypeError

    scalar_ax = plot_loss_surface(scalar_loss, W_RANGE, B_RANGE, resolution=6)
    vector_ax = plot_loss_surface(bowl, W_RANGE, B_RANGE, resolution=6)
    assert len(calls) == 1 + 6 * 6  # one failed vectorised try, then every grid point
    assert np.allclose(scalar_ax.collections[0].levels, vector_ax.collections[0].levels)


def test_plot_loss_surface_accepts_a_loss_returning_tensors():
    def torch_loss(w, b):
        return torch.as_tensor(bowl(w, b))

    ax = plot_loss_surface(torch_loss, W_RANGE, B_RANGE, resolution=6)
    assert isinstance(ax, Axes)


def test_plot_loss_surface_path_as_one_array():
    path = np.array([[-2.0, 1.0], [-1.0, 0.0], [0.5, -0.8]])
    ax = plot_loss_surface(bowl, W_RANGE, B_RANGE, paths=path, resolution=10)
    assert legend_labels(ax) == ["descent path"]
    lines = ax.get_lines()
    assert len(lines) == 4  # the path, its points, the start and the end
    assert np.allclose(lines[0].get_xydata(), path)
    assert lines[2].get_marker() == "o" and lines[3].get_marker() == "*"


def test_plot_loss_surface_path_as_a_list_of_pairs_is_one_path():
    ax = plot_loss_surface(bowl, W_RANGE, B_RANGE, paths=[[0, 0], [1, -1]], resolution=10)
    assert legend_labels(ax) == ["descent path"]


def test_plot_loss_surface_paths_as_a_list_of_arrays():
    paths = [np.zeros((3, 2)), torch.ones(5, 2)]
    ax = plot_loss_surface(bowl, W_RANGE, B_RANGE, paths=paths, resolution=10)
    assert legend_labels(ax) == ["path 1", "path 2"]
    assert len(ax.get_lines()) == 8


def test_plot_loss_surface_paths_as_a_dict_use_its_labels():
    paths = {"SGD": np.zeros((3, 2)), "Adam": np.ones((4, 2))}
    ax = plot_loss_surface(bowl, W_RANGE, B_RANGE, paths=paths, resolution=10)
    assert legend_labels(ax) == ["SGD", "Adam"]
    colors = [line.get_color() for line in ax.get_lines()]
    assert colors[0] != colors[4]  # each path its own colour


def test_plot_loss_surface_surface_kind_returns_3d_axes():
    ax = plot_loss_surface(bowl, W_RANGE, B_RANGE, kind="surface", resolution=10)
    assert ax.name == "3d"
    assert ax.get_title() == "loss surface"
    assert ax.get_zlabel() == "loss"


def test_plot_loss_surface_surface_draws_paths_at_their_loss():
    path = np.array([[0.0, 0.0], [1.0, -1.0]])
    ax = plot_loss_surface(bowl, W_RANGE, B_RANGE, kind="surface", paths=path, resolution=10)
    (line,) = ax.get_lines()
    xs, ys, zs = line.get_data_3d()
    assert np.allclose(zs, bowl(path[:, 0], path[:, 1]))
    assert legend_labels(ax) == ["descent path"]


def test_plot_loss_surface_surface_with_a_scalar_only_loss():
    path = np.array([[0.0, 0.0], [1.0, -1.0]])
    ax = plot_loss_surface(
        lambda w, b: float(bowl(w, b)), W_RANGE, B_RANGE, kind="surface", paths=path, resolution=5
    )
    assert np.allclose(ax.get_lines()[0].get_data_3d()[2], [2.1, 0.1])


def test_plot_loss_surface_surface_uses_a_given_3d_axes():
    ax = plt.figure().add_subplot(projection="3d")
    assert plot_loss_surface(bowl, W_RANGE, B_RANGE, kind="surface", ax=ax, resolution=5) is ax


def test_plot_loss_surface_rejects_an_unknown_kind():
    with pytest.raises(CourseError, match="kind must be 'contour' or 'surface', got 'heatmap'"):
        plot_loss_surface(bowl, W_RANGE, B_RANGE, kind="heatmap")


def test_plot_loss_surface_surface_rejects_a_2d_axes():
    _, ax = plt.subplots()
    with pytest.raises(CourseError, match=r"needs a 3-D axes: fig.add_subplot\(projection='3d'\)"):
        plot_loss_surface(bowl, W_RANGE, B_RANGE, kind="surface", ax=ax, resolution=5)


def test_plot_loss_surface_rejects_a_path_of_the_wrong_shape():
    with pytest.raises(
        ShapeError, match=r"shape \(steps, 2\) holding \(w, b\) pairs; 'descent path' has \(4, 3\)"
    ):
        plot_loss_surface(bowl, W_RANGE, B_RANGE, paths=np.zeros((4, 3)), resolution=5)


def test_plot_loss_surface_rejects_an_empty_path():
    with pytest.raises(ShapeError, match=r"'SGD' has \(0, 2\)"):
        plot_loss_surface(bowl, W_RANGE, B_RANGE, paths={"SGD": np.zeros((0, 2))}, resolution=5)


# --------------------------------------------------------------------------- plot_decision_boundary
def test_plot_decision_boundary_with_a_numpy_function():
    X, y = two_blobs()
    ax = plot_decision_boundary(lambda P: (P[:, 0] > 0).astype(int), X, y, resolution=20)
    assert isinstance(ax, Axes)
    assert ax.get_title() == "decision boundary"
    assert legend_labels(ax) == ["class 0", "class 1"]
    assert ax.get_xlim() == pytest.approx((X[:, 0].min() - 0.5, X[:, 0].max() + 0.5))


def test_plot_decision_boundary_colours_points_by_class():
    X, y = two_blobs()
    ax = plot_decision_boundary(lambda P: (P[:, 0] > 0).astype(int), X, y, resolution=20)
    scatters = [c for c in ax.collections if c.get_label() in ("class 0", "class 1")]
    assert [len(s.get_offsets()) for s in scatters] == [10, 10]
    assert mpl.colors.to_hex(scatters[1].get_facecolor()[0]) == PALETTE[1].lower()


def test_plot_decision_boundary_falls_back_to_tensors():
    seen = []

    def tensor_only(points):
        seen.append(type(points))
        return (points.sum(dim=1) > 0).long()  # NumPy's sum() has no dim= argument

    X, y = two_blobs()
    ax = plot_decision_boundary(tensor_only, X, y, resolution=20)
    assert isinstance(ax, Axes)
    assert seen == [np.ndarray, torch.Tensor]


def test_plot_decision_boundary_with_a_module_giving_class_scores():
    model = nn.Linear(2, 3).train()
    X, y = two_blobs()
    ax = plot_decision_boundary(
        model, torch.as_tensor(X), torch.as_tensor(y), class_names=("low", "high"), resolution=20
    )
    assert legend_labels(ax) == ["low", "high"]
    assert model.training  # the mode is restored


def test_plot_decision_boundary_with_a_module_giving_single_logits():
    model = nn.Linear(2, 1)
    X, y = two_blobs()
    ax = plot_decision_boundary(model, X, y, resolution=20, feature_names=("a", "b"), title="t")
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("a", "b", "t")


def test_predict_labels_thresholds_single_logits_at_zero():
    model = nn.Linear(2, 1)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[1.0, 0.0]]))
        model.bias.zero_()
    grid = np.array([[-1.0, 5.0], [2.0, -5.0]], dtype=np.float32)
    assert _predict_labels(model, grid).tolist() == [0, 1]


def test_predict_labels_takes_the_arg_max_of_module_scores():
    model = nn.Linear(2, 2)
    with torch.no_grad():
        model.weight.copy_(torch.eye(2))
        model.bias.zero_()
    grid = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    assert _predict_labels(model, grid).tolist() == [0, 1]


def test_predict_labels_takes_the_arg_max_of_function_scores():
    grid = np.array([[3.0, 1.0], [0.0, 1.0]], dtype=np.float32)
    assert _predict_labels(lambda P: P, grid).tolist() == [0, 1]


def test_plot_decision_boundary_rejects_more_than_two_features():
    with pytest.raises(ShapeError, match=r"draws two features; X has shape \(5, 3\), expected"):
        plot_decision_boundary(lambda P: P[:, 0] > 0, np.zeros((5, 3)), np.zeros(5))


def test_plot_decision_boundary_rejects_mismatched_labels():
    with pytest.raises(ShapeError, match="X has 5 points but y has 4 labels"):
        plot_decision_boundary(lambda P: P[:, 0] > 0, np.zeros((5, 2)), np.zeros(4))


# --------------------------------------------------------------------------- plot_curves
def test_plot_curves_draws_one_labelled_line_per_curve():
    ax = plot_curves({"lr=0.1": [3.0, 2.0, 1.0], "lr=0.01": torch.tensor([3.0, 2.5])})
    lines = ax.get_lines()
    assert len(lines) == 2
    assert legend_labels(ax) == ["lr=0.1", "lr=0.01"]
    assert lines[0].get_xdata().tolist() == [1, 2, 3]  # epochs start at 1
    assert ax.get_title() == "loss per epoch"


def test_plot_curves_logy_uses_a_log_scale():
    ax = plot_curves({"a": [1.0, 0.1, 0.01]}, logy=True)
    assert ax.get_yscale() == "log"


def test_plot_curves_linear_scale_by_default():
    assert plot_curves({"a": [1.0, 0.1]}).get_yscale() == "linear"


def test_plot_curves_custom_labels_and_given_axes():
    _, ax = plt.subplots()
    out = plot_curves({"a": [1.0]}, ax=ax, xlabel="step", ylabel="accuracy", title="T")
    assert out is ax
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("step", "accuracy", "T")


def test_plot_curves_without_curves_has_no_legend():
    assert plot_curves({}).get_legend() is None


# --------------------------------------------------------------------------- plot_history
def _history() -> History:
    history = History()
    for loss, acc in ((1.0, 0.5), (0.5, 0.8), (0.25, 0.9)):
        history.append({"loss": loss, "accuracy": acc, "val_loss": loss + 0.1, "val_accuracy": acc})
    return history


def test_plot_history_without_keys_or_axes_returns_a_figure_per_group():
    fig = plot_history(_history())
    assert isinstance(fig, Figure)
    loss_ax, accuracy_ax = fig.axes
    assert legend_labels(loss_ax) == ["training loss", "validation loss"]
    assert legend_labels(accuracy_ax) == ["training accuracy", "validation accuracy"]
    assert loss_ax.get_title() == "loss per epoch"


def test_plot_history_with_only_losses_has_one_axes():
    fig = plot_history({"loss": [2.0, 1.0]})
    assert len(fig.axes) == 1
    assert legend_labels(fig.axes[0]) == ["training loss"]


def test_plot_history_with_keys_returns_axes():
    ax = plot_history(_history(), keys=["val_accuracy"])
    assert isinstance(ax, Axes)
    assert legend_labels(ax) == ["validation accuracy"]
    assert ax.get_ylabel() == "accuracy"
    assert ax.get_lines()[0].get_ydata().tolist() == [0.5, 0.8, 0.9]


def test_plot_history_on_given_axes_draws_the_losses():
    _, ax = plt.subplots()
    assert plot_history(_history(), ax=ax) is ax
    assert legend_labels(ax) == ["training loss", "validation loss"]


def test_plot_history_distinguishes_training_and_validation_styles():
    ax = plot_history(_history(), keys=["loss", "val_loss"])
    training_line, validation_line = ax.get_lines()
    assert training_line.get_linestyle() == "--"
    assert validation_line.get_linestyle() == "-"


def test_plot_history_rejects_an_empty_history():
    with pytest.raises(CourseError, match="the history is empty: train first, then plot"):
        plot_history(History())


def test_plot_history_rejects_a_missing_key():
    with pytest.raises(CourseError, match=r"no record 'val_loss'; this history has loss"):
        plot_history({"loss": [1.0]}, keys=["val_loss"])


# --------------------------------------------------------------------------- show_images
def _image(ax: Axes) -> np.ndarray:
    (image,) = ax.images
    return np.asarray(image.get_array())


def test_show_images_draws_one_grid_image():
    ax = show_images(torch.rand(10, 1, 8, 8), nrow=5)
    assert isinstance(ax, Axes)
    assert _image(ax).shape == (2 * 10 + 2, 5 * 10 + 2)  # 8 pixels + 2 padding per image
    assert ax.images[0].get_cmap().name == "gray_r"
    assert list(ax.get_xticks()) == [] and list(ax.get_yticks()) == []


def test_show_images_accepts_images_without_a_channel_dimension():
    batch = torch.rand(10, 8, 8)
    with_channel = _image(show_images(batch.unsqueeze(1), nrow=5))
    without = _image(show_images(batch, nrow=5))
    assert np.array_equal(with_channel, without)


def test_show_images_reshapes_flat_square_images():
    ax = show_images(np.random.default_rng(0).random((4, 784)))
    assert _image(ax).shape == (28 + 4, 4 * 30 + 2)


def test_show_images_draws_three_channels_in_colour():
    ax = show_images(torch.rand(4, 3, 8, 8))
    assert _image(ax).shape == (12, 42, 3)


def test_show_images_writes_labels_and_title():
    ax = show_images(torch.rand(6, 1, 8, 8), nrow=3, labels=[0, 1, 2, 3, 4, 5, 6, 7], title="x")
    assert [t.get_text() for t in ax.texts] == ["0", "1", "2", "3", "4", "5"]
    assert ax.texts[3].get_position() == (5.0, 12.0)  # second row, first column
    assert ax.get_title() == "x"


def test_show_images_uses_the_given_axes_and_cmap():
    _, ax = plt.subplots()
    assert show_images(torch.rand(2, 1, 4, 4), ax=ax, cmap="viridis") is ax
    assert ax.images[0].get_cmap().name == "viridis"


def test_show_images_rejects_flat_images_that_are_not_square():
    with pytest.raises(ShapeError, match="cannot reshape flat images of 50 pixels into squares"):
        show_images(torch.rand(3, 50))


@pytest.mark.parametrize("shape", [(3, 2, 8, 8), (0, 1, 8, 8), (16,), (1, 1, 1, 8, 8)], ids=str)
def test_show_images_rejects_other_shapes(shape):
    with pytest.raises(
        ShapeError, match=r"non-empty batch of shape \(N, C, H, W\) with C = 1 or 3"
    ):
        show_images(torch.rand(*shape))


# --------------------------------------------------------------------------- plot_autograd_graph
def _linear_graph() -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    x = torch.tensor(2.0)
    w = torch.tensor(0.5, requires_grad=True)
    b = torch.tensor(-0.3, requires_grad=True)
    return torch.sigmoid(w * x + b), {"x": x, "w": w, "b": b}


def _node_positions(ax: Axes) -> dict[str, tuple[float, float]]:
    """Node labels (the boxed texts) and where they are; arrows are annotations without text."""
    return {t.get_text(): t.get_position() for t in ax.texts if t.get_text()}


def test_plot_autograd_graph_draws_one_box_per_operation_and_leaf():
    ax = plot_autograd_graph(*_linear_graph())
    assert isinstance(ax, Axes)
    assert set(_node_positions(ax)) == {"output", "Sigmoid", "Add", "Mul", "w", "b"}


def test_plot_autograd_graph_draws_one_arrow_per_edge():
    ax = plot_autograd_graph(*_linear_graph())
    arrows = [t for t in ax.texts if not t.get_text()]
    assert len(arrows) == 5  # w→Mul, Mul→Add, b→Add, Add→Sigmoid, Sigmoid→output


def test_plot_autograd_graph_puts_leaves_left_and_the_output_right():
    positions = _node_positions(plot_autograd_graph(*_linear_graph()))
    xs = {label: x for label, (x, _) in positions.items()}
    assert xs["w"] == xs["b"] == 0
    assert xs["output"] == max(xs.values())
    assert xs["Mul"] < xs["Add"] < xs["Sigmoid"] < xs["output"]


def test_plot_autograd_graph_hides_the_axis_and_sets_a_title():
    ax = plot_autograd_graph(*_linear_graph())
    assert not ax.axison
    assert ax.get_title().startswith("computational graph")
    assert plot_autograd_graph(*_linear_graph(), title="forward pass").get_title() == "forward pass"


def test_plot_autograd_graph_draws_on_the_given_axes():
    _, ax = plt.subplots()
    assert plot_autograd_graph(*_linear_graph(), ax=ax) is ax


def test_plot_autograd_graph_labels_unnamed_leaves_by_shape():
    w = torch.ones(3, requires_grad=True)
    positions = _node_positions(plot_autograd_graph((w * 2).sum()))
    assert "tensor (3,)" in positions


def test_plot_autograd_graph_draws_a_reused_leaf_once():
    w = torch.tensor(1.5, requires_grad=True)
    ax = plot_autograd_graph(w * w + w, {"w": w})
    labels = [t.get_text() for t in ax.texts if t.get_text()]
    assert labels.count("w") == 1


@pytest.mark.parametrize(
    "output", [torch.tensor(1.0), 3.0], ids=["tensor without grad", "not a tensor"]
)
def test_plot_autograd_graph_rejects_outputs_without_a_graph(output):
    with pytest.raises(
        CourseError, match="needs a tensor computed from tensors with requires_grad"
    ):
        plot_autograd_graph(output)


def test_plot_loss_surface_draws_a_flat_loss():
    ax = plot_loss_surface(lambda w, b: 0 * w + 1.0, (-1, 1), (-1, 1))
    assert ax.get_title() == "loss contours"


def test_plot_curves_start_sets_the_first_x():
    ax = plot_curves({"gradient": [1.0, 0.5, 0.25]}, start=0, logy=True)
    assert list(ax.get_lines()[0].get_xdata()) == [0, 1, 2]
    ax = plot_curves({"loss": [1.0, 0.5]})
    assert list(ax.get_lines()[0].get_xdata()) == [1, 2]

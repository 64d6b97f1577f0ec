"""Tests for course_utils.training: the fit loop, evaluate, History and their error messages."""

import sys
import types

import numpy as np
import pytest
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import nn

import course_utils.training as training
from course_utils.data import InMemoryLoader, load_iris, make_linear_regression
from course_utils.errors import CourseError, ShapeError
from course_utils.training import History, accuracy, evaluate, fit


# --------------------------------------------------------------------------- small problems
@pytest.fixture(autouse=True)
def _seeded():
    torch.manual_seed(0)


def regression_loader(n: int = 64, batch_size: int = 16) -> InMemoryLoader:
    split = make_linear_regression(n, weights=(2.0,), bias=-1.0, noise=0.1)
    return InMemoryLoader(split.X_train, split.y_train.unsqueeze(1), batch_size, shuffle=True)


def iris_loaders(batch_size: int = 16) -> tuple[InMemoryLoader, InMemoryLoader]:
    return load_iris(standardize=True).loaders(batch_size)


def sgd(model: nn.Module, lr: float = 0.05) -> torch.optim.Optimizer:
    return torch.optim.SGD(model.parameters(), lr=lr)


class EmptyIterable:
    """An iterable without ``len()`` that yields nothing, like an exhausted generator."""

    def __iter__(self):
        return iter(())


class Recorder(nn.Module):
    """A linear layer that records its mode and whether gradients were on, at every call."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 2)
        self.calls: list[tuple[bool, bool]] = []

    def forward(self, x):
        self.calls.append((self.training, torch.is_grad_enabled()))
        return self.linear(x)


class ReturnsTuple(nn.Module):
    def forward(self, x):
        return x, x


class MergesBatch(nn.Module):
    def forward(self, x):
        return x.reshape(1, -1)


def fit_regression(**kwargs) -> History:
    """``fit`` on the regression problem, with any argument replaced through ``kwargs``."""
    model = kwargs.pop("model") if "model" in kwargs else nn.Linear(1, 1)
    loader = kwargs.pop("loader") if "loader" in kwargs else regression_loader()
    loss_fn = kwargs.pop("loss_fn") if "loss_fn" in kwargs else nn.MSELoss()
    optimizer = kwargs.pop("optimizer") if "optimizer" in kwargs else sgd(model)
    epochs = kwargs.pop("epochs", 3)
    return fit(model, loader, loss_fn, optimizer, epochs, progress=False, **kwargs)


# --------------------------------------------------------------------------- fit learns
def test_fit_decreases_mse_on_linear_regression():
    model = nn.Linear(1, 1)
    history = fit_regression(model=model, epochs=30)
    assert history["loss"][-1] < 0.1 * history["loss"][0]
    assert model.weight.item() == pytest.approx(2.0, abs=0.1)
    assert model.bias.item() == pytest.approx(-1.0, abs=0.1)


def test_fit_decreases_cross_entropy_on_two_iris_classes():
    model = nn.Linear(2, 2)
    train, _ = iris_loaders()
    history = fit(model, train, nn.CrossEntropyLoss(), sgd(model, 0.5), 10, metrics=["accuracy"])
    assert history["loss"][-1] < history["loss"][0]
    assert history.last("accuracy") >= 0.95


def test_fit_returns_one_record_per_epoch():
    history = fit_regression(epochs=4)
    assert len(history) == 4
    assert history.epochs == [1, 2, 3, 4]
    assert list(history.records) == ["loss"]
    assert history.seconds > 0


def test_fit_works_with_a_torch_dataloader():
    train, test = load_iris(standardize=True).loaders(16, kind="dataloader")
    model = nn.Linear(2, 2)
    history = fit(model, train, nn.CrossEntropyLoss(), sgd(model, 0.5), 2, val_loader=test)
    assert len(history["val_loss"]) == 2


def test_fit_accepts_a_model_without_parameters_and_a_device():
    loader = InMemoryLoader(torch.randn(8, 1), torch.randn(8, 1), 4)
    scale = nn.Linear(1, 1)

    class Wrapper(nn.Module):  # parameters live outside, so fit sees none
        def forward(self, x):
            return scale(x)

    history = fit(Wrapper(), loader, nn.MSELoss(), sgd(scale), 2, device="cpu", progress=False)
    assert len(history) == 2


# --------------------------------------------------------------------------- metrics
def test_fit_metric_by_name():
    train, _ = iris_loaders()
    model = nn.Linear(2, 2)
    history = fit(model, train, nn.CrossEntropyLoss(), sgd(model), 2, metrics="accuracy")
    assert list(history.records) == ["loss", "accuracy"]


def test_fit_metric_by_callable_is_named_after_the_function():
    def error_rate(outputs, targets):
        return 1 - accuracy(outputs, targets)

    train, _ = iris_loaders()
    model = nn.Linear(2, 2)
    history = fit(model, train, nn.CrossEntropyLoss(), sgd(model), 2, metrics=[error_rate])
    assert "error_rate" in history
    assert 0 <= history.last("error_rate") <= 1


def test_fit_metrics_by_dict_use_the_given_names():
    train, _ = iris_loaders()
    model = nn.Linear(2, 2)
    history = fit(model, train, nn.CrossEntropyLoss(), sgd(model), 2, metrics={"acc": "accuracy"})
    assert list(history.records) == ["loss", "acc"]


def test_fit_rejects_unknown_metric_name():
    with pytest.raises(
        CourseError, match="unknown metric 'f1'; use one of accuracy or pass a function"
    ):
        fit_regression(metrics=["f1"])


def test_fit_rejects_a_metric_that_is_not_a_function():
    with pytest.raises(
        CourseError, match=r"metric 'score' must be a function \(outputs, targets\)"
    ):
        fit_regression(metrics={"score": 3})


def test_fit_with_val_loader_records_val_keys():
    train, test = iris_loaders()
    model = nn.Linear(2, 2)
    history = fit(
        model, train, nn.CrossEntropyLoss(), sgd(model), 3, val_loader=test, metrics=["accuracy"]
    )
    assert list(history.records) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert len(history["val_loss"]) == 3


# --------------------------------------------------------------------------- options
class NormRecordingSGD(torch.optim.SGD):
    """SGD that records the total gradient norm it sees at every step."""

    def __init__(self, params, lr):
        super().__init__(params, lr=lr)
        self.norms: list[float] = []

    def step(self, closure=None):
        grads = [p.grad for group in self.param_groups for p in group["params"]]
        self.norms.append(float(torch.linalg.vector_norm(torch.stack([g.norm() for g in grads]))))
        return super().step(closure)


def test_fit_grad_clip_limits_the_gradient_norm():
    model = nn.Linear(1, 1)
    optimizer = NormRecordingSGD(model.parameters(), lr=1e-3)
    fit_regression(model=model, optimizer=optimizer, grad_clip=0.1, epochs=2)
    assert len(optimizer.norms) == 8
    assert max(optimizer.norms) <= 0.1 + 1e-5


def test_fit_without_grad_clip_leaves_large_gradients():
    model = nn.Linear(1, 1)
    optimizer = NormRecordingSGD(model.parameters(), lr=1e-3)
    fit_regression(model=model, optimizer=optimizer, epochs=1)
    assert max(optimizer.norms) > 1


def test_fit_callbacks_receive_epoch_and_logs():
    calls = []
    train, test = iris_loaders()
    model = nn.Linear(2, 2)
    fit(
        model,
        train,
        nn.CrossEntropyLoss(),
        sgd(model),
        3,
        val_loader=test,
        callbacks=[lambda epoch, logs: calls.append((epoch, logs))],
    )
    assert [epoch for epoch, _ in calls] == [1, 2, 3]
    assert set(calls[0][1]) == {"loss", "val_loss"}  # val_ keys for the loss and each metric


def test_fit_callback_changing_logs_does_not_change_history():
    history = fit_regression(callbacks=[lambda epoch, logs: logs.update(loss=-1.0)])
    assert -1.0 not in history["loss"]


def test_fit_stops_when_a_callback_returns_true():
    history = fit_regression(epochs=10, callbacks=[lambda epoch, logs: epoch == 3])
    assert len(history) == 3


def test_fit_does_not_stop_on_truthy_values_other_than_true():
    history = fit_regression(epochs=3, callbacks=[lambda epoch, logs: "yes"])
    assert len(history) == 3


def test_fit_calls_every_callback_in_the_epoch_that_stops():
    seen = []
    fit_regression(
        epochs=5,
        callbacks=[lambda epoch, logs: epoch == 2, lambda epoch, logs: seen.append(epoch)],
    )
    assert seen == [1, 2]


def test_fit_steps_the_scheduler_after_every_batch():
    class CountingScheduler:
        steps = 0

        def step(self):
            self.steps += 1

    scheduler = CountingScheduler()
    fit_regression(epochs=2, scheduler=scheduler)  # 64 samples in batches of 16
    assert scheduler.steps == 8


def test_fit_works_with_a_real_scheduler():
    model = nn.Linear(1, 1)
    optimizer = sgd(model, 0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=4, gamma=0.5)
    fit_regression(model=model, optimizer=optimizer, epochs=2, scheduler=scheduler)
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.025)


# --------------------------------------------------------------------------- errors before training
def test_fit_rejects_an_empty_train_loader():
    empty = InMemoryLoader(torch.zeros(0, 1), torch.zeros(0, 1))
    with pytest.raises(CourseError, match="train_loader yields no batches; is the dataset empty"):
        fit_regression(loader=empty)


def test_fit_rejects_an_empty_val_loader():
    empty = InMemoryLoader(torch.zeros(3, 1), torch.zeros(3, 1), 4, drop_last=True)
    with pytest.raises(CourseError, match="val_loader yields no batches.*drop_last"):
        fit_regression(val_loader=empty)


def test_fit_rejects_an_iterable_that_yields_nothing():
    with pytest.raises(CourseError, match="train_loader yielded no batches"):
        fit_regression(loader=EmptyIterable())


@pytest.mark.parametrize("epochs", [0, -2])
def test_fit_rejects_epochs_that_are_not_positive(epochs):
    with pytest.raises(ValueError, match="epochs must be a positive integer") as info:
        fit_regression(epochs=epochs)
    assert isinstance(info.value, CourseError)


@pytest.mark.parametrize("epochs", [1.5, True, "3"])
def test_fit_rejects_epochs_that_are_not_integers(epochs):
    with pytest.raises(TypeError, match="epochs must be an integer") as info:
        fit_regression(epochs=epochs)
    assert isinstance(info.value, CourseError)


def test_fit_takes_numpy_integers_for_epochs():
    history = fit_regression(epochs=np.int64(2))
    assert len(history) == 2


def test_fit_rejects_a_model_that_is_not_a_module():
    with pytest.raises(CourseError, match="model must be a torch.nn.Module, got function"):
        fit(lambda x: x, regression_loader(), nn.MSELoss(), None, 1)


@pytest.mark.parametrize("grad_clip", [0, -1.0])
def test_fit_rejects_a_grad_clip_that_is_not_positive(grad_clip):
    with pytest.raises(ValueError, match="grad_clip must be greater than 0"):
        fit_regression(grad_clip=grad_clip)


def test_fit_rejects_a_device_other_than_the_models():
    with pytest.raises(CourseError, match=r"the model is on cpu but device=meta; move it first"):
        fit_regression(device="meta")


def test_fit_rejects_a_model_on_another_device(monkeypatch):
    monkeypatch.setattr(training, "_model_device", lambda model: torch.device("cuda", 0))
    with pytest.raises(
        CourseError, match=r"the model is on cuda:0 but device=cpu; .*model.to\(device\)"
    ):
        fit_regression(device="cpu")


def test_model_device_falls_back_to_buffers_then_none():
    assert training._model_device(nn.BatchNorm1d(3, affine=False)) == torch.device("cpu")
    assert training._model_device(nn.ReLU()) is None


# ----------------------------------------------------------------------- errors on the first batch
def test_fit_mse_with_column_outputs_and_flat_targets_raises_shape_error():
    split = make_linear_regression(32)
    loader = InMemoryLoader(split.X_train, split.y_train, 16)  # targets (N,), outputs (N, 1)
    with pytest.raises(
        ShapeError,
        match=r"MSELoss compares outputs of shape \(16, 1\) with targets of shape \(16,\) .*"
        r"outputs.squeeze\(-1\) or targets.view\(-1, 1\)",
    ):
        fit_regression(loader=loader)


def test_fit_rejects_outputs_with_another_batch_dimension():
    with pytest.raises(
        ShapeError, match=r"outputs of shape \(1, 16\) .* first \(batch\) dimensions"
    ):
        fit_regression(model=MergesBatch(), optimizer=sgd(nn.Linear(1, 1)))


def test_fit_rejects_class_indices_beyond_the_models_outputs():
    train, _ = load_iris(("setosa", "versicolor", "virginica")).loaders(16)
    model = nn.Linear(2, 2)
    with pytest.raises(
        ShapeError,
        match=r"targets hold class indices from 0 to 2 but the model outputs scores for 2 classes "
        r"\(0 to 1\)",
    ):
        fit(model, train, nn.CrossEntropyLoss(), sgd(model), 1)


def test_fit_cross_entropy_needs_two_dimensional_scores():
    train, _ = iris_loaders()
    model = nn.Sequential(nn.Linear(2, 1), nn.Flatten(0))
    with pytest.raises(ShapeError, match=r"CrossEntropyLoss needs class scores of shape \(N, C\)"):
        fit(model, train, nn.CrossEntropyLoss(), sgd(model), 1)


def test_fit_rejects_a_model_that_does_not_return_a_tensor():
    with pytest.raises(CourseError, match="the model must return a tensor, got tuple"):
        fit_regression(model=ReturnsTuple(), optimizer=sgd(nn.Linear(1, 1)))


def test_fit_reports_a_loss_fn_that_raises_with_shapes_and_dtypes():
    def broken_loss(outputs, targets):
        raise RuntimeError("expected scalar type Long\nsecond line of a long torch message")

    with pytest.raises(
        ShapeError,
        match=r"loss_fn failed on outputs of shape \(16, 1\) \(torch.float32\) and targets of "
        r"shape \(16, 1\) \(torch.float32\): expected scalar type Long$",
    ):
        fit_regression(loss_fn=broken_loss)


def test_fit_rejects_a_loss_that_is_not_a_scalar():
    with pytest.raises(CourseError, match=r"0-dim tensor\), got \(16, 1\); use reduction='mean'"):
        fit_regression(loss_fn=nn.MSELoss(reduction="none"))


def test_fit_rejects_a_loss_that_is_not_a_tensor():
    with pytest.raises(CourseError, match=r"one number \(a 0-dim tensor\), got float"):
        fit_regression(loss_fn=lambda outputs, targets: 1.0)


def test_fit_reports_a_model_that_fails_on_the_first_batch():
    with pytest.raises(
        CourseError,
        match=r"the model failed on the first batch \(inputs of shape \(16, 1\) on cpu\): mat1",
    ):
        fit_regression(model=nn.Linear(3, 1))


def test_fit_stops_when_a_huge_learning_rate_makes_the_loss_infinite():
    model = nn.Linear(1, 1)
    with pytest.raises(
        CourseError,
        match=r"loss became (inf|nan) in epoch \d+; lower the learning rate or clip gradients",
    ):
        fit_regression(model=model, optimizer=sgd(model, 1e3), epochs=20)


def test_fit_stops_when_the_loss_is_nan_in_the_first_epoch():
    def nan_loss(outputs, targets):
        return ((outputs - targets) ** 2).mean() * float("nan")

    with pytest.raises(CourseError, match="loss became nan in epoch 1"):
        fit_regression(loss_fn=nan_loss)


def _raising_loss(outputs, targets):
    raise ValueError("first line\nsecond line\nthird line")


class RaisesInForward(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(1, 1)

    def forward(self, x):
        raise RuntimeError("shape mismatch\n  at some/frame.py line 3\n")


def _flat_targets() -> InMemoryLoader:
    split = make_linear_regression(32)
    return InMemoryLoader(split.X_train, split.y_train, 16)


def _three_classes() -> InMemoryLoader:
    return load_iris(("setosa", "versicolor", "virginica")).loaders(16)[0]


# Each builds the arguments of fit_regression that make fit raise.
ERROR_CASES = {
    "empty loader": lambda: dict(loader=InMemoryLoader(torch.zeros(0, 1), torch.zeros(0, 1))),
    "epochs": lambda: dict(epochs=0),
    "grad_clip": lambda: dict(grad_clip=-1),
    "mse shapes": lambda: dict(loader=_flat_targets()),
    "batch dimension": lambda: dict(model=MergesBatch(), optimizer=sgd(nn.Linear(1, 1))),
    "class range": lambda: dict(
        loader=_three_classes(), model=nn.Linear(2, 2), loss_fn=nn.CrossEntropyLoss()
    ),
    "loss raises": lambda: dict(loss_fn=_raising_loss),
    "loss not scalar": lambda: dict(loss_fn=nn.MSELoss(reduction="none")),
    "model raises": lambda: dict(model=RaisesInForward()),
    "device": lambda: dict(device="meta"),
    "unknown metric": lambda: dict(metrics=["f1"]),
    "loss nan": lambda: dict(loss_fn=lambda outputs, targets: outputs.sum() * float("nan")),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_fit_error_messages_are_a_single_line(case):
    kwargs = ERROR_CASES[case]()
    if "model" in kwargs and "optimizer" not in kwargs:
        kwargs["optimizer"] = sgd(kwargs["model"])
    with pytest.raises(CourseError) as info:
        fit_regression(**kwargs)
    message = str(info.value)
    assert message and "\n" not in message


# --------------------------------------------------------------------------- evaluate
def test_evaluate_runs_in_eval_mode_without_gradients():
    model = Recorder()
    _, test = iris_loaders()
    evaluate(model, test)
    assert model.calls and all(call == (False, False) for call in model.calls)


def test_evaluate_restores_train_mode():
    model = Recorder().train()
    _, test = iris_loaders()
    evaluate(model, test)
    assert model.training


def test_evaluate_keeps_eval_mode():
    model = Recorder().eval()
    _, test = iris_loaders()
    evaluate(model, test)
    assert not model.training


def test_evaluate_restores_train_mode_when_the_model_fails():
    model = nn.Linear(3, 2).train()
    _, test = iris_loaders()
    with pytest.raises(CourseError, match="the model failed on the first batch"):
        evaluate(model, test)
    assert model.training


def test_evaluate_averages_over_samples_not_batches():
    scores = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    labels = torch.tensor([0, 0, 0, 1])  # batches of 3 and 1: 2/3 and 1/1 correct
    results = evaluate(nn.Identity(), InMemoryLoader(scores, labels, 3))
    assert results == {"accuracy": pytest.approx(0.75)}


def test_evaluate_reports_loss_and_metrics():
    model = nn.Linear(2, 2)
    _, test = iris_loaders()
    results = evaluate(model, test, nn.CrossEntropyLoss(), metrics=["accuracy"])
    assert set(results) == {"loss", "accuracy"}
    assert results["loss"] > 0


def test_evaluate_with_loss_only():
    _, test = iris_loaders()
    assert set(evaluate(nn.Linear(2, 2), test, nn.CrossEntropyLoss(), metrics=None)) == {"loss"}


def test_evaluate_rejects_an_empty_loader():
    with pytest.raises(CourseError, match="loader yields no batches"):
        evaluate(nn.Linear(2, 2), InMemoryLoader(torch.zeros(0, 2), torch.zeros(0)))


def test_evaluate_rejects_an_iterable_that_yields_nothing():
    with pytest.raises(CourseError, match="loader yielded no batches"):
        evaluate(nn.Linear(2, 2), EmptyIterable())


# --------------------------------------------------------------------------- accuracy
def test_accuracy_of_class_scores_uses_the_arg_max():
    scores = torch.tensor([[0.1, 0.9, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 5.0], [1.0, 3.0, 0.0]])
    result = accuracy(scores, torch.tensor([1, 0, 2, 2]))
    assert result.ndim == 0
    assert result.item() == pytest.approx(0.75)


def test_accuracy_of_single_logits_thresholds_at_zero():
    logits = torch.tensor([2.0, -1.0, 0.5, -3.0])
    assert accuracy(logits, torch.tensor([1, 0, 0, 0])).item() == pytest.approx(0.75)


def test_accuracy_of_a_zero_logit_is_class_one_as_the_perceptron_decides():
    logits = torch.tensor([0.0, -0.0, -1e-6, 1e-6])
    assert accuracy(logits, torch.tensor([1, 1, 0, 1])).item() == 1.0


def test_accuracy_of_column_logits_with_float_column_targets():
    logits = torch.tensor([[2.0], [-1.0]])
    assert accuracy(logits, torch.tensor([[1.0], [0.0]])).item() == 1.0


def test_accuracy_of_sequences_takes_classes_from_dim_1_or_last():
    targets = torch.tensor([[0, 2, 1], [1, 1, 0]])  # (N=2, T=3)
    scores_last = torch.nn.functional.one_hot(torch.tensor([[0, 2, 2], [1, 1, 0]]), 4).float()
    assert accuracy(scores_last, targets).item() == pytest.approx(5 / 6)  # (N, T, C)
    assert accuracy(scores_last.transpose(1, 2), targets).item() == pytest.approx(5 / 6)  # (N, C, T)


def test_accuracy_of_sequences_with_mismatched_shapes_says_which():
    with pytest.raises(ShapeError, match=r"scores of shape \(2, 3, 4\) do not fit targets"):
        accuracy(torch.zeros(2, 3, 4), torch.zeros(2, 5, dtype=torch.long))


# --------------------------------------------------------------------------- History
def _history() -> History:
    history = History(seconds=1.5)
    history.append({"loss": 1.0, "val_loss": 2.0})
    history.append({"loss": 0.5, "val_loss": 0.25})
    return history


def test_history_append_records_floats_per_key():
    history = _history()
    assert history.records == {"loss": [1.0, 0.5], "val_loss": [2.0, 0.25]}
    assert history["val_loss"] == [2.0, 0.25]
    assert "loss" in history and "accuracy" not in history


def test_history_last_and_epochs():
    history = _history()
    assert history.last("loss") == 0.5
    assert history.epochs == [1, 2]
    assert len(history) == 2


def test_history_getitem_names_the_available_records():
    with pytest.raises(KeyError, match=r"no record 'accuracy'; this history has loss, val_loss"):
        _history()["accuracy"]


def test_history_getitem_on_an_empty_history_says_none():
    with pytest.raises(KeyError, match="this history has none"):
        History()["loss"]


def test_history_last_of_an_empty_record_raises():
    with pytest.raises(KeyError, match="'loss' has no values yet"):
        History(records={"loss": []}).last("loss")


def test_history_repr():
    assert repr(_history()) == "History(2 epochs, 1.5 s; last: loss=0.5, val_loss=0.25)"
    assert repr(History()) == "History(empty)"


def test_history_plot_returns_a_figure():
    assert isinstance(_history().plot(), Figure)


def test_history_plot_with_keys_returns_axes():
    ax = _history().plot(keys=["loss"])
    assert isinstance(ax, Axes)
    assert len(ax.get_lines()) == 1


# --------------------------------------------------------------------------- progress bars
def test_progress_disabled_by_course_progress_zero(monkeypatch):
    monkeypatch.setenv("COURSE_PROGRESS", "0")
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    assert training._progress_enabled(True) is False


@pytest.mark.parametrize("value", ["false", " OFF ", "no"])
def test_progress_disabled_by_other_false_words(monkeypatch, value):
    monkeypatch.setenv("COURSE_PROGRESS", value)
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    assert training._progress_enabled(True) is False


def test_progress_disabled_by_progress_false(monkeypatch):
    monkeypatch.delenv("COURSE_PROGRESS", raising=False)
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    assert training._progress_enabled(False) is False


def test_progress_enabled_in_a_jupyter_kernel(monkeypatch):
    monkeypatch.delenv("COURSE_PROGRESS", raising=False)
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    assert training._progress_enabled(True) is True


def test_progress_follows_the_terminal_outside_jupyter(monkeypatch):
    monkeypatch.delenv("COURSE_PROGRESS", raising=False)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.setattr(sys, "stderr", types.SimpleNamespace(isatty=lambda: True))
    assert training._progress_enabled(True) is True
    monkeypatch.setattr(sys, "stderr", types.SimpleNamespace(isatty=lambda: False))
    assert training._progress_enabled(True) is False


@pytest.fixture
def tqdm_bars(monkeypatch):
    """Force progress bars on and record every tqdm bar that fit creates."""
    import tqdm.auto

    bars = []

    class RecordingTqdm(tqdm.auto.tqdm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.was_closed = False
            bars.append(self)

        def close(self):
            self.was_closed = True
            super().close()

    monkeypatch.setattr(tqdm.auto, "tqdm", RecordingTqdm)
    monkeypatch.setattr(training, "_progress_enabled", lambda progress: True)
    return bars


def test_fit_with_progress_creates_and_closes_one_bar(tqdm_bars):
    fit_regression(epochs=3)
    assert len(tqdm_bars) == 1
    bar = tqdm_bars[0]
    assert (bar.total, bar.n) == (3, 3)
    assert "loss" in bar.postfix
    assert bar.was_closed


def test_fit_closes_the_bar_when_training_fails(tqdm_bars):
    with pytest.raises(CourseError):
        fit_regression(loss_fn=nn.MSELoss(reduction="none"))
    assert len(tqdm_bars) == 1 and tqdm_bars[0].was_closed


def test_fit_rejects_a_loss_that_does_not_depend_on_the_model():
    model = torch.nn.Linear(2, 1)
    loader = InMemoryLoader(torch.randn(8, 2), torch.randn(8, 1), 4)

    def detached(outputs, targets):
        return ((outputs.detach() - targets) ** 2).mean()

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(CourseError, match="does not depend on the model's parameters"):
        fit(model, loader, detached, optimizer, 1, progress=False)

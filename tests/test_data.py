"""Tests for course_utils.data: offline datasets, seeded stratified splits and batch loaders."""

import sys

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

import course_utils.data as data
from course_utils.data import (
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
from course_utils.errors import (
    CourseError,
    DatasetUnavailableError,
    InvalidArgumentError,
    ShapeError,
)


def _class_counts(labels: torch.Tensor) -> list[int]:
    return torch.bincount(labels).tolist()


def _same_split(a: Split, b: Split) -> bool:
    return torch.equal(a.X_train, b.X_train) and torch.equal(a.X_test, b.X_test)


# --------------------------------------------------------------------------- iris
def test_load_iris_default_shapes_and_dtypes():
    split = load_iris()
    assert split.X_train.shape == (70, 2)
    assert split.X_test.shape == (30, 2)
    assert split.X_train.dtype == torch.float32
    assert split.y_train.dtype == torch.int64
    assert split.feature_names == ("sepal length", "petal length")
    assert split.class_names == ("setosa", "versicolor")
    assert split.name == "iris (setosa vs versicolor)"


def test_load_iris_test_split_is_stratified():
    split = load_iris(("setosa", "versicolor", "virginica"), test_size=0.2)
    assert _class_counts(split.y_test) == [10, 10, 10]
    assert _class_counts(split.y_train) == [40, 40, 40]


def test_load_iris_relabels_classes_in_the_order_given():
    split = load_iris(("virginica", "setosa"), ("petal length",), test_size=0)
    petal = split.X_train[:, 0]
    # virginica (now 0) has petals of at least 4.5 cm, setosa (now 1) of at most 1.9 cm
    assert petal[split.y_train == 0].min() >= 4.5
    assert petal[split.y_train == 1].max() <= 1.9
    assert split.class_names == ("virginica", "setosa")


def test_load_iris_selects_by_index_like_by_name():
    by_name = load_iris(("versicolor", "virginica"), ("sepal width", "petal width"))
    by_index = load_iris((1, 2), (1, 3))
    assert _same_split(by_name, by_index)
    assert by_index.feature_names == ("sepal width", "petal width")


def test_load_iris_names_ignore_case_and_underscores():
    split = load_iris(("Setosa", "VERSICOLOR"), ("Petal_Length",))
    assert split.feature_names == ("petal length",)


def test_load_iris_is_reproducible_with_the_same_seed():
    assert _same_split(load_iris(seed=3), load_iris(seed=3))


def test_load_iris_differs_with_another_seed():
    assert not _same_split(load_iris(seed=3), load_iris(seed=4))


def test_load_iris_rejects_unknown_class_listing_the_choices():
    with pytest.raises(
        CourseError, match=r"unknown iris class 'rose'; choose from setosa, versicolor, virginica"
    ):
        load_iris(("setosa", "rose"))


def test_load_iris_rejects_feature_index_out_of_range():
    with pytest.raises(CourseError, match=r"unknown iris feature 4; choose from sepal length"):
        load_iris(features=(0, 4))


def test_load_iris_rejects_a_class_chosen_twice():
    with pytest.raises(CourseError, match="each iris class may be chosen once"):
        load_iris(("setosa", 0))


def test_load_iris_needs_two_classes():
    with pytest.raises(CourseError, match="choose at least two iris classes"):
        load_iris(("setosa",))


def test_load_iris_needs_a_feature():
    with pytest.raises(CourseError, match="choose at least one iris feature"):
        load_iris(features=())


def test_load_iris_standardises_with_training_statistics_only():
    raw = load_iris(seed=1)
    scaled = load_iris(seed=1, standardize=True)
    assert torch.allclose(scaled.mean, raw.X_train.mean(dim=0), atol=1e-5)
    assert torch.allclose(scaled.scale, raw.X_train.std(dim=0, unbiased=False), atol=1e-5)
    assert torch.allclose(scaled.X_train.mean(dim=0), torch.zeros(2), atol=1e-5)
    assert torch.allclose(scaled.X_train.std(dim=0, unbiased=False), torch.ones(2), atol=1e-5)
    # the test part uses the training statistics, so it is not exactly centred itself
    expected_test = (raw.X_test - scaled.mean) / scaled.scale
    assert torch.allclose(scaled.X_test, expected_test, atol=1e-5)
    assert not torch.allclose(scaled.X_test.mean(dim=0), torch.zeros(2), atol=1e-3)


def test_load_iris_without_standardisation_has_no_statistics():
    split = load_iris()
    assert split.mean is None and split.scale is None


def test_load_iris_test_size_zero_keeps_everything_for_training():
    split = load_iris(test_size=0)
    assert split.X_train.shape == (100, 2)
    assert split.X_test.shape == (0, 2)
    assert split.y_test.shape == (0,)


def test_load_iris_test_size_zero_with_standardisation():
    split = load_iris(test_size=0, standardize=True)
    assert split.X_test.shape == (0, 2)
    assert torch.allclose(split.X_train.mean(dim=0), torch.zeros(2), atol=1e-5)


@pytest.mark.parametrize("test_size", [1.0, -0.1, 1.5])
def test_split_rejects_test_size_out_of_range(test_size):
    with pytest.raises(CourseError, match=r"test_size must be in \[0, 1\)"):
        load_iris(test_size=test_size)


# --------------------------------------------------------------------------- diabetes, digits
def test_load_diabetes_shapes_and_regression_dtype():
    split = load_diabetes()
    assert split.X_train.shape == (442, 10)
    assert split.X_test.shape == (0, 10)
    assert split.y_train.dtype == torch.float32
    assert split.class_names is None
    assert split.feature_names[:3] == ("age", "sex", "bmi")


def test_load_diabetes_raw_features_are_in_original_units():
    age = load_diabetes(raw=True).X_train[:, 0]
    assert 40 < age.mean() < 60  # years
    assert age.min() >= 18


def test_load_diabetes_scaled_features_are_small():
    X = load_diabetes(raw=False).X_train
    assert X.abs().max() < 1
    assert torch.allclose(X.mean(dim=0), torch.zeros(10), atol=1e-4)


def test_load_diabetes_targets_do_not_depend_on_scaling():
    assert torch.equal(load_diabetes(raw=True).y_train, load_diabetes(raw=False).y_train)


def test_load_diabetes_standardize_and_test_size():
    split = load_diabetes(standardize=True, test_size=0.25)
    assert len(split.X_train) + len(split.X_test) == 442
    assert len(split.X_test) == 111
    assert torch.allclose(split.X_train.mean(dim=0), torch.zeros(10), atol=1e-4)


def test_load_digits_flat_shapes_and_range():
    split = load_digits()
    assert split.X_train.shape == (1437, 64)
    assert split.X_test.shape == (360, 64)
    assert split.X_train.min() >= 0 and split.X_train.max() == 1
    assert split.class_names == tuple("0123456789")


def test_load_digits_as_images():
    split = load_digits(flatten=False)
    assert split.X_train.shape[1:] == (1, 8, 8)


def test_load_digits_test_split_is_stratified():
    split = load_digits()
    in_test = torch.bincount(split.y_test).float()
    in_all = torch.bincount(torch.cat([split.y_train, split.y_test])).float()
    assert len(in_test) == 10
    assert (in_test - 0.2 * in_all).abs().max() <= 1


# --------------------------------------------------------------------------- MNIST
@pytest.fixture(scope="module")
def mnist5k() -> Split:
    return load_mnist5k()


def test_load_mnist5k_shapes_and_dtypes(mnist5k):
    assert mnist5k.X_train.shape == (4000, 1, 28, 28)
    assert mnist5k.X_test.shape == (1000, 1, 28, 28)
    assert mnist5k.X_train.dtype == torch.float32
    assert mnist5k.y_train.dtype == torch.int64


def test_load_mnist5k_pixels_are_scaled_to_unit_range(mnist5k):
    assert mnist5k.X_train.min() == 0
    assert mnist5k.X_train.max() == 1


def test_load_mnist5k_test_split_has_100_per_digit(mnist5k):
    assert _class_counts(mnist5k.y_test) == [100] * 10


def test_load_mnist5k_flatten_gives_784_pixels(mnist5k):
    flat = load_mnist5k(flatten=True)
    assert flat.X_train.shape == (4000, 784)
    assert torch.equal(flat.X_train.view(-1, 1, 28, 28), mnist5k.X_train)


def test_load_mnist_offline_points_to_load_mnist5k(tmp_path):
    with pytest.raises(
        DatasetUnavailableError, match=r"load_mnist\(download=True\).*load_mnist5k\(\)"
    ):
        load_mnist(root=tmp_path, download=False)


def test_load_mnist_failed_download_says_to_copy_the_files(tmp_path, monkeypatch):
    import torchvision.datasets

    def no_network(*args, **kwargs):
        raise OSError("no network")

    monkeypatch.setattr(torchvision.datasets, "MNIST", no_network)
    with pytest.raises(
        DatasetUnavailableError, match=r"\(OSError\); the download failed.*load_mnist5k"
    ):
        load_mnist(root=tmp_path, download=True)


def test_load_mnist_defaults_to_course_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA", str(tmp_path))
    with pytest.raises(DatasetUnavailableError, match=f"full MNIST is not in {tmp_path}"):
        load_mnist()


def test_load_mnist_builds_a_split_from_torchvision(tmp_path, monkeypatch):
    import torchvision.datasets

    class FakeMNIST:
        def __init__(self, root, train, download):
            n = 6 if train else 2
            self.data = torch.full((n, 28, 28), 255, dtype=torch.uint8)
            self.targets = torch.arange(n)

    monkeypatch.setattr(torchvision.datasets, "MNIST", FakeMNIST)
    split = load_mnist(root=tmp_path, flatten=True)
    assert split.X_train.shape == (6, 784)
    assert split.X_test.shape == (2, 784)
    assert split.X_train.max() == 1.0
    assert split.y_train.dtype == torch.int64


# --------------------------------------------------------------------------- generated sets
def test_make_linear_regression_keeps_the_true_weights():
    split = make_linear_regression(50, weights=(2.0, -3.0), bias=0.5)
    assert torch.equal(split.true_weights, torch.tensor([2.0, -3.0]))
    assert split.true_bias == 0.5
    assert split.X_train.shape == (50, 2)
    assert split.y_train.shape == (50,)
    assert split.feature_names == ("x1", "x2")


def test_make_linear_regression_without_noise_lies_on_the_plane():
    split = make_linear_regression(40, weights=(2.0, -3.0), bias=0.5, noise=0.0)
    predicted = split.X_train @ split.true_weights + split.true_bias
    assert torch.allclose(predicted, split.y_train, atol=1e-5)


def test_make_linear_regression_features_stay_in_range():
    X = make_linear_regression(200, x_range=(1.0, 2.0)).X_train
    assert X.min() >= 1.0 and X.max() <= 2.0


def test_make_linear_regression_is_reproducible_per_seed():
    a, b, c = (make_linear_regression(seed=s) for s in (1, 1, 2))
    assert torch.equal(a.y_train, b.y_train)
    assert not torch.equal(a.y_train, c.y_train)


def test_make_linear_regression_with_test_size():
    split = make_linear_regression(100, test_size=0.2)
    assert (len(split.X_train), len(split.X_test)) == (80, 20)
    assert split.y_test.dtype == torch.float32


def test_make_linear_regression_needs_two_samples():
    with pytest.raises(CourseError, match="n_samples must be at least 2"):
        make_linear_regression(1)


def test_make_xor_labels_are_exclusive_or_of_the_signs():
    split = make_xor(200, noise=0.1)
    for X, y in ((split.X_train, split.y_train), (split.X_test, split.y_test)):
        expected = ((X[:, 0] > 0) != (X[:, 1] > 0)).long()
        assert torch.equal(y, expected)


def test_make_xor_shapes_and_balanced_test_split():
    split = make_xor(200)
    assert split.X_train.shape == (150, 2)
    assert _class_counts(split.y_test) == [25, 25]


def test_make_xor_is_reproducible_per_seed():
    assert _same_split(make_xor(seed=5), make_xor(seed=5))
    assert not _same_split(make_xor(seed=5), make_xor(seed=6))


def test_make_moons_shapes_and_balanced_test_split():
    split = make_moons(200)
    assert split.X_train.shape == (150, 2)
    assert split.X_test.shape == (50, 2)
    assert _class_counts(split.y_test) == [25, 25]
    assert split.class_names == ("upper", "lower")


def test_make_moons_is_reproducible_per_seed():
    assert _same_split(make_moons(100, seed=1), make_moons(100, seed=1))
    assert not _same_split(make_moons(100, seed=1), make_moons(100, seed=2))


def test_make_gaussian_ring_shapes_and_centres_on_the_circle():
    samples, centres = make_gaussian_ring(300, n_modes=6, radius=3.0)
    assert samples.shape == (300, 2)
    assert centres.shape == (6, 2)
    assert torch.allclose(centres.norm(dim=1), torch.full((6,), 3.0))


def test_make_gaussian_ring_samples_lie_near_a_centre():
    samples, centres = make_gaussian_ring(300, std=0.05)
    nearest = torch.cdist(samples, centres).min(dim=1).values
    assert nearest.max() < 0.5


def test_make_gaussian_ring_is_reproducible_per_seed():
    a, _ = make_gaussian_ring(50, seed=0)
    b, _ = make_gaussian_ring(50, seed=0)
    c, _ = make_gaussian_ring(50, seed=1)
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_make_periodic_signal_shape_and_dtype():
    signal = make_periodic_signal(300)
    assert signal.shape == (300,)
    assert signal.dtype == torch.float32


def test_make_periodic_signal_without_noise_repeats_every_period():
    signal = make_periodic_signal(200, period=20.0, noise=0.0)
    assert torch.allclose(signal[20:], signal[:-20], atol=1e-4)


def test_make_periodic_signal_is_reproducible_per_seed():
    assert torch.equal(make_periodic_signal(50, seed=3), make_periodic_signal(50, seed=3))
    assert not torch.equal(make_periodic_signal(50, seed=3), make_periodic_signal(50, seed=4))


def test_sliding_windows_pairs_each_window_with_the_next_value():
    series = torch.arange(10.0)
    X, y = sliding_windows(series, 3)
    assert X.shape == (7, 3, 1)
    assert y.shape == (7, 1)
    assert X[0, :, 0].tolist() == [0.0, 1.0, 2.0]
    assert y[0].item() == 3.0
    assert X[-1, :, 0].tolist() == [6.0, 7.0, 8.0]
    assert y[-1].item() == 9.0


def test_sliding_windows_accepts_lists():
    X, y = sliding_windows([1, 2, 3], 1)
    assert X.dtype == torch.float32
    assert y.squeeze(-1).tolist() == [2.0, 3.0]


def test_sliding_windows_rejects_a_2d_series():
    with pytest.raises(ShapeError, match=r"series must be 1-D, got shape \(2, 5\)"):
        sliding_windows(torch.zeros(2, 5), 2)


@pytest.mark.parametrize("window", [0, 5, 6])
def test_sliding_windows_rejects_window_out_of_range(window):
    with pytest.raises(CourseError, match=r"window must be between 1 and len\(series\) - 1 = 4"):
        sliding_windows(torch.zeros(5), window)


# --------------------------------------------------------------------------- character corpus
@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> CharCorpus:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COURSE_DATA", str(tmp_path_factory.mktemp("course_data")))
        return load_char_corpus(50_000)


def _cache_file(folder, max_chars: int):
    version = "{}.{}.{}".format(*sys.version_info[:3])
    return folder / f"stdlib-docstrings-{version}-{max_chars}.txt"


def test_load_char_corpus_has_the_requested_length(corpus):
    assert len(corpus.text) == 50_000
    assert repr(corpus) == f"CharCorpus(50,000 characters, vocabulary of {corpus.vocab_size})"


def test_char_corpus_vocabulary_is_sorted_and_holds_the_unknown_mark(corpus):
    assert list(corpus.chars) == sorted(set(corpus.chars))
    assert "?" in corpus.chars
    assert set(corpus.text) <= set(corpus.chars)
    assert corpus.vocab_size == len(corpus.chars)


def test_load_char_corpus_replaces_rare_characters(corpus):
    counts = {c: corpus.text.count(c) for c in corpus.chars}
    assert all(n >= 20 for c, n in counts.items() if c != "?")


def test_char_corpus_encode_decode_round_trip(corpus):
    sample = corpus.text[:2000]
    encoded = corpus.encode(sample)
    assert encoded.dtype == torch.int64
    assert encoded.shape == (2000,)
    assert corpus.decode(encoded) == sample


def test_char_corpus_decode_accepts_a_list(corpus):
    assert corpus.decode(corpus.encode("the").tolist()) == "the"


def test_char_corpus_encodes_unknown_characters_as_the_unknown_mark(corpus):
    assert corpus.decode(corpus.encode("a\u20acb")) == "a?b"


def test_char_corpus_split_cuts_a_validation_tail(corpus):
    train, val = corpus.split(0.1)
    assert len(train) == 45_000
    assert len(val) == 5_000
    assert torch.equal(torch.cat([train, val]), corpus.encode(corpus.text))


@pytest.mark.parametrize("fraction", [0, 1, -0.5])
def test_char_corpus_split_rejects_fraction_out_of_range(corpus, fraction):
    with pytest.raises(CourseError, match=r"val_fraction must be in \(0, 1\)"):
        corpus.split(fraction)


def test_char_corpus_works_with_a_hand_made_vocabulary():
    small = CharCorpus(text="abba", chars="?ab")
    assert small.encode("abc").tolist() == [1, 2, 0]
    assert small.stoi == {"?": 0, "a": 1, "b": 2}


def test_load_char_corpus_writes_the_cache_file(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA", str(tmp_path))
    corpus = load_char_corpus(50_000)
    cache = _cache_file(tmp_path, 50_000)
    assert cache.is_file()
    assert len(cache.read_text(encoding="utf-8")) == len(corpus.text)
    assert not list(tmp_path.glob("*.tmp"))


def test_load_char_corpus_reuses_the_cache_file(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA", str(tmp_path))
    _cache_file(tmp_path, 50_000).write_text("cached text. " * 5000, encoding="utf-8")

    def must_not_parse(max_chars):
        raise AssertionError("the standard library was parsed although a cache exists")

    monkeypatch.setattr(data, "_stdlib_docstrings", must_not_parse)
    corpus = load_char_corpus(50_000)
    assert corpus.text.startswith("cached text. cached text.")


def test_load_char_corpus_works_when_the_cache_cannot_be_written(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("COURSE_DATA", str(blocker))
    monkeypatch.setattr(data, "_stdlib_docstrings", lambda max_chars: "docstring text " * 5000)
    assert load_char_corpus(50_000).text.startswith("docstring text")


def test_load_char_corpus_raises_when_too_little_text_is_found(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA", str(tmp_path))
    monkeypatch.setattr(data, "_stdlib_docstrings", lambda max_chars: "only a little text")
    with pytest.raises(
        DatasetUnavailableError, match=r"too little standard-library source.*install"
    ):
        load_char_corpus(50_000)


def test_stdlib_docstrings_reads_long_docstrings_and_skips_tests_and_bad_files(
    tmp_path, monkeypatch
):
    long = "x" * 40
    (tmp_path / "good.py").write_text(
        f'"""Module {long}"""\n'
        f'class C:\n    """Class {long}"""\n'
        f'    def method(self):\n        """Method {long}"""\n'
        f'async def run():\n    """Coroutine {long}"""\n'
        'def short():\n    """Too short."""\n',
        encoding="utf-8",
    )
    (tmp_path / "broken.py").write_text(
        '"""Broken file docstring, long enough to count."""\ndef (:\n'
    )
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text(f'"""Test {long}"""\n')
    monkeypatch.setattr(data.sysconfig, "get_paths", lambda: {"stdlib": str(tmp_path)})
    text = data._stdlib_docstrings(10_000)
    assert [line.split()[0] for line in text.split("\n\n") if line] == [
        "Module",
        "Class",
        "Method",
        "Coroutine",
    ]


# --------------------------------------------------------------------------- InMemoryLoader
def _toy(n: int = 10) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.arange(float(n)).view(n, 1), torch.arange(n)


def test_in_memory_loader_len_rounds_up():
    assert len(InMemoryLoader(*_toy(10), batch_size=3)) == 4


def test_in_memory_loader_len_with_drop_last_rounds_down():
    assert len(InMemoryLoader(*_toy(10), batch_size=3, drop_last=True)) == 3


def test_in_memory_loader_without_shuffle_keeps_the_order():
    batches = list(InMemoryLoader(*_toy(10), batch_size=4))
    assert [len(yb) for _, yb in batches] == [4, 4, 2]
    assert torch.cat([yb for _, yb in batches]).tolist() == list(range(10))


def test_in_memory_loader_drop_last_skips_the_small_batch():
    batches = list(InMemoryLoader(*_toy(10), batch_size=4, drop_last=True))
    assert [len(yb) for _, yb in batches] == [4, 4]


def test_in_memory_loader_shuffle_keeps_features_and_labels_together():
    for xb, yb in InMemoryLoader(*_toy(10), batch_size=4, shuffle=True):
        assert torch.equal(xb[:, 0].long(), yb)


def _epoch_order(loader: InMemoryLoader) -> list[int]:
    return torch.cat([yb for _, yb in loader]).tolist()


def test_in_memory_loader_shuffle_visits_every_sample_once():
    order = _epoch_order(InMemoryLoader(*_toy(20), batch_size=6, shuffle=True))
    assert order != list(range(20))
    assert sorted(order) == list(range(20))


def test_in_memory_loader_shuffle_is_reproducible_per_seed():
    a = InMemoryLoader(*_toy(20), batch_size=6, shuffle=True, seed=1)
    b = InMemoryLoader(*_toy(20), batch_size=6, shuffle=True, seed=1)
    c = InMemoryLoader(*_toy(20), batch_size=6, shuffle=True, seed=2)
    assert _epoch_order(a) == _epoch_order(b)
    assert _epoch_order(a) != _epoch_order(c)


def test_in_memory_loader_shuffles_differently_every_epoch():
    loader = InMemoryLoader(*_toy(20), batch_size=6, shuffle=True)
    assert _epoch_order(loader) != _epoch_order(loader)


def test_in_memory_loader_applies_transform_to_features_only():
    loader = InMemoryLoader(*_toy(4), batch_size=4, transform=lambda xb: xb * 10)
    xb, yb = next(iter(loader))
    assert xb[:, 0].tolist() == [0.0, 10.0, 20.0, 30.0]
    assert yb.tolist() == [0, 1, 2, 3]


def test_in_memory_loader_moves_data_to_the_device_once():
    loader = InMemoryLoader(*_toy(5), batch_size=2, device="meta")
    assert loader.device == torch.device("meta")
    assert loader.X.device.type == "meta" and loader.y.device.type == "meta"
    assert all(xb.device.type == "meta" for xb, _ in loader)


def test_in_memory_loader_accepts_numpy_arrays():
    loader = InMemoryLoader(np.zeros((3, 2)), np.arange(3), batch_size=2)
    xb, _ = next(iter(loader))
    assert isinstance(xb, torch.Tensor)


def test_in_memory_loader_rejects_mismatched_lengths():
    with pytest.raises(ShapeError, match="X has 5 samples but y has 4; they must have the same"):
        InMemoryLoader(torch.zeros(5, 2), torch.zeros(4))


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, "8", True])
def test_in_memory_loader_rejects_bad_batch_size(batch_size):
    with pytest.raises(CourseError, match="batch_size must be a"):
        InMemoryLoader(*_toy(4), batch_size=batch_size)


def test_in_memory_loader_takes_numpy_integers():
    assert InMemoryLoader(*_toy(4), batch_size=np.int64(2)).batch_size == 2


def test_in_memory_loader_repr():
    loader = InMemoryLoader(*_toy(10), batch_size=3, shuffle=True)
    assert repr(loader) == (
        "InMemoryLoader(10 samples, batch_size=3, shuffle=True, drop_last=False, device=cpu)"
    )


# --------------------------------------------------------------------------- Split
def test_split_numpy_returns_four_arrays():
    arrays = load_iris().numpy()
    assert len(arrays) == 4
    assert all(isinstance(a, np.ndarray) for a in arrays)
    X_train, y_train, X_test, y_test = arrays
    assert X_train.shape == (70, 2) and X_train.dtype == np.float32
    assert y_test.shape == (30,) and y_test.dtype == np.int64


def test_split_memory_loaders_shuffle_only_the_training_part():
    train, test = load_iris().loaders(batch_size=16, seed=0)
    assert isinstance(train, InMemoryLoader) and isinstance(test, InMemoryLoader)
    assert train.shuffle and not test.shuffle
    assert (len(train), len(test)) == (5, 2)


def test_split_memory_loaders_pass_options_to_the_training_loader():
    split = load_iris()
    train, test = split.loaders(
        batch_size=16, shuffle=False, drop_last=True, transform=lambda xb: xb * 0
    )
    assert len(train) == 4
    assert next(iter(train))[0].abs().sum() == 0
    assert torch.equal(next(iter(test))[0], split.X_test[:16])


def test_split_memory_loaders_put_both_parts_on_the_device():
    train, test = load_iris().loaders(device="meta")
    assert train.device.type == "meta" and test.device.type == "meta"


def test_split_dataloader_loaders_are_torch_dataloaders():
    train, test = load_iris().loaders(batch_size=16, kind="dataloader")
    assert isinstance(train, DataLoader) and isinstance(test, DataLoader)
    assert (len(train), len(test)) == (5, 2)
    xb, yb = next(iter(test))
    assert xb.shape == (16, 2) and yb.dtype == torch.int64


def test_split_dataloader_pins_memory_only_when_cuda_is_there(monkeypatch):
    train, test = load_iris().loaders(batch_size=16, kind="dataloader")
    assert (train.pin_memory, test.pin_memory) == (False, False) or torch.cuda.is_available()
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    train, test = load_iris().loaders(batch_size=16, kind="dataloader")
    assert train.pin_memory and test.pin_memory


def test_split_dataloader_shuffle_is_reproducible_per_seed():
    split = load_iris()
    orders = []
    for seed in (1, 1, 2):
        train, _ = split.loaders(batch_size=100, kind="dataloader", seed=seed)
        orders.append(next(iter(train))[1].tolist())
    assert orders[0] == orders[1]
    assert orders[0] != orders[2]


@pytest.mark.parametrize("option", [{"device": "cpu"}, {"transform": abs}])
def test_split_dataloader_rejects_memory_only_options(option):
    with pytest.raises(CourseError, match=r"transform= and device= work with kind='memory'"):
        load_iris().loaders(kind="dataloader", **option)


def test_split_loaders_reject_unknown_kind():
    with pytest.raises(CourseError, match=r"kind must be 'memory' or 'dataloader', got 'disk'"):
        load_iris().loaders(kind="disk")


def test_split_repr_of_a_classification_set():
    assert repr(load_iris()) == (
        "Split(iris (setosa vs versicolor): 70 train / 30 test, features (2,), 2 classes)"
    )


def test_split_repr_of_a_regression_set():
    assert repr(make_linear_regression(10)) == (
        "Split(linear regression: 10 train / 0 test, features (1,))"
    )


def test_split_repr_without_a_name():
    split = Split(torch.zeros(3, 1, 4, 4), torch.zeros(3), torch.zeros(1, 1, 4, 4), torch.zeros(1))
    assert repr(split) == "Split(Split: 3 train / 1 test, features (1, 4, 4))"


def test_validation_carves_a_stratified_part_of_the_training_set_and_keeps_the_test_set():
    data = load_iris()
    fitting = data.validation(0.2, seed=1)
    assert len(fitting.X_train) + len(fitting.X_test) == len(data.X_train)
    assert len(fitting.X_test) == 14
    # stratified: both classes held out in proportion
    assert sorted(fitting.y_test.tolist()).count(0) == 7
    # every training row lands in exactly one part
    parts = sorted(map(tuple, fitting.X_train.tolist() + fitting.X_test.tolist()))
    assert parts == sorted(map(tuple, data.X_train.tolist()))
    assert torch.equal(fitting.extras["X_test"], data.X_test)
    assert torch.equal(fitting.extras["y_test"], data.y_test)
    assert "validation" in repr(fitting)
    train_loader, val_loader = fitting.loaders(batch_size=8)
    assert sum(len(y) for _, y in val_loader) == 14
    # reproducible, and another seed holds out other rows
    assert torch.equal(data.validation(0.2, seed=1).X_test, fitting.X_test)
    assert not torch.equal(data.validation(0.2, seed=2).X_test, fitting.X_test)


@pytest.mark.parametrize("fraction", [0, 1, 1.5, -0.1, True, "0.2"])
def test_validation_rejects_fractions_outside_0_1(fraction):
    with pytest.raises(InvalidArgumentError, match="fraction must be between 0 and 1"):
        load_iris().validation(fraction)


def test_validation_of_regression_data_is_not_stratified():
    data = make_linear_regression(100, seed=0)
    fitting = data.validation(0.25)
    assert len(fitting.X_test) == 25 and fitting.true_weights is data.true_weights

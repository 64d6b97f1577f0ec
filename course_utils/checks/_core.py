"""Exercise checks as data: one definition, run in the notebook or split for a grader.

An :class:`Exercise` describes one exercise in four parts:

``cases(rng)``
    Inputs drawn from a seed: plain data (tensors, arrays, numbers, strings). Where
    the student's function takes a function, a module or an optimizer, the case
    names it and ``call`` builds it from trusted code.
``call(fn, case)``
    How the student's function is called on a case. Whatever it returns is
    reduced to plain data (:func:`to_data`): tensors, arrays, numbers, strings, and
    lists and dicts of them. A fake object whose ``__eq__`` is always true does not
    survive that.
``reference(case)``
    The answer for a case, computed without any student code.
``diagnose(case, answer, expected)``
    Compares an answer with the reference, recognises the typical mistakes and
    calls :func:`fail` with a message that helps (and, with ``reveal=``, the formula
    a student sees only after failing the same check repeatedly).

Two runners use the same definitions:

* **In the notebook**, ``check.conv2d(conv2d)`` calls the exercise: everything in
  one process, instant, one line of output (or a message without a traceback).
  An exercise that is not written yet is reported and does not stop Run All.
* **Split**, for grading: :func:`draw` makes the cases from a grader's seed and
  encodes them as JSON; :func:`answer` runs in the process where the student's
  code runs and returns only JSON; :func:`decide` computes references, diagnoses
  and the verdict in a process where no student code ever ran. Nothing is pickled.

An exercise done "by hand" lists the library functions it replaces in
``forbidden``. While the student's function runs they raise, and its source is
scanned for them (in the notebook; at grading, the exercise cell's source), so a
reference kept aside before the call is caught too.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import importlib
import inspect
import json
import math
import sys
import textwrap
import traceback
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

import numpy as np
import torch

__all__ = [
    "AUTOGRAD",
    "CheckFailure",
    "Exercise",
    "Forbidden",
    "Verdict",
    "answer",
    "as_array",
    "as_number",
    "close",
    "decide",
    "draw",
    "expect_close",
    "expect_shape",
    "expect_tensor",
    "fail",
    "generator",
    "verdict",
    "to_data",
]

#: The tolerance policy of every check: |a - e| <= ATOL + RTOL * |e| elementwise, in float64,
#: after a check that shapes agree and that every value is finite (NaN and inf always fail).
RTOL = 1e-5
ATOL = 1e-6
#: Failures of the same check after which a diagnosis also shows its formula.
REVEAL_AFTER = 3


# --------------------------------------------------------------------------- failures
class CheckFailure(AssertionError):
    """A check's verdict for the student: the message alone, without the check's traceback."""

    def __init__(self, message: str, reveal: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.reveal = reveal

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of a traceback
        return [f"\x1b[31m✗ {self.args[0]}\x1b[0m"]


def fail(message: str, *, reveal: str = "") -> NoReturn:
    """Stop the check with ``message``; ``reveal`` (a formula) is shown only after repeated failures."""
    __tracebackhide__ = True
    raise CheckFailure(message, reveal)


@dataclass
class Verdict:
    """The outcome of one exercise's check.

    ``status`` is ``passed``, ``failed`` (a wrong answer), ``not-written`` (still
    ``raise NotImplementedError``) or ``forbidden-call`` (it used the library
    function it should replace).
    """

    exercise: str
    status: str
    message: str = ""
    cases: int = 0
    reveal: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "passed"


# --------------------------------------------------------------------------- forbidden calls
@dataclass(frozen=True)
class Forbidden:
    """A library function an exercise replaces, e.g. ``Forbidden("torch.nn.functional.conv2d")``.

    ``path`` is a module attribute (``torch.nn.functional.conv2d``) or a method
    (``torch.Tensor.backward``); ``shown`` is how the message names it.
    """

    path: str
    shown: str = ""
    #: Also flag the bare name in the source (for names only the library uses, e.g. modes_covered).
    bare: bool = False

    @property
    def name(self) -> str:
        return self.path.rsplit(".", 1)[1]

    @property
    def label(self) -> str:
        return self.shown or self.path

    def owner(self) -> Any:
        parts = self.path.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:cut]))
            except ImportError:
                continue
            for part in parts[cut:-1]:
                obj = getattr(obj, part)
            return obj
        raise ImportError(self.path)  # pragma: no cover - a typo in a check's definition

    def original(self) -> Any:
        return getattr(self.owner(), self.name)


#: What "gradients by hand" replaces: every way of asking autograd for a gradient, down to its engine.
AUTOGRAD = (
    Forbidden("torch.Tensor.backward", "tensor.backward() (autograd)"),
    Forbidden("torch.autograd.grad", "torch.autograd.grad"),
    Forbidden("torch.autograd.backward", "torch.autograd.backward"),
    Forbidden("torch.autograd.variable.Variable._execution_engine", "autograd's engine"),
)

#: Modules that hold the same function under another name (``torch.cdist`` is
#: ``torch.functional.cdist``): a forbidden function is guarded in each of them.
MIRRORS = {
    "torch": (
        "torch", "torch.functional", "torch.nn.functional", "torch.autograd", "torch.linalg",
        "torch.special", "torch.fft", "torch.func",
    ),
    "numpy": ("numpy", "numpy.linalg", "numpy.fft"),
}

_ALIASES = {"torch.nn.functional": ("F",), "numpy": ("np",), "torch.nn": ("nn",)}


def _prefixes(module: str) -> set[str]:
    parts = module.split(".")
    found = {".".join(parts[i:]) for i in range(len(parts))}
    for full, aliases in _ALIASES.items():
        if module == full or module.endswith("." + full.rsplit(".", 1)[-1]):
            found |= set(aliases)
        if module.startswith(full + "."):
            rest = module[len(full) + 1 :]
            found |= {f"{a}.{rest}" for a in aliases}
    return found


class ForbiddenCall(Exception):
    """Raised inside the student's function when it calls what the exercise replaces."""

    def __init__(self, forbidden: Forbidden) -> None:
        super().__init__(forbidden.label)
        self.forbidden = forbidden


class _Raiser:
    """Stands in for a forbidden function: calling it, or anything reached through it, raises."""

    def __init__(self, item: Forbidden) -> None:
        self._item = item

    def __call__(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ForbiddenCall(self._item)

    def __getattr__(self, name: str) -> NoReturn:
        raise ForbiddenCall(object.__getattribute__(self, "_item"))


def _homes(item: Forbidden, original: Any) -> list[tuple[Any, str]]:
    """Every ``(module or class, name)`` under which ``original`` is reachable: its owner and mirrors."""
    owner = item.owner()
    homes = [(owner, item.name)]
    top = item.path.split(".", 1)[0]
    for module_name in MIRRORS.get(top, ()):
        module = sys.modules.get(module_name)
        if module is None or module is owner:
            continue
        for name, value in list(vars(module).items()):
            if value is original and (module, name) not in homes:
                homes.append((module, name))
    return homes


@contextlib.contextmanager
def _guarded(forbidden: Sequence[Forbidden]) -> Iterator[None]:
    """While active, each forbidden function raises :class:`ForbiddenCall`, under any of its names."""
    saved = []
    # each name raises with the message of the item that names it exactly, else of the first item
    # whose function it is (F.conv2d and torch.conv2d are one function)
    exact = {(id(item.owner()), item.name): item for item in forbidden}
    patches: dict[tuple[int, str], tuple[Any, str, Forbidden]] = {}
    for item in forbidden:
        for home, name in _homes(item, item.original()):
            key = (id(home), name)
            if key not in patches or key in exact:
                patches[key] = (home, name, exact.get(key, item))
    try:
        for home, name, item in patches.values():
            saved.append((home, name, home.__dict__.get(name, getattr(home, name))))
            setattr(home, name, _Raiser(item))
        yield
    finally:
        for home, name, value in reversed(saved):
            setattr(home, name, value)


def scan_source(
    source: str, forbidden: Sequence[Forbidden], exercise: str = ""
) -> Forbidden | None:
    """The first forbidden function ``source`` names (``F.conv2d``, ``x.backward()``, an import).

    A bare name counts too for items marked ``bare`` (``modes_covered(...)`` after
    ``from course_utils import modes_covered`` in another cell), unless the source
    binds that name itself (a student's own helper of the same name).
    """
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:
        return None
    bound = {exercise}
    # what names in the source stand for: a package, a conventional alias, or an imported module
    packages = {item.path.split(".", 1)[0] for item in forbidden}
    roots = {p: p for p in packages}
    roots |= {a: full for full, aliases in _ALIASES.items() for a in aliases if full.split(".")[0] in packages}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Import):
            roots |= {
                a.asname: a.name for a in node.names if a.asname and a.name.split(".")[0] in packages
            }
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in packages:
            roots |= {a.asname or a.name: f"{node.module}.{a.name}" for a in node.names}

    def reaches(dotted: str, item: Forbidden) -> bool:
        """Whether ``dotted`` (e.g. ``torch.functional.cdist``) is the forbidden function itself,
        or a function of that name reached through a private part (``torch._C._VariableFunctions``)."""
        if any(part.startswith("_") for part in dotted.split(".")[1:-1]):
            return True
        try:
            return Forbidden(dotted).original() is item.original()
        except Exception:  # noqa: BLE001 - not importable: not the forbidden function
            return False

    for node in ast.walk(tree):
        for item in forbidden:
            module, name = item.path.rsplit(".", 1)
            is_method = module.rsplit(".", 1)[-1][:1].isupper()
            if isinstance(node, ast.Attribute) and node.attr == name:
                if is_method or ast.unparse(node.value) in _prefixes(module):
                    return item
                # the same function reached another way: torch.functional.cdist, tf.cdist
                head, _, rest = ast.unparse(node.value).partition(".")
                if head in roots and reaches(".".join(filter(None, (roots[head], rest, name))), item):
                    return item
            if isinstance(node, ast.ImportFrom) and node.module and not is_method:
                if any(a.name == name for a in node.names) and (
                    node.module in _prefixes(module) or reaches(f"{node.module}.{name}", item)
                ):
                    return item
            if isinstance(node, ast.Name) and item.bare and node.id == name not in bound:
                return item
    return None


def _kept_aside(fn: Callable, forbidden: Sequence[Forbidden]) -> Forbidden | None:
    """A forbidden function the student's function reaches through a global, a default or a closure."""
    originals = []
    for item in forbidden:
        try:
            originals.append((item, item.original()))
        except (ImportError, AttributeError):  # pragma: no cover
            continue
    code = getattr(fn, "__code__", None)
    values: list[Any] = []
    if code is not None:
        glob = getattr(fn, "__globals__", {})
        values += [glob[n] for n in code.co_names if n in glob]
        values += [cell.cell_contents for cell in (fn.__closure__ or ()) if _has_contents(cell)]
        values += list(fn.__defaults__ or ()) + list((fn.__kwdefaults__ or {}).values())
    names = set(code.co_names) if code is not None else set()
    # names the guard replaces while the function runs: reaching them raises with the right label
    guarded = {(id(home), name) for item, original in originals for home, name in _homes(item, original)}
    for value in values:
        # a forbidden function kept in a dict, list or tuple, or reached through a module or class
        inside = list(value.values()) if isinstance(value, dict) else []
        inside += list(value) if isinstance(value, (list, tuple)) else []
        for item, original in originals:
            if value is original or any(v is original for v in inside):
                return item
            # an operator table such as torch._C._VariableFunctions (modules and classes with a
            # function of the same name, like torch.norm next to torch.linalg.norm, are other functions)
            if (
                item.name in names
                and not isinstance(value, (torch.Tensor, np.ndarray, type, types.ModuleType))
                and (id(value), item.name) not in guarded
                and _package_of(value) == item.path.split(".", 1)[0]
                and callable(getattr(value, item.name, None))
            ):
                return item
    return None


def _package_of(value: Any) -> str:
    """The top-level package a module, a class or an object comes from (``torch`` for torch._C)."""
    if isinstance(value, types.ModuleType):
        name = value.__name__
    elif isinstance(value, type):
        name = value.__module__
    else:
        name = type(value).__module__
    return (name or "").split(".")[0]


def _has_contents(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018
    except ValueError:
        return False
    return True


def _source_of(fn: Callable) -> str:
    try:
        return inspect.getsource(fn)
    except (OSError, TypeError):
        return ""


# --------------------------------------------------------------------------- plain data
@dataclass(frozen=True)
class Unconvertible:
    """What a student's function returned that is not plain data (its type name)."""

    type_name: str


def to_data(value: Any) -> Any:
    """Reduce an answer to plain data: CPU tensors, arrays, numbers, strings, lists, dicts.

    Tensors are detached and copied to the CPU (their dtype kept), tuples become
    lists, NumPy scalars become Python numbers; anything else becomes an
    :class:`Unconvertible` naming its type, which every diagnosis rejects.
    """
    if isinstance(value, np.generic):  # before float: np.float64 is a float
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu", copy=True)
    if isinstance(value, np.ndarray):
        return value.copy() if value.dtype.kind in "biuf" else Unconvertible("ndarray of objects")
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [to_data(v) for v in value]
    if isinstance(value, Mapping) and all(isinstance(k, str) for k in value):
        return {k: to_data(v) for k, v in value.items()}
    return Unconvertible(type(value).__name__)


def encode(value: Any) -> Any:
    """Plain data as JSON-ready objects (tensors and arrays as base64 with dtype and shape)."""
    if isinstance(value, float) and not math.isfinite(value):
        return {"__float__": repr(float(value))}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, torch.Tensor):
        array = value.detach().cpu().numpy()
        return {"__tensor__": _array_fields(array)}
    if isinstance(value, np.ndarray):
        return {"__array__": _array_fields(value)}
    if isinstance(value, Unconvertible):
        return {"__unconvertible__": value.type_name}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, Mapping):
        return {"__dict__": {str(k): encode(v) for k, v in value.items()}}
    return {"__unconvertible__": type(value).__name__}


def _array_fields(array: np.ndarray) -> dict:
    array = np.array(array, order="C", copy=True)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"cannot send an array of {array.dtype}")
    return {
        "dtype": array.dtype.str,
        "shape": list(array.shape),
        "data": base64.b64encode(array.tobytes()).decode("ascii"),
    }


def decode(value: Any) -> Any:
    """The inverse of :func:`encode`; arrays are rebuilt from bytes, never unpickled."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__float__" in value:
        return float(value["__float__"])
    if "__unconvertible__" in value:
        return Unconvertible(str(value["__unconvertible__"]))
    if "__dict__" in value:
        return {k: decode(v) for k, v in value["__dict__"].items()}
    for key in ("__tensor__", "__array__"):
        if key in value:
            fields = value[key]
            dtype = np.dtype(fields["dtype"])
            if dtype.kind not in "biuf":
                raise ValueError(f"refusing an array of {dtype}")
            raw = base64.b64decode(fields["data"])
            array = np.frombuffer(raw, dtype=dtype).reshape(fields["shape"]).copy()
            return torch.from_numpy(array) if key == "__tensor__" else array
    raise ValueError(f"not plain data: {sorted(value)}")


# --------------------------------------------------------------------------- comparing
def as_array(value: Any, what: str = "the answer") -> np.ndarray:
    """A float64 array of ``value`` (tensor of any dtype, array, number, nested list), or a failure."""
    __tracebackhide__ = True
    if isinstance(value, Unconvertible):
        fail(f"{what} should be a tensor or an array of numbers, got {value.type_name}")
    if isinstance(value, torch.Tensor):
        if value.is_complex():
            fail(f"{what} is complex; return real numbers")
        return value.detach().cpu().double().numpy()
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        fail(f"{what} should be numbers, got {type(value).__name__}")
    return array


def as_number(value: Any, what: str = "the answer") -> float:
    """A Python float from a number, a NumPy scalar or a tensor with one element, or a failure."""
    __tracebackhide__ = True
    if isinstance(value, bool) or value is None or isinstance(value, (str, Unconvertible)):
        name = value.type_name if isinstance(value, Unconvertible) else type(value).__name__
        fail(f"{what} should be a number, got {name}")
    array = as_array(value, what)
    if array.size != 1:
        fail(f"{what} should be one number, got shape {tuple(array.shape)}")
    return float(array.reshape(()))


def close(actual: Any, expected: Any, *, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """True when shapes agree, every value is finite, and values agree within the tolerance."""
    try:
        a, e = as_array(actual), as_array(expected)
    except CheckFailure:
        return False
    return a.shape == e.shape and bool(np.all(np.isfinite(a))) and np.allclose(a, e, rtol, atol)


def expect_tensor(answer: Any, what: str) -> None:
    """Fail unless the answer was a tensor (the exercises that must return one)."""
    __tracebackhide__ = True
    if not isinstance(answer, torch.Tensor):
        name = answer.type_name if isinstance(answer, Unconvertible) else type(answer).__name__
        fail(f"{what} should return a tensor, got {name}; wrap the result in torch.tensor(...)")


def expect_shape(answer: Any, shape: Sequence[int], what: str, hint: str = "") -> None:
    """Fail unless the answer has ``shape``."""
    __tracebackhide__ = True
    got = tuple(as_array(answer, what).shape)
    if got != tuple(shape):
        fail(f"{what} has shape {got}, expected {tuple(shape)}" + (f"; {hint}" if hint else ""))


def expect_close(
    actual: Any,
    expected: Any,
    *,
    what: str,
    hint: str = "",
    reveal: str = "",
    rtol: float = RTOL,
    atol: float = ATOL,
) -> None:
    """Fail unless ``actual`` matches ``expected`` in shape and value (see :data:`RTOL`)."""
    __tracebackhide__ = True
    a, e = as_array(actual, what), as_array(expected, what)
    tail = f"; {hint}" if hint else ""
    if a.shape != e.shape:
        fail(f"{what} has shape {a.shape}, expected {e.shape}{tail}", reveal=reveal)
    if not np.all(np.isfinite(a)):
        fail(f"{what} contains nan or inf{tail}", reveal=reveal)
    if not np.allclose(a, e, rtol=rtol, atol=atol):
        worst = np.unravel_index(np.argmax(np.abs(a - e)), a.shape) if a.shape else ()
        where = f" at index {tuple(int(i) for i in worst)}" if worst else ""
        fail(
            f"{what} is wrong{where}: got {a[worst]:.6g}, expected {e[worst]:.6g}{tail}",
            reveal=reveal,
        )


def generator(rng: np.random.Generator) -> torch.Generator:
    """A torch generator seeded from ``rng``: cases never touch the global random state."""
    return torch.Generator().manual_seed(int(rng.integers(2**31)))


# --------------------------------------------------------------------------- exercises
Case = dict


@dataclass(frozen=True, eq=False)
class Exercise:
    """One exercise: its cases, how the student's function is called, the reference, the diagnosis.

    Calling it, ``check.conv2d(conv2d)``, runs the check in the notebook.
    """

    name: str
    cases: Callable[[np.random.Generator], list[Case]]
    call: Callable[[Callable, Case], Any]
    reference: Callable[[Case], Any]
    diagnose: Callable[[Case, Any, Any], None]
    forbidden: tuple[Forbidden, ...] = ()
    seed: int = 0
    doc: str = ""
    _failures: dict = field(default_factory=dict, repr=False, compare=False)

    def __call__(self, student_fn: Callable) -> None:
        """Check ``student_fn`` in this process: print one line, or fail with a message."""
        __tracebackhide__ = True
        result = verdict(self, student_fn)
        if result.status == "passed":
            print(f"✓ {self.name}: correct on {result.cases} test cases you have not seen")
            self._failures.pop("count", None)
            return
        if result.status == "not-written":
            print(f"… {result.message}")
            return
        count = self._failures.get("count", 0) + 1
        self._failures["count"] = count
        message = result.message
        if result.reveal and count >= REVEAL_AFTER:
            message += f" (after {count} tries, a hint: {result.reveal})"
        raise CheckFailure(message) from None

    def __repr__(self) -> str:
        return f"<check {self.name}: {self.doc.splitlines()[0] if self.doc else ''}>"


def _case_summary(case: Case) -> str:
    parts = []
    for key, value in case.items():
        if isinstance(value, (torch.Tensor, np.ndarray)) and value.ndim:
            parts.append(f"{key} {tuple(value.shape)}")
    return ", ".join(parts)


_SHAPE_WORDS = (
    "size mismatch",
    "same number of columns",
    "mismatch in its core dimension",
    "must match the size",
    "cannot be multiplied",
    "shapes cannot",
    "could not be broadcast",
    "Expected size",
    "dimension",
    "shape",
)


def _run_student(exercise: Exercise, student_fn: Callable, case: Case) -> Any:
    """Call the student's function on one case; return plain data or a marker of what went wrong."""
    inputs = {k: v.clone() if isinstance(v, torch.Tensor) else v for k, v in case.items()}
    inputs = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in inputs.items()}

    def guarded(*args: Any, **kwargs: Any) -> Any:
        with _guarded(exercise.forbidden):
            return student_fn(*args, **kwargs)

    kept = _kept_aside(student_fn, exercise.forbidden)
    if kept is not None:
        return {"__forbidden__": kept.path}
    torch_state = torch.random.get_rng_state()
    numpy_state = np.random.get_state()
    try:
        raw = exercise.call(guarded, inputs)
    except ForbiddenCall as exc:
        return {"__forbidden__": exc.forbidden.path}
    except NotImplementedError:
        helper = _unwritten_function(sys.exc_info()[2])
        own = getattr(student_fn, "__name__", "")
        return {"__not_written__": "" if helper in {None, own} else helper}
    except CheckFailure:
        raise
    except Exception as exc:  # noqa: BLE001 - any crash of student code is reported as data
        return {
            "__raised__": f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        }
    finally:
        torch.random.set_rng_state(torch_state)
        np.random.set_state(numpy_state)
    changed = [
        k
        for k, v in case.items()
        if isinstance(v, (torch.Tensor, np.ndarray)) and not _same(v, inputs[k])
    ]
    return {"__answer__": to_data(raw), "__changed__": changed}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.shape == b.shape and torch.equal(a, b)
    return isinstance(b, np.ndarray) and a.shape == b.shape and bool(np.array_equal(a, b))


def _unwritten_function(tb: Any) -> str | None:
    """The innermost function outside the course package that raised NotImplementedError."""
    names = [
        frame.name
        for frame in traceback.extract_tb(tb)
        if "course_utils" not in frame.filename.replace("\\", "/").split("/")[-3:-1]
        and frame.name not in {"<module>", "guarded", "<lambda>"}
    ]
    return names[-1] if names else None


def _judge(exercise: Exercise, case: Case, result: Any, source: str) -> Verdict | None:
    """The verdict on one case's result, or None when it is right."""
    name = exercise.name
    if "__forbidden__" in result:
        path = result["__forbidden__"]
        shown = next((f.label for f in exercise.forbidden if f.path == path), path)
        return Verdict(
            name,
            "forbidden-call",
            f"{name} must be written by hand, but it called {shown}, the library "
            "function this exercise replaces",
        )
    if "__not_written__" in result:
        helper = result["__not_written__"]
        if helper and helper != name:
            message = (
                f"{name} calls {helper}, which is not written yet: write {helper} first "
                "(its own check tells you when it is right)"
            )
        else:
            message = (
                f"{name} is not written yet: replace `raise NotImplementedError` with your "
                "code, then run this cell again"
            )
        return Verdict(name, "not-written", message)
    if "__raised__" in result:
        error = result["__raised__"]
        message = f"{name} raised {error}"
        if any(word in error for word in _SHAPE_WORDS):
            message += (
                f". The inputs here were {_case_summary(case)}: write each shape next to "
                "your lines and check which dimensions meet (a missing .T? the wrong axis?)"
            )
        return Verdict(name, "failed", message)
    answer = result.get("__answer__")
    if result.get("__changed__"):
        return Verdict(
            name,
            "failed",
            f"{name} changed {result['__changed__'][0]} in place; "
            "work on a copy (x + step, not x += step) or build a new tensor instead",
        )
    expected = exercise.reference(case)
    try:
        exercise.diagnose(case, answer, expected)
    except CheckFailure as failure:
        return Verdict(name, "failed", failure.message, reveal=failure.reveal)
    return None


def verdict(exercise: Exercise, student_fn: Callable, seed: int | None = None) -> Verdict:
    """Run the whole check in this process and return the verdict (nothing is printed)."""
    __tracebackhide__ = True
    if not callable(student_fn):
        return Verdict(
            exercise.name,
            "failed",
            f"expected a function for {exercise.name}, got {type(student_fn).__name__}; "
            "pass the function itself, not its result",
        )
    source = _source_of(student_fn)
    cases = exercise.cases(np.random.default_rng(exercise.seed if seed is None else seed))
    for case in cases:
        result = _run_student(exercise, student_fn, case)
        bad = _judge(exercise, case, result, source)
        if bad is not None:
            return bad
    return _scanned(exercise, source) or Verdict(exercise.name, "passed", cases=len(cases))


def _scanned(exercise: Exercise, source: str) -> Verdict | None:
    found = scan_source(source, exercise.forbidden, exercise.name)
    if found is None:
        return None
    return _judge(exercise, {}, {"__forbidden__": found.path}, source)


# --------------------------------------------------------------------------- split runner
def draw(exercise: Exercise, seed: int) -> str:
    """Grader side: the cases for ``seed``, as JSON to send to the student's process."""
    return json.dumps(encode(exercise.cases(np.random.default_rng(seed))))


def answer(exercise: Exercise, student_fn: Callable, cases_json: str) -> str:
    """Student side: the student's function on each case, as JSON (plain data, never code)."""
    cases = decode(json.loads(cases_json))
    if not callable(student_fn):
        return json.dumps([{"__raised__": f"TypeError: {exercise.name} is not a function"}])
    results = []
    for case in cases:
        result = _run_student(exercise, student_fn, case)
        results.append(result)
        if "__answer__" not in result:
            break
    return json.dumps(encode(results))


def decide(exercise: Exercise, cases_json: str, answers_json: str, source: str = "") -> Verdict:
    """Grader side: references, diagnoses and the verdict; runs no student code.

    ``source`` is the exercise cell's source, scanned for the forbidden functions.
    Anything malformed in ``answers_json`` is a failure, never an exception.
    """
    cases = decode(json.loads(cases_json))
    try:
        results = decode(json.loads(answers_json))
        if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
            raise ValueError("not a list of results")
    except (ValueError, TypeError, KeyError) as exc:
        return Verdict(exercise.name, "failed", f"the answers could not be read ({exc})")
    for index, case in enumerate(cases):
        if index >= len(results):
            return Verdict(
                exercise.name, "failed", f"{exercise.name} gave no answer for case {index + 1}"
            )
        bad = _judge(exercise, case, results[index], source)
        if bad is not None:
            return bad
    return _scanned(exercise, source) or Verdict(exercise.name, "passed", cases=len(cases))

"""Slide decks: one reveal.js deck per lecture, built from its executed notebook, that works offline.

``course slides`` turns ``notebooks/NN_name.ipynb`` into ``slides/build/NN_name/index.html`` with
nbconvert's reveal.js exporter and the course's template (``slides/templates/course``). The deck
loads reveal.js, its speaker-notes plugin and MathJax from ``slides/build/NN_name/assets/``, so
the folder can be copied to a USB stick and opened in a lecture hall with no network.

reveal.js and MathJax come from the npm registry (``npm pack``) the first time, into a cache
(``$COURSE_DATA/slides-assets``, else ``~/.cache/course_utils/slides-assets``); later builds copy
them from there without a network. When they cannot be fetched, the decks link them from a CDN
instead and the build says so.

Instructor tooling: needs the ``dev`` extra (nbconvert, nbformat) and, for offline decks, npm.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .config import (
    ANSWER_TAG,
    CHECK_TAG,
    EXERCISE_TAG,
    HIDDEN_TAG,
    cache_dir,
    find_notebooks,
    load_toml,
    repo_root,
    require,
)
from .errors import ToolError

__all__ = [
    "AssetsUnavailableError",
    "Assets",
    "Deck",
    "asset_cache",
    "build_deck",
    "build_decks",
    "chromium",
    "count_slides",
    "fetch_assets",
    "find_chromium",
    "load_config",
    "measure_deck",
    "print_pdf",
]

TEMPLATE = "course"
CONFIG = "slides.toml"
DEFAULTS = {
    "assets": {"reveal.js": "4.6.0", "mathjax": "3.2.2"},
    "reveal": {
        "theme": "white",
        "transition": "slide",
        "slide_number": "c/t",
        "width": 1280,
        "height": 720,
    },
    # Fitting the slide (notebooks/README.md, "Slides"): a code cell longer than code_lines shows
    # only its output on the slide, its code goes into the speaker notes; what is still too big
    # for the slide is scaled down, never below min_scale.
    "fit": {"code_lines": 12, "min_scale": 0.55},
}
# What a deck needs from each npm package (paths inside the package; a trailing / means a folder),
# and where it goes under assets/. The licences travel with the code.
PACKAGE_FILES = {
    "reveal.js": (
        "",
        ("LICENSE", "dist/reveal.js", "dist/reveal.css", "dist/theme/", "plugin/notes/notes.js"),
    ),
    "mathjax": (
        "es5/",
        (
            "LICENSE",
            "es5/tex-chtml-full.js",
            "es5/output/chtml/fonts/woff-v2/",
            "es5/input/tex/extensions/",
            "es5/a11y/assistive-mml.js",
            "es5/ui/",
        ),
    ),
}
MATHJAX_SCRIPT = "tex-chtml-full.js"
CDN = "https://cdn.jsdelivr.net/npm"
COMPLETE = ".complete"
OUTPUT_ONLY_TAG = "course-slide-output-only"
BADGE = re.compile(r"^\s*\[!\[Open In Colab\]\([^)]*\)\]\([^)]*\)\s*$", re.MULTILINE)


class AssetsUnavailableError(ToolError):
    """reveal.js or MathJax could not be fetched from the npm registry (no npm, no network)."""


@dataclass(frozen=True)
class Assets:
    """Where a deck loads reveal.js and MathJax from.

    ``local`` is the cached folder that is copied to ``assets/`` beside each deck, or ``None``
    when the deck links a CDN; ``reveal`` and ``mathjax`` are the URLs the deck uses.
    """

    local: Path | None
    reveal: str
    mathjax: str

    @classmethod
    def offline(cls, local: Path) -> Assets:
        return cls(local, "assets/reveal.js", f"assets/mathjax/{MATHJAX_SCRIPT}")

    @classmethod
    def cdn(cls, versions: dict[str, str]) -> Assets:
        return cls(
            None,
            f"{CDN}/reveal.js@{versions['reveal.js']}",
            f"{CDN}/mathjax@{versions['mathjax']}/es5/{MATHJAX_SCRIPT}",
        )


@dataclass(frozen=True)
class Deck:
    """A built deck: its ``index.html``, its number of slides and whether it works offline."""

    path: Path
    slides: int
    offline: bool


def load_config(root: Path | None = None) -> dict:
    """Read ``slides/slides.toml`` over the defaults.

    Returns
    -------
    dict
        ``{"assets": {"reveal.js": version, "mathjax": version}, "reveal": {...}}``.
    """
    root = root or repo_root()
    path = root / "slides" / CONFIG
    stored = load_toml(path) if path.is_file() else {}
    config = {
        section: {**values, **stored.get(section, {})} for section, values in DEFAULTS.items()
    }
    reveal = config["reveal"]
    for key in ("width", "height"):
        if not isinstance(reveal[key], int) or reveal[key] <= 0:
            raise ToolError(f"{path}: reveal.{key} must be a positive number of pixels")
    for key in ("theme", "transition"):
        if not re.fullmatch(r"[\w-]+", str(reveal[key])):
            raise ToolError(
                f"{path}: reveal.{key} must be a name such as 'white', got {reveal[key]!r}"
            )
    fit = config["fit"]
    if not isinstance(fit["code_lines"], int) or isinstance(fit["code_lines"], bool) or fit["code_lines"] < 1:
        raise ToolError(f"{path}: fit.code_lines must be a whole number of lines, at least 1")
    if not isinstance(fit["min_scale"], (int, float)) or not 0.3 <= fit["min_scale"] <= 1:
        raise ToolError(f"{path}: fit.min_scale must be between 0.3 and 1")
    if reveal["slide_number"] is False:
        reveal["slide_number"] = ""  # reveal.js shows none
    elif reveal["slide_number"] not in {"c/t", "c", "h/v", "h.v"}:
        raise ToolError(f"{path}: reveal.slide_number must be c/t, c, h/v, h.v or false")
    major = str(config["assets"]["reveal.js"]).split(".")[0]
    if major != "4":
        raise ToolError(
            f"{path}: reveal.js must be a 4.x version (the notes plugin moved in later ones), "
            f"got {config['assets']['reveal.js']!r}"
        )
    return config


def asset_cache() -> Path:
    """Where fetched slide assets are kept: ``$COURSE_DATA/slides-assets``, else ``~/.cache/course_utils/slides-assets``."""
    return cache_dir() / "slides-assets"


def _npm_pack(specs: Sequence[str], destination: Path) -> None:
    """Download the npm packages ``specs`` (``name@version``) as tarballs into ``destination``."""
    npm = shutil.which("npm")
    if npm is None:
        raise AssetsUnavailableError("npm is not installed (it comes with Node.js)")
    env = {
        **os.environ,
        "npm_config_update_notifier": "false",
        "npm_config_fund": "false",
        "npm_config_audit": "false",
        "npm_config_loglevel": "error",
    }
    try:
        done = subprocess.run(
            [npm, "pack", *specs, "--pack-destination", str(destination)],
            cwd=destination,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    except subprocess.TimeoutExpired:
        raise AssetsUnavailableError("npm pack took longer than 5 minutes") from None
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise AssetsUnavailableError(
            f"npm pack {' '.join(specs)} failed: {lines[-1] if lines else done.returncode}"
        )


def _extract(tarball: Path, strip: str, wanted: Sequence[str], target: Path) -> None:
    """Copy the ``wanted`` files of an npm tarball (under ``package/``) to ``target``, minus ``strip``."""
    found = set()
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            name = member.name.removeprefix("package/")
            match = next(
                (w for w in wanted if name == w or (w.endswith("/") and name.startswith(w))), None
            )
            if not member.isfile() or match is None or ".." in Path(name).parts:
                continue
            found.add(match)
            destination = target / name.removeprefix(strip)
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.extractfile(member) as source, destination.open("wb") as out:
                shutil.copyfileobj(source, out)
    missing = sorted(set(wanted) - found)
    if missing:
        raise AssetsUnavailableError(f"{tarball.name} lacks {', '.join(missing)}")


def fetch_assets(
    versions: dict[str, str],
    cache: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """The folder holding reveal.js and MathJax for the decks, fetched from npm once and cached.

    Parameters
    ----------
    versions : dict
        ``{"reveal.js": "4.6.0", "mathjax": "3.2.2"}``.
    cache : Path, optional
        Where to keep them (default :func:`asset_cache`). A second call finds them there and
        needs no network.
    progress : callable, optional
        Told when the packages are downloaded (not when they come from the cache).

    Returns
    -------
    Path
        ``cache/reveal.js-V_mathjax-V`` with ``reveal.js/`` and ``mathjax/`` inside.

    Raises ``AssetsUnavailableError`` saying why when they cannot be had.
    """
    cache = cache or asset_cache()
    folder = cache / "_".join(f"{name}-{versions[name]}" for name in PACKAGE_FILES)
    if (folder / COMPLETE).is_file():
        return folder
    if progress:
        specs = " and ".join(f"{name} {versions[name]}" for name in PACKAGE_FILES)
        progress(f"fetching {specs} from the npm registry into {cache} (once)")
    try:
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache, prefix=".fetch-") as scratch:
            scratch = Path(scratch)
            _npm_pack([f"{name}@{versions[name]}" for name in PACKAGE_FILES], scratch)
            tree = scratch / "tree"
            for name, (strip, wanted) in PACKAGE_FILES.items():
                tarball = scratch / f"{name}-{versions[name]}.tgz"
                if not tarball.is_file():
                    raise AssetsUnavailableError(f"npm pack did not write {tarball.name}")
                _extract(tarball, strip, wanted, tree / name)
            (tree / COMPLETE).write_text(f"{versions}\n")
            if (
                folder / COMPLETE
            ).is_file():  # pragma: no cover - another build fetched them meanwhile
                return folder
            shutil.rmtree(folder, ignore_errors=True)  # what an interrupted fetch left
            try:
                tree.rename(folder)
            except OSError:  # pragma: no cover - another build finished the same fetch first
                if not (folder / COMPLETE).is_file():
                    raise
    except (OSError, tarfile.TarError) as exc:
        raise AssetsUnavailableError(f"could not store them in {cache}: {exc}") from None
    return folder


def _check_theme(local: Path, theme: str) -> None:
    """Raise ``ToolError`` when the reveal.js theme is missing or loads its fonts from the web.

    Several of reveal.js's themes import Google Fonts; the message names those that work offline.
    """
    themes = local / "reveal.js" / "dist" / "theme"
    offline = sorted(
        css.stem
        for css in themes.glob("*.css")
        if not re.search(r"@import\s+url\(\s*['\"]?(https?:)?//", css.read_text(encoding="utf-8"))
    )
    if theme not in offline:
        problem = (
            "loads its fonts from the web"
            if (themes / f"{theme}.css").is_file()
            else "is not there"
        )
        raise ToolError(
            f"the reveal.js theme {theme!r} {problem}; in slides/slides.toml choose one that works "
            f"offline: {', '.join(offline)}"
        )


def _copy_assets(local: Path, target: Path, theme: str) -> None:
    """Copy the cached assets beside a deck, with only the one reveal.js theme it uses."""
    themes = local / "reveal.js" / "dist" / "theme"

    def skip(folder: str, names: list[str]) -> list[str]:
        other_themes = [n for n in names if n.endswith(".css") and n != f"{theme}.css"]
        return [COMPLETE, *(other_themes if Path(folder) == themes else [])]

    shutil.copytree(local, target, ignore=skip)


def _code_to_notes(cell):
    """The two cells a long code cell becomes: its output on the slide, its code in the notes."""
    from nbformat import from_dict
    from nbformat.v4 import new_markdown_cell

    shown = cell.copy()
    shown.metadata = from_dict(
        {**cell.metadata, "tags": [*cell.metadata.get("tags", []), OUTPUT_ONLY_TAG]}
    )
    fence = "````" if "```" in cell.source else "```"
    notes = new_markdown_cell(
        f"Code of this slide ({len(cell.source.splitlines())} lines):\n\n{fence}python\n"
        f"{cell.source}\n{fence}",
        metadata={"slideshow": {"slide_type": "notes"}},
    )
    if cell.get("outputs"):
        return [shown, notes]
    caption = new_markdown_cell(
        f'<p class="course-code-in-notes">{len(cell.source.splitlines())} lines of code: '
        "in the speaker notes (press S)</p>",
        metadata=from_dict({k: v for k, v in cell.metadata.items() if k == "slideshow"}),
    )
    return [caption, notes]


def _slide_notebook(notebook, solutions: bool = False, code_lines: int | None = None):
    """A copy of the notebook fit for slides: no Colab badge, the lecture's title as the deck's.

    Unless ``solutions``, exercises are shown as released to students (the prompt and
    the stub, no solution), the output of their checks is dropped (it would say the
    answer passes), and hidden checks are left out. A code cell of more than
    ``code_lines`` lines (default: ``fit.code_lines`` of slides.toml) shows only its
    output; its code goes into the speaker notes of the slide.
    """
    from .release import strip_solutions

    if code_lines is None:
        code_lines = DEFAULTS["fit"]["code_lines"]

    notebook = notebook.copy()  # shallow: cells are replaced, never edited in place
    cells = []
    for index, cell in enumerate(notebook.cells):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.cell_type == "markdown" and BADGE.search(cell.source):
            cell = cell.copy()
            cell.source = BADGE.sub("", cell.source).lstrip("\n")
        if not solutions:
            if HIDDEN_TAG in tags:
                continue
            if EXERCISE_TAG in tags or ANSWER_TAG in tags or CHECK_TAG in tags:
                cell = cell.copy()
                if EXERCISE_TAG in tags or ANSWER_TAG in tags:
                    cell.source = strip_solutions(cell.source, cell.cell_type, f"cell {index}")
                if cell.cell_type == "code":
                    cell.outputs = []
        kind = cell.get("metadata", {}).get("slideshow", {}).get("slide_type", "-")
        if cell.cell_type == "code" and kind not in {"skip", "notes"} and len(cell.source.strip().splitlines()) > code_lines:
            cells.extend(_code_to_notes(cell))
            continue
        cells.append(cell)
    notebook.cells = cells
    notebook.metadata = notebook.metadata.copy()
    for cell in cells:
        heading = re.search(r"^# (.+)$", cell.source, re.MULTILINE)
        if cell.cell_type == "markdown" and heading:
            notebook.metadata["title"] = heading.group(1).strip()
            break
    return notebook


def count_slides(notebook) -> int:
    """How many slides reveal.js shows for a notebook: its ``slide`` and ``subslide`` cells."""
    kinds = [c.metadata.get("slideshow", {}).get("slide_type", "-") for c in notebook.cells]
    visible = [k for k in kinds if k not in {"skip", "notes"}]
    count = sum(k in {"slide", "subslide"} for k in visible)
    return count + (1 if visible and visible[0] not in {"slide", "subslide"} else 0)


def build_deck(
    notebook: Path,
    out: Path,
    assets: Assets,
    config: dict | None = None,
    solutions: bool = False,
) -> Deck:
    """Write the deck of one executed notebook to ``out/<stem>/index.html``.

    The deck is safe to show students: exercises appear as released, without their
    solutions or the output of their checks. With ``solutions`` it is the
    instructor's, written to ``out/<stem>-with-solutions/``.

    Parameters
    ----------
    notebook : Path
        An executed ``.ipynb``: its outputs and plots go on the slides as they are.
    out : Path
        The folder of decks, e.g. ``slides/build``. ``out/<stem>/`` is replaced.
    assets : Assets
        ``Assets.offline(fetch_assets(...))`` copies reveal.js and MathJax beside the deck;
        ``Assets.cdn(...)`` links them from a CDN.
    config : dict, optional
        From :func:`load_config` (default: the repository's ``slides/slides.toml``).
    """
    nbformat = require("nbformat")
    nbconvert = require("nbconvert")
    config = config or load_config()
    reveal = config["reveal"]
    if assets.local is not None:
        _check_theme(assets.local, reveal["theme"])
    templates = repo_root() / "slides" / "templates"
    if not (templates / TEMPLATE / "index.html.j2").is_file():
        raise ToolError(
            f"the slide template {templates / TEMPLATE} is missing; restore slides/ from git"
        )
    exporter = nbconvert.SlidesExporter(
        template_name=TEMPLATE,
        extra_template_basedirs=[str(templates)],
        reveal_url_prefix=assets.reveal,
        reveal_theme=reveal["theme"],
        reveal_transition=reveal["transition"],
        reveal_number=reveal["slide_number"],
        reveal_width=str(reveal["width"]),
        reveal_height=str(reveal["height"]),
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_preprocessor(
        nbconvert.preprocessors.TagRemovePreprocessor(remove_input_tags={OUTPUT_ONLY_TAG}),
        enabled=True,
    )
    fit = config["fit"]
    source = _slide_notebook(nbformat.read(notebook, as_version=4), solutions, fit["code_lines"])
    resources = {
        "course": {
            "reveal": assets.reveal,
            "mathjax": assets.mathjax,
            "min_scale": fit["min_scale"],
        },
        "metadata": {"name": notebook.stem},
    }
    html, _ = exporter.from_notebook_node(source, resources=resources)
    deck = out / (f"{notebook.stem}-with-solutions" if solutions else notebook.stem)
    shutil.rmtree(deck, ignore_errors=True)
    deck.mkdir(parents=True)
    if assets.local is not None:
        _copy_assets(assets.local, deck / "assets", reveal["theme"])
    (deck / "index.html").write_text(html, encoding="utf-8")
    return Deck(deck / "index.html", count_slides(source), assets.local is not None)


def build_decks(
    names: Sequence[str] = (),
    out: Path | None = None,
    cdn: bool = False,
    progress: Callable[[str], None] = print,
    solutions: bool = False,
    pdf: bool = False,
) -> list[Deck]:
    """Build the decks of the lectures named (``"00"``, ``"01_perceptron"``), or of all of them.

    Fetches reveal.js and MathJax first (:func:`fetch_assets`); when that fails, or with
    ``cdn=True``, the decks link a CDN and ``progress`` is told why. Returns the decks written
    to ``out`` (default ``slides/build``). With ``pdf``, each deck is also printed to
    ``NN_name.pdf`` beside its folder (:func:`print_pdf`; needs Chromium).
    """
    if pdf:
        find_chromium()  # say so before building anything
    root = repo_root()
    config = load_config(root)
    notebooks = [source.with_suffix(".ipynb") for source in find_notebooks(names, root)]
    for notebook in notebooks:
        if not notebook.is_file():
            raise ToolError(
                f"{notebook.name} does not exist; build it with: course run {notebook.stem}"
            )
    out = out or root / "slides" / "build"
    if cdn:
        assets = Assets.cdn(config["assets"])
        progress("--cdn: the decks load reveal.js and MathJax from a CDN and need a network")
    else:
        try:
            assets = Assets.offline(fetch_assets(config["assets"], progress=progress))
        except AssetsUnavailableError as exc:
            assets = Assets.cdn(config["assets"])
            progress(
                f"warning: could not fetch reveal.js and MathJax from the npm registry: {exc}.\n"
                "  The decks link them from a CDN instead and need a network when presented.\n"
                "  For offline decks install Node.js (npm) and run `course slides` again."
            )
    decks = []
    for notebook in notebooks:
        deck = build_deck(notebook, out, assets, config, solutions)
        progress(f"wrote {deck.path} ({deck.slides} slides)")
        if pdf:
            progress(f"wrote {print_pdf(deck)} (one page per slide)")
        decks.append(deck)
    return decks


# --------------------------------------------------------------------------- Chromium: measure, print
def find_chromium() -> str:
    """The path of Chromium (or Chrome); a ToolError that says how to install it when missing."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    raise ToolError(
        "Chromium is needed for this (PDF handouts, measuring slides) and was not found: install it, "
        "e.g. `sudo apt-get install chromium` (Debian/Ubuntu) or `brew install --cask chromium` (macOS)"
    )


def chromium(url: str, *args: str, profile: Path | None = None, budget_ms: int = 20000,
             timeout: int = 240) -> subprocess.CompletedProcess:
    """Run headless Chromium on ``url`` with the network off (only file:// and loopback load).

    ``budget_ms`` of virtual time lets reveal.js and MathJax finish before Chromium
    dumps, prints or screenshots the page. Raises ToolError when Chromium fails.
    """
    with tempfile.TemporaryDirectory(prefix="course-chromium-") as scratch:
        command = [
            find_chromium(),
            "--headless",
            "--no-sandbox",  # as root (CI, containers) Chromium's own sandbox cannot start
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile or scratch}",
            "--proxy-server=127.0.0.1:9",
            "--proxy-bypass-list=<-loopback>",
            f"--virtual-time-budget={budget_ms}",
            "--run-all-compositor-stages-before-draw",
            *args,
            url,
        ]
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True)
        except subprocess.CalledProcessError as exc:
            last = (exc.stderr or "").strip().splitlines()[-1:] or ["no output"]
            raise ToolError(f"Chromium failed on {url}: {last[0]}") from exc
        except subprocess.TimeoutExpired as exc:
            raise ToolError(f"Chromium did not finish {url} within {timeout} s") from exc


def measure_deck(deck: Path) -> list[dict]:
    """Open a deck in headless Chromium at its design size and measure every slide.

    Returns one dict per slide: ``h``, ``v`` (its place), ``scale`` (how far it was
    scaled down to fit), ``height``/``width`` (its content after scaling) and
    ``slide_height``/``slide_width``.
    """
    import json

    config = load_config()["reveal"]
    index = deck / "index.html" if deck.is_dir() else deck
    dom = chromium(
        f"{index.resolve().as_uri()}?fit-report",
        f"--window-size={config['width']},{config['height']}",
        "--dump-dom",
    ).stdout
    found = re.search(r'<pre id="course-fit-report">(.*?)</pre>', dom, re.DOTALL)
    if not found:
        raise ToolError(f"{index}: the deck did not finish loading in Chromium (no fit report)")
    import html

    return json.loads(html.unescape(found.group(1)))


def print_pdf(deck: Deck) -> Path:
    """Print a built deck to ``NN_name.pdf`` next to its folder, one page per slide.

    Uses headless Chromium and reveal.js' print mode (``?print-pdf``). Raises ToolError
    when Chromium is missing or the PDF's page count is not the deck's slide count.
    """
    folder = deck.path.parent
    pdf = folder.parent / f"{folder.name}.pdf"
    pdf.unlink(missing_ok=True)
    config = load_config()["reveal"]
    chromium(
        f"{deck.path.resolve().as_uri()}?print-pdf",
        f"--window-size={config['width']},{config['height']}",
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf}",
    )
    if not pdf.is_file():
        raise ToolError(f"Chromium wrote no PDF for {deck.path}")
    try:
        from pypdf import PdfReader
    except ImportError:  # the page count is only checked where pypdf is installed (dev extra)
        return pdf
    pages = len(PdfReader(pdf).pages)
    if pages != deck.slides:
        raise ToolError(f"{pdf.name} has {pages} pages for {deck.slides} slides")
    return pdf

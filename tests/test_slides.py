"""``course slides``: a reveal.js deck per lecture that opens offline, with math, notes and numbers.

The decks need reveal.js and MathJax, fetched once from the npm registry into the cache; where they
cannot be had the tests that need them skip and say why. The rendering test opens a real lecture's
deck in headless Chromium with the network off, and skips where there is no Chromium.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tarfile
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course_tools import cli, slides
from course_tools.config import find_notebooks
from course_tools.errors import ToolError
from course_tools.slides import (
    Assets,
    AssetsUnavailableError,
    asset_cache,
    build_deck,
    build_decks,
    fetch_assets,
    load_config,
)

ROOT = Path(__file__).resolve().parents[1]
LECTURE = ROOT / "notebooks" / "00_tensors_autograd_devices.ipynb"
VERSIONS = {"reveal.js": "4.6.0", "mathjax": "3.2.2"}
PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
BADGE = "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/o/r/blob/main/notebooks/99_tiny.ipynb)"


def _slide(kind: str) -> dict:
    return {"slideshow": {"slide_type": kind}}


def tiny_notebook() -> nbformat.NotebookNode:
    """Three slides: a title, math with a plot and speaker notes, and a subslide with a fragment."""
    code = new_code_cell("print(6 * 7)", execution_count=1)
    code.outputs = [
        new_output("stream", name="stdout", text="42\n"),
        new_output("display_data", data={"image/png": PIXEL, "text/plain": "<Figure>"}),
    ]
    return new_notebook(
        cells=[
            new_markdown_cell(
                f"{BADGE}\n# Lecture 99 — Tiny\n\nA deck to test.", metadata=_slide("slide")
            ),
            new_code_cell("import sys", metadata=_slide("skip")),
            new_markdown_cell("## Math\n\n$$\\hat y = w x + b$$", metadata=_slide("slide")),
            code,
            new_markdown_cell("Say that 42 is the answer.", metadata=_slide("notes")),
            new_markdown_cell("### Then\n\nInline $x^2$.", metadata=_slide("subslide")),
            new_markdown_cell("Revealed later.", metadata=_slide("fragment")),
        ]
    )


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A tiny course repository (one executed notebook and the real slides/ set-up), as cwd."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "99_tiny.py").write_text("# %%\n")
    nbformat.write(tiny_notebook(), tmp_path / "notebooks" / "99_tiny.ipynb")
    shutil.copytree(ROOT / "slides", tmp_path / "slides", ignore=shutil.ignore_patterns("build"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="module")
def assets() -> Assets:
    """reveal.js and MathJax from the cache (fetched from npm the first time), or a skip saying why."""
    try:
        return Assets.offline(fetch_assets(load_config(ROOT)["assets"]))
    except AssetsUnavailableError as exc:
        pytest.skip(
            f"reveal.js and MathJax could not be fetched from npm, so no offline deck: {exc}"
        )


@pytest.fixture(scope="module")
def lecture_deck(assets, tmp_path_factory) -> slides.Deck:
    """Lecture 00's deck (it has equations, code, plots and speaker notes), built once."""
    return build_deck(LECTURE, tmp_path_factory.mktemp("decks"), assets, load_config(ROOT))


# --------------------------------------------------------------------------- configuration
def test_config_holds_reveal_4_and_mathjax_3_versions():
    config = load_config(ROOT)
    assert config["assets"]["reveal.js"].startswith("4.")
    assert config["assets"]["mathjax"].startswith("3.")
    assert config["reveal"]["slide_number"]


def test_config_rejects_reveal_5_and_bad_sizes(course):
    toml = course / "slides" / "slides.toml"
    toml.write_text('[assets]\n"reveal.js" = "5.0.0"\n')
    with pytest.raises(ToolError, match="4.x"):
        load_config(course)
    toml.write_text('[reveal]\nwidth = "wide"\n')
    with pytest.raises(ToolError, match="width"):
        load_config(course)
    toml.write_text('[reveal]\ntheme = "../white"\n')
    with pytest.raises(ToolError, match="theme must be a name"):
        load_config(course)
    toml.write_text('[reveal]\nslide_number = "yes"\n')
    with pytest.raises(ToolError, match="slide_number must be"):
        load_config(course)


@pytest.mark.parametrize(
    "fit, problem",
    [("code_lines = 0", "code_lines"), ("code_lines = 2.5", "code_lines"), ("min_scale = 0.1", "min_scale")],
)
def test_config_rejects_bad_fit_settings(course, fit, problem):
    (course / "slides" / "slides.toml").write_text(f"[fit]\n{fit}\n")
    with pytest.raises(ToolError, match=f"fit.{problem}"):
        load_config(course)


# --------------------------------------------------------------------------- fitting the slide
LONG = "\n".join(f"x{i} = {i}" for i in range(20))


def test_long_code_shows_its_output_on_the_slide_and_its_code_in_the_notes():
    from course_tools.slides import OUTPUT_ONLY_TAG, _slide_notebook

    long_cell = new_code_cell(LONG, metadata=_slide("subslide"), execution_count=1)
    long_cell.outputs = [new_output("stream", name="stdout", text="done\n")]
    short = new_code_cell("print(1)", metadata=_slide("-"))
    notebook = new_notebook(cells=[new_markdown_cell("# T", metadata=_slide("slide")), long_cell, short])
    cells = _slide_notebook(notebook, code_lines=12).cells
    assert [c.cell_type for c in cells] == ["markdown", "code", "markdown", "code"]
    shown, notes = cells[1], cells[2]
    assert OUTPUT_ONLY_TAG in shown.metadata["tags"] and shown.outputs == long_cell.outputs
    assert shown.metadata["slideshow"]["slide_type"] == "subslide"
    assert notes.metadata["slideshow"]["slide_type"] == "notes" and "x19 = 19" in notes.source
    assert cells[3].source == "print(1)"
    assert OUTPUT_ONLY_TAG not in notebook.cells[1].metadata.get("tags", []), "the source is not edited"
    # with a higher limit the cell stays as it is
    assert len(_slide_notebook(notebook, code_lines=30).cells) == 3


def test_long_code_without_output_leaves_a_caption_that_keeps_its_slide():
    from course_tools.slides import _slide_notebook, count_slides

    notebook = new_notebook(
        cells=[
            new_markdown_cell("# T", metadata=_slide("slide")),
            new_code_cell(LONG, metadata=_slide("slide")),
        ]
    )
    cells = _slide_notebook(notebook, code_lines=12).cells
    assert "20 lines of code" in cells[1].source and cells[1].metadata["slideshow"]["slide_type"] == "slide"
    assert cells[2].metadata["slideshow"]["slide_type"] == "notes"
    assert count_slides(_slide_notebook(notebook)) == count_slides(notebook) == 2


def test_deck_hides_long_code_on_the_slide_and_keeps_it_in_the_speaker_notes(course, assets):
    notebook = tiny_notebook()
    long_cell = new_code_cell(LONG + "\nprint('the output stays')", metadata=_slide("slide"), execution_count=2)
    long_cell.outputs = [new_output("stream", name="stdout", text="the output stays\n")]
    notebook.cells.append(long_cell)
    path = course / "notebooks" / "99_tiny.ipynb"
    nbformat.write(notebook, path)
    deck = build_deck(path, course / "decks", assets, load_config(course))
    page = deck.path.read_text(encoding="utf-8")
    import html

    def text(fragment: str) -> str:
        return html.unescape(re.sub(r"<[^>]+>", "", fragment))

    notes = re.findall(r'<aside class="notes">(.*?)</aside>', page, re.DOTALL)
    assert any("x19 = 19" in text(n) for n in notes), "the long code is in the speaker notes"
    outside = text(re.sub(r'<aside class="notes">.*?</aside>', "", page, flags=re.DOTALL))
    assert "x19" not in outside and "the output stays" in outside
    assert "pdfMaxPagesPerSlide: 1" in page and "fit-report" in page


def test_config_slide_number_false_turns_numbers_off(course):
    (course / "slides" / "slides.toml").write_text("[reveal]\nslide_number = false\n")
    assert load_config(course)["reveal"]["slide_number"] == ""


def test_asset_cache_follows_course_data(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA", str(tmp_path))
    assert asset_cache() == tmp_path / "slides-assets"
    monkeypatch.delenv("COURSE_DATA")
    assert asset_cache() == Path.home() / ".cache" / "course_utils" / "slides-assets"


# --------------------------------------------------------------------------- fetching the assets
REVEAL_TREE = ["LICENSE", "dist/reveal.js", "dist/reveal.css", "dist/theme/white.css"]
REVEAL_TREE += ["plugin/notes/notes.js", "plugin/notes/speaker-view.html", "README.md"]
MATHJAX_TREE = ["LICENSE", "es5/tex-chtml-full.js", "es5/output/chtml/fonts/woff-v2/a.woff"]
MATHJAX_TREE += ["es5/input/tex/extensions/physics.js", "es5/a11y/assistive-mml.js"]
MATHJAX_TREE += ["es5/ui/menu.js", "es5/sre/mathmaps/de.json", "../escape.js"]


def _tarball(path: Path, names: list[str]) -> None:
    with tarfile.open(path, "w:gz") as archive:
        for name in names:
            data = name.encode()
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def _fake_npm(reveal: list[str], mathjax: list[str]):
    calls = []

    def npm_pack(specs, destination):
        calls.append(list(specs))
        _tarball(destination / "reveal.js-4.6.0.tgz", reveal)
        _tarball(destination / "mathjax-3.2.2.tgz", mathjax)

    return npm_pack, calls


def test_fetch_keeps_what_decks_need_and_caches_it(monkeypatch, tmp_path):
    npm_pack, calls = _fake_npm(REVEAL_TREE, MATHJAX_TREE)
    monkeypatch.setattr(slides, "_npm_pack", npm_pack)
    messages: list[str] = []
    folder = fetch_assets(VERSIONS, tmp_path, progress=messages.append)
    assert calls == [["reveal.js@4.6.0", "mathjax@3.2.2"]]
    assert messages == [
        f"fetching reveal.js 4.6.0 and mathjax 3.2.2 from the npm registry into {tmp_path} (once)"
    ]
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert {
        "reveal.js/dist/reveal.js",
        "reveal.js/plugin/notes/notes.js",
        "reveal.js/dist/theme/white.css",
        "mathjax/tex-chtml-full.js",
        "mathjax/output/chtml/fonts/woff-v2/a.woff",
        "mathjax/LICENSE",
    } <= files
    assert not any("sre" in f or "README" in f or "escape" in f or "speaker" in f for f in files)
    assert fetch_assets(VERSIONS, tmp_path, progress=messages.append) == folder
    assert len(calls) == 1 and len(messages) == 1, "the second fetch finds them in the cache"


def test_fetch_says_what_a_package_lacks(monkeypatch, tmp_path):
    npm_pack, _ = _fake_npm(REVEAL_TREE, ["LICENSE"])
    monkeypatch.setattr(slides, "_npm_pack", npm_pack)
    with pytest.raises(AssetsUnavailableError, match="mathjax-3.2.2.tgz lacks .*tex-chtml-full"):
        fetch_assets(VERSIONS, tmp_path)
    monkeypatch.setattr(slides, "_npm_pack", lambda specs, destination: None)
    with pytest.raises(AssetsUnavailableError, match="did not write reveal.js-4.6.0.tgz"):
        fetch_assets(VERSIONS, tmp_path)
    assert not list(tmp_path.iterdir()), "a failed fetch leaves nothing behind"


def test_fetch_into_an_unwritable_cache_says_where(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("")
    with pytest.raises(AssetsUnavailableError, match="could not store them in"):
        fetch_assets(VERSIONS, blocked / "cache")


def test_npm_pack_without_npm_says_to_install_node(monkeypatch, tmp_path):
    monkeypatch.setattr(slides.shutil, "which", lambda name: None)
    with pytest.raises(AssetsUnavailableError, match="npm is not installed"):
        slides._npm_pack(["reveal.js@4.6.0"], tmp_path)


def _npm_script(folder: Path, body: str) -> None:
    npm = folder / "npm"
    npm.write_text(f"#!/bin/sh\n{body}\n")
    npm.chmod(0o755)


def test_npm_pack_asks_the_registry_for_each_package(monkeypatch, tmp_path):
    _npm_script(tmp_path, 'echo "$@" > args.txt')
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    slides._npm_pack(["reveal.js@4.6.0", "mathjax@3.2.2"], tmp_path)
    assert (tmp_path / "args.txt").read_text().split() == [
        "pack",
        "reveal.js@4.6.0",
        "mathjax@3.2.2",
        "--pack-destination",
        str(tmp_path),
    ]


def test_npm_pack_failure_reports_npms_last_line(monkeypatch, tmp_path):
    _npm_script(tmp_path, 'echo "npm error 404 Not Found - reveal.js@9.9.9" >&2; exit 1')
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    with pytest.raises(AssetsUnavailableError, match="failed: npm error 404"):
        slides._npm_pack(["reveal.js@9.9.9"], tmp_path)


def test_npm_pack_that_hangs_is_stopped(monkeypatch, tmp_path):
    def hang(*args, **kwargs):
        raise subprocess.TimeoutExpired("npm", 300)

    _npm_script(tmp_path, "exit 0")
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    monkeypatch.setattr(slides.subprocess, "run", hang)
    with pytest.raises(AssetsUnavailableError, match="longer than 5 minutes"):
        slides._npm_pack(["reveal.js@4.6.0"], tmp_path)


# --------------------------------------------------------------------------- building decks
def test_deck_has_slides_notes_math_and_its_assets_beside_it(course, assets):
    deck = build_deck(course / "notebooks" / "99_tiny.ipynb", course / "out", assets)
    assert deck.path == course / "out" / "99_tiny" / "index.html"
    assert deck.slides == 3 and deck.offline
    html = deck.path.read_text(encoding="utf-8")
    assert "<title>Lecture 99 — Tiny slides</title>" in html
    assert '<aside class="notes">' in html and "plugins: [RevealNotes]" in html
    assert 'slideNumber: "c/t"' in html
    assert "\\hat y = w x + b" in html and 'class="fragment"' in html
    assert "data:image/png;base64," in html, "plots are inlined"
    assert "colab-badge" not in html, "the Colab badge is no use on a projector"
    assert "require.js" not in html and "jquery" not in html.lower()
    assert "In&nbsp;[" not in html, "no input prompts on slides"
    for needed in ("reveal.js/dist/reveal.js", "reveal.js/plugin/notes/notes.js"):
        assert (deck.path.parent / "assets" / needed).is_file()
    fonts = deck.path.parent / "assets" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2"
    assert list(fonts.glob("*.woff")), "MathJax's fonts travel with the deck"


@pytest.mark.parametrize(
    ("theme", "problem"), [("sky", "loads its fonts from the web"), ("nope", "is not there")]
)
def test_a_theme_that_needs_the_web_is_refused(course, assets, theme, problem):
    (course / "slides" / "slides.toml").write_text(f'[reveal]\ntheme = "{theme}"\n')
    with pytest.raises(ToolError, match=f"{problem}; .* offline: .*white"):
        build_deck(course / "notebooks" / "99_tiny.ipynb", course / "out", assets, load_config())
    assert not (course / "out").exists(), "nothing is written"


class _Links(HTMLParser):
    """The URLs a page loads: script sources, stylesheets and what inline styles import."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.urls += _css_urls(data)


def _css_urls(css: str) -> list[str]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", css)
    return urls + re.findall(r"@import\s+['\"]([^'\"]+)", css)


def _loaded_urls(deck: Path) -> dict[str, str]:
    """Every URL the deck's page and its local stylesheets load, with where it was found."""
    links = _Links()
    links.feed(deck.read_text(encoding="utf-8"))
    found = {url: "index.html" for url in links.urls}
    for css in deck.parent.rglob("*.css"):
        for url in _css_urls(css.read_text(encoding="utf-8")):
            found[url] = str(css.relative_to(deck.parent))
    return found


def _assert_offline(deck: Path) -> None:
    urls = _loaded_urls(deck)
    remote = {u: w for u, w in urls.items() if re.match(r"(https?:)?//", u)}
    assert not remote, f"the deck loads from the network: {remote}"
    local = [u for u in urls if not u.startswith("data:") and not u.startswith("#")]
    assert any(u.endswith("reveal.js") for u in local) and any("mathjax" in u for u in local)
    for url in local:
        base = deck.parent if urls[url] == "index.html" else (deck.parent / urls[url]).parent
        assert (base / url.split("?")[0].split("#")[0]).is_file(), (
            f"{urls[url]} loads {url}: missing"
        )


def test_tiny_deck_loads_no_script_style_or_font_from_the_network(course, assets):
    _assert_offline(build_deck(course / "notebooks" / "99_tiny.ipynb", course / "out", assets).path)


def test_lecture_deck_loads_no_script_style_or_font_from_the_network(lecture_deck):
    _assert_offline(lecture_deck.path)
    assert 15 <= lecture_deck.slides <= 40


def test_without_npm_decks_fall_back_to_a_cdn_and_say_so(course, monkeypatch, tmp_path):
    def no_npm(specs, destination):
        raise AssetsUnavailableError("npm is not installed (it comes with Node.js)")

    monkeypatch.setenv("COURSE_DATA", str(tmp_path / "empty-cache"))
    monkeypatch.setattr(slides, "_npm_pack", no_npm)
    messages: list[str] = []
    [deck] = build_decks(["99"], out=course / "out", progress=messages.append)
    assert messages[0].startswith(
        "fetching reveal.js 4.6.0 and mathjax 3.2.2 from the npm registry"
    )
    assert "could not fetch reveal.js and MathJax" in messages[1]
    assert "npm is not installed" in messages[1] and "CDN" in messages[1]
    html = deck.path.read_text(encoding="utf-8")
    assert 'src="https://cdn.jsdelivr.net/npm/reveal.js@4.6.0/dist/reveal.js"' in html
    assert "https://cdn.jsdelivr.net/npm/mathjax@3.2.2/es5/tex-chtml-full.js" in html
    assert not deck.offline and not (deck.path.parent / "assets").exists()


def test_building_from_an_unexecuted_lecture_says_how_to_run_it(course):
    (course / "notebooks" / "99_tiny.ipynb").unlink()
    with pytest.raises(ToolError, match="course run 99_tiny"):
        build_decks(["99"])


def test_course_slides_command_builds_the_decks(course, capsys):
    assert cli.main(["slides", "99", "--out", str(course / "decks"), "--cdn"]) == 0
    out = capsys.readouterr().out
    assert "--cdn" in out and "1 deck(s) in" in out and "with a network only" in out
    assert (course / "decks" / "99_tiny" / "index.html").is_file()


def test_course_slides_command_reports_a_missing_notebook(course, capsys):
    assert cli.main(["slides", "42"]) == 2
    assert "no single notebook matches '42'" in capsys.readouterr().err


# --------------------------------------------------------------------------- rendering in a browser
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _first_equation_slide(notebook: Path) -> str:
    """reveal.js's URL fragment (``h/v``) of the first slide with display math."""
    h, v = -1, 0
    for cell in nbformat.read(notebook, as_version=4).cells:
        kind = cell.metadata.get("slideshow", {}).get("slide_type", "-")
        if kind in {"skip", "notes"}:
            continue
        if kind == "slide" or h < 0:
            h, v = h + 1, 0
        elif kind == "subslide":
            v += 1
        if cell.cell_type == "markdown" and "$$" in cell.source:
            return f"{h}/{v}"
    raise AssertionError(f"{notebook.name} has no display math")


def _chromium(page: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    """Headless Chromium with the network off, as `course slides --pdf` runs it, in an 800-high window."""
    return slides.chromium(page, "--window-size=1280,800", *args, profile=profile, budget_ms=15000)


def _is_a_picture(png: Path) -> bool:
    from matplotlib.image import imread

    pixels = imread(png)
    return pixels.shape[:2] == (800, 1280) and float(pixels[..., :3].std()) > 0.05


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (apt-get install chromium); the rendering test needs it",
)
def test_lecture_deck_renders_offline_in_chromium(lecture_deck, tmp_path):
    equation = _first_equation_slide(LECTURE)
    page = lecture_deck.path.as_uri()
    dom = _chromium(f"{page}#/{equation}", tmp_path / "profile-dom", "--dump-dom").stdout
    assert re.search(r'<div class="reveal [^"]*\bready\b', dom), "reveal.js did not start"
    total = re.search(r'<span class="slide-number-b">(\d+)</span>', dom)
    assert total and int(total.group(1)) == lecture_deck.slides, "reveal's slide count"
    assert dom.count("<mjx-container") >= 5, "MathJax did not typeset the equations"
    assert "<mjx-merror" not in dom and "data-mjx-error" not in dom
    shots = {"title": "0", "equation": equation}
    for name, where in shots.items():
        png = tmp_path / f"{name}.png"
        _chromium(f"{page}#/{where}", tmp_path / f"profile-{name}", f"--screenshot={png}")
        assert _is_a_picture(png), f"the {name} slide (#/{where}) rendered blank: {png}"


# --------------------------------------------------------------------------- student-safe decks
def _secret_lines(notebook) -> set[str]:
    """Solution lines that appear nowhere else in the lecture (so finding one means a leak)."""
    from course_tools.release import solution_lines

    elsewhere = "\n".join(
        c.source
        for c in notebook.cells
        if not {"exercise", "answer"} & set(c.metadata.get("tags", []))
    )
    return {
        line.strip()
        for cell in notebook.cells
        for line in solution_lines(cell.source)
        if len(line.strip()) > 8 and line.strip() not in elsewhere
    }


@pytest.mark.parametrize("source", find_notebooks(root=ROOT), ids=lambda p: p.stem)
def test_slides_of_every_lecture_show_no_solution_and_no_check_output(source):
    executed = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    secret = _secret_lines(executed)
    assert secret, f"{source.stem} has no solution to hide"
    shown = slides._slide_notebook(executed)
    text = "\n".join(cell.source for cell in shown.cells)
    assert not [line for line in secret if line in text]
    for cell in shown.cells:
        if "check" in cell.metadata.get("tags", []):
            assert cell.outputs == []
    with_solutions = "\n".join(c.source for c in slides._slide_notebook(executed, True).cells)
    assert all(line in with_solutions for line in secret)


def test_the_default_lecture_deck_holds_no_solution_line(lecture_deck):
    import html
    import re

    executed = nbformat.read(LECTURE, as_version=4)
    page = lecture_deck.path.read_text(encoding="utf-8")
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert not [line for line in _secret_lines(executed) if line in text]
    assert "YOUR CODE HERE" in text and "✓ numerical_gradient" not in text


def test_with_solutions_goes_to_a_folder_that_says_so(assets, tmp_path):
    deck = build_deck(LECTURE, tmp_path, assets, load_config(ROOT), solutions=True)
    assert deck.path.parent.name == f"{LECTURE.stem}-with-solutions"
    assert "YOUR CODE HERE" not in deck.path.read_text(encoding="utf-8")

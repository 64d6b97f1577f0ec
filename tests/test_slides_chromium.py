"""Decks in headless Chromium: every slide of every lecture fits 1280 x 720, and PDF handouts.

Separate from tests/test_slides.py so that pytest-xdist runs the two modules side by side. Skips,
saying why, where Chromium or the slide assets (reveal.js, MathJax from npm) cannot be had; .ci/run
installs Chromium.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from course_tools import cli, slides
from course_tools.config import find_notebooks
from course_tools.errors import ToolError
from course_tools.slides import (
    Assets,
    AssetsUnavailableError,
    build_deck,
    fetch_assets,
    load_config,
)

ROOT = Path(__file__).resolve().parents[1]
LECTURES = find_notebooks(root=ROOT)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (apt-get install chromium); measuring decks needs it",
)


@pytest.fixture(scope="module")
def assets() -> Assets:
    try:
        return Assets.offline(fetch_assets(load_config(ROOT)["assets"]))
    except AssetsUnavailableError as exc:
        pytest.skip(f"reveal.js and MathJax could not be fetched from npm, so no offline deck: {exc}")


@pytest.fixture(scope="module")
def decks(assets, tmp_path_factory):
    """Lazily built student decks, one per lecture, in one folder."""
    out, built = tmp_path_factory.mktemp("decks"), {}

    def deck(source: Path) -> slides.Deck:
        if source.stem not in built:
            built[source.stem] = build_deck(source.with_suffix(".ipynb"), out, assets, load_config(ROOT))
        return built[source.stem]

    return deck


@needs_chromium
@pytest.mark.parametrize("source", LECTURES, ids=lambda p: p.stem)
def test_every_slide_fits_1280_by_720_without_scrolling(decks, source):
    deck = decks(source)
    fit = load_config(ROOT)["fit"]
    rows = slides.measure_deck(deck.path)
    assert len(rows) == deck.slides, "Chromium saw another number of slides than the notebook has"
    too_big = [
        f"slide {r['h']}/{r['v']}: {r['width']}x{r['height']} at scale {r['scale']}"
        for r in rows
        if r["height"] > r["slide_height"] + 1 or r["width"] > r["slide_width"] + 1
    ]
    assert not too_big, (
        f"{source.stem}: these slides need scrolling even at the smallest scale "
        f"({fit['min_scale']}); split them or move code into the notes: {too_big}"
    )
    assert all(r["scale"] >= fit["min_scale"] for r in rows)
    assert (rows[0]["slide_width"], rows[0]["slide_height"]) == (1280, 720)


@needs_chromium
def test_pdf_handout_has_one_page_per_slide_with_its_math_and_plots(decks):
    from pypdf import PdfReader

    deck = decks(LECTURES[0])
    pdf = slides.print_pdf(deck)
    assert pdf == deck.path.parent.parent / f"{LECTURES[0].stem}.pdf"
    reader = PdfReader(pdf)
    assert len(reader.pages) == deck.slides
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert abs(width / height - 1280 / 720) < 0.02, "pages have the slides' 16:9 shape"
    fonts, images = set(), 0
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            name = descriptor.get_object().get("/FontName") if descriptor else font.get("/BaseFont")
            fonts.add(str(name))
        for thing in (resources.get("/XObject") or {}).values():
            images += thing.get_object().get("/Subtype") == "/Image"
    assert any("MathJax_Math" in name for name in fonts), f"MathJax's fonts are not in the PDF: {fonts}"
    assert images >= 3, f"expected the lecture's plots as images, found {images}"
    text = "".join(page.extract_text() or "" for page in reader.pages)
    assert "Lecture 00" in text and "YOUR CODE HERE" in text


def test_pdf_without_chromium_says_how_to_install_it(monkeypatch, capsys):
    monkeypatch.setattr(slides.shutil, "which", lambda name: None)
    with pytest.raises(ToolError, match="apt-get install chromium"):
        slides.find_chromium()
    assert cli.main(["slides", "00", "--pdf"]) != 0
    assert "apt-get install chromium" in capsys.readouterr().err

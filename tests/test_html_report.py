"""The HTML report opened in headless Chromium (driven by Playwright): the overview's histogram and
a student's plots are drawn, sorting works, and student text is escaped, not run."""
import shutil

import pytest
from conftest import grade, reference_source, write

from grader.outputs import html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def site(tmp_path_factory, specs):
    folder = tmp_path_factory.mktemp("html")
    write(folder / "class" / "ann", {"net.py": reference_source("net.py"), "torchGd1.py": reference_source("torchGd1.py")})
    write(folder / "class" / "ben", {
        "net.py": reference_source("net.py").replace("x.g += self.gfx", "x.g = self.gfx"),
        "torchGd1.py": reference_source("torchGd1.py").replace("            x.grad.zero_()", "            pass")
        + "\nprint('<script>document.title=\"pwned\"</script>')\n",
    })
    report = grade(folder / "class", [spec for spec in specs if spec.id in ("net", "torchGd1")], seed=4)
    return html.write(report, folder / "site")


def test_overview_and_student_plots_render(site, tmp_path):
    from matplotlib import image

    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1200, "height": 1000})
        page.goto(site.as_uri())
        box = page.locator("#histogram svg").bounding_box()
        assert box and box["width"] > 300 and box["height"] > 150
        first = page.locator("#students tbody tr td:first-child").all_inner_texts()
        page.click("#students th:last-child")                 # sort by percent, twice: descending
        page.click("#students th:last-child")
        assert page.locator("#students tbody tr td:first-child").all_inner_texts() == ["ann", "ben"] == first
        page.click("text=ben")
        plots = page.locator("figure.plot svg")
        assert plots.count() >= 3                              # gradients, energies, loss curves
        for index in range(plots.count()):
            box = plots.nth(index).bounding_box()
            assert box and box["width"] > 300 and box["height"] > 150
        assert page.title() != "pwned"                          # the student's print is shown, not run
        page.screenshot(path=str(tmp_path / "ben.png"), full_page=True)
        browser.close()
    pixels = image.imread(tmp_path / "ben.png")
    coloured = (abs(pixels[..., 0] - pixels[..., 2]) > 0.2).mean()   # the plots' blue and orange lines
    assert coloured > 0.001

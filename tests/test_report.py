"""`snakemake --report` on the tiny workflow, opened in a real headless Chromium: what a
reader sees once the page has rendered, not what the HTML source holds. Skipped where
Chromium, its WebDriver or selenium are missing, unless MNIST_VAE_REQUIRE_BROWSER=1 (as
.ci/run sets), which turns the skip into a failure. Screenshots go to tests/screenshots/."""

import json
import os
import shutil
import zipfile

import pytest
from helpers import REPO, copy_of, snakemake

pytestmark = pytest.mark.workflow

SCREENSHOTS = REPO / "tests" / "screenshots"
CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
WAIT_SECONDS = 20


def why_no_browser():
    if not any(shutil.which(name) for name in CHROMIUM):
        return "no chromium installed (apt-get install chromium chromium-driver)"
    if shutil.which("chromedriver") is None:
        return "no chromedriver installed (apt-get install chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -r requirements-dev.txt)"
    return None


@pytest.fixture(scope="module")
def built(tiny_run, tmp_path_factory):
    """The tiny workflow run to the end, then its report made while a second configured run
    is still unbuilt. -> (workdir, the report command's result)"""
    workdir = copy_of(tiny_run, tmp_path_factory.mktemp("report") / "run")
    result = snakemake(workdir, "--report", "report.html", "--config", "runs={later: {}}")
    return workdir, result


@pytest.fixture(scope="module")
def browser():
    reason = why_no_browser()
    if reason is not None:
        if os.environ.get("MNIST_VAE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"MNIST_VAE_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = next(shutil.which(name) for name in CHROMIUM if shutil.which(name))
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


@pytest.fixture
def page(built, browser):
    """The report freshly opened at its start page. -> the WebDriver"""
    workdir, _ = built
    browser.get((workdir / "report.html").as_uri())
    visible_text(browser, "Headline numbers")
    return browser


def visible_text(driver, text):
    """Wait until `text` is rendered in the page's body. -> the body's rendered text"""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, WAIT_SECONDS).until(
        lambda d: text in d.find_element(By.TAG_NAME, "body").text
    )
    return driver.find_element(By.TAG_NAME, "body").text


def open_result(driver, category, subcategory, item):
    """Click through the menu to a result and view it (its eye button)."""
    from selenium.webdriver.common.by import By

    driver.find_element(By.XPATH, f"//span[normalize-space(text())='{category}']").click()
    if subcategory is not None:
        visible_text(driver, subcategory)
        driver.find_element(By.XPATH, f"//*[normalize-space(text())='{subcategory}']").click()
    visible_text(driver, item)
    row = driver.find_element(By.XPATH, f"//tr[td[contains(normalize-space(.), '{item}')]]")
    row.find_element(By.XPATH, ".//a[@iconname='eye']").click()
    return row


def framed_text(driver, text):
    """Wait until `text` is rendered in the viewed HTML result. -> its rendered text"""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    frame = WebDriverWait(driver, WAIT_SECONDS).until(
        lambda d: d.find_element(By.TAG_NAME, "iframe")
    )
    driver.switch_to.frame(frame)
    try:
        return visible_text(driver, text)
    finally:
        driver.switch_to.default_content()


def test_the_report_is_made_while_a_configured_run_is_unbuilt(built):
    workdir, result = built
    assert "The report leaves out the runs not finished: later" in result.stderr
    assert (workdir / "report.html").stat().st_size > 0


def test_the_start_page_shows_the_headline_numbers_of_each_run(built, page):
    workdir, _ = built
    elbo = json.loads((workdir / "results/tiny/metrics.json").read_text())["test"]["elbo"]
    text = visible_text(page, "tiny")
    assert f"{elbo['mean']:.2f} ± {elbo['sem']:.2f}" in text
    assert "later" not in text
    page.save_screenshot(SCREENSHOTS / "start.png")


def test_a_figure_page_shows_the_figure_and_its_caption(page):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    row = open_result(page, "Training", "tiny", "training_curves.png")
    image = WebDriverWait(page, WAIT_SECONDS).until(
        lambda d: d.find_element(By.XPATH, "//img[contains(@src, 'filename=training_curves.png')]")
    )
    WebDriverWait(page, WAIT_SECONDS).until(
        lambda d: d.execute_script("return arguments[0].naturalWidth", image) > 0
    )
    page.save_screenshot(SCREENSHOTS / "figure.png")
    row.find_element(By.XPATH, ".//a[@iconname='information-circle']").click()
    visible_text(page, "Training of run tiny, one point per epoch")
    page.save_screenshot(SCREENSHOTS / "figure_caption.png")


def test_a_runs_metrics_are_tables_in_the_report(built, page):
    workdir, _ = built
    metrics = json.loads((workdir / "results/tiny/metrics.json").read_text())["test"]
    open_result(page, "Metrics", "tiny", "metrics.html")
    text = framed_text(page, "Test set (200 images)")
    iwae = metrics["iwae"]
    assert f"IWAE bound, k = {iwae['k']}" in text
    assert f"{iwae['mean']:.2f} ± {iwae['sem']:.2f}" in text
    assert "Inpainting the bottom half (20 test digits)" in text
    page.save_screenshot(SCREENSHOTS / "metrics.png")


def test_the_summary_table_is_in_the_report(page):
    open_result(page, "Summary", None, "headline numbers")
    text = framed_text(page, "Every run side by side")
    assert "tiny" in text and "test ELBO" in text
    page.save_screenshot(SCREENSHOTS / "summary.png")


def test_the_report_is_also_a_zip_archive(built):
    workdir, _ = built
    snakemake(workdir, "--report", "report.zip")
    with zipfile.ZipFile(workdir / "report.zip") as archive:
        names = archive.namelist()
    assert "report/report.html" in names
    assert any(name.endswith("/metrics.html") for name in names)
    assert any(name.endswith("/training_curves.png") for name in names)

"""The tabular page in headless Chromium: loads clean, the split seed changes the URL and
the loss chart, a shared URL reproduces the state, and CSV uploads are validated."""

from __future__ import annotations

import pytest

from tests.helpers import press_slider, wait_idle

pytestmark = pytest.mark.browser

EXCEPTION = '[data-testid="stException"]'
CHART = '[data-testid="stVegaLiteChart"]'
MAIN = '[data-testid="stMain"]'
# Streamlit 1.67's slider thumb is a visually hidden <input type="range"> (react-aria), not a
# [role="slider"] element with aria-valuenow.


def open_page(page, url):
    page.goto(url)
    wait_idle(page, 240_000)


def test_loads_clean_and_seed_changes_url_and_loss_chart(app_server, browser_page):
    page = browser_page
    open_page(page, f"{app_server.url}/tabular")
    assert page.locator(EXCEPTION).count() == 0
    assert "multiclass classification" in page.locator(MAIN).inner_text()
    chart = page.locator(CHART).first
    chart.scroll_into_view_if_needed()
    before_png = chart.screenshot()
    before_url = page.url

    seed = page.locator(f'{MAIN} [data-testid="stSlider"] input[type="range"]').first
    assert seed.input_value() == "0"
    press_slider(page, seed)
    page.wait_for_function("u => window.location.href !== u", arg=before_url)
    wait_idle(page, 240_000)
    assert "seed=1" in page.url
    chart = page.locator(CHART).first
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    assert chart.screenshot() != before_png, "a new split trains a new network"
    assert page.locator(EXCEPTION).count() == 0
    assert page.console_errors == []


def test_shared_url_reproduces_titanic_view(app_server, browser_page):
    page = browser_page
    open_page(page, f"{app_server.url}/tabular?dataset=titanic&seed=2&metric=recall")
    text = page.locator(MAIN).inner_text()
    assert "binary classification" in text
    assert "Validation recall" in page.content() or "recall" in text
    seed = page.locator(f'{MAIN} [data-testid="stSlider"] input[type="range"]').first
    assert seed.input_value() == "2"
    assert page.locator(EXCEPTION).count() == 0
    assert page.console_errors == []


def test_csv_upload_is_validated_and_a_good_file_trains(app_server, browser_page, tmp_path):
    page = browser_page
    open_page(page, f"{app_server.url}/tabular?dataset=upload")
    assert "No file uploaded yet" in page.locator(MAIN).inner_text()

    fake = tmp_path / "photo.csv"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(fake))
    page.get_by_text("This is not a text file").wait_for(timeout=60_000)
    wait_idle(page, 240_000)
    assert page.locator(EXCEPTION).count() == 0

    good = tmp_path / "plants.csv"
    lines = ["height,soil,leaves,kind"]
    for i in range(120):
        kind = "tall" if i % 3 else "short"
        lines.append(f"{(30 if kind == 'tall' else 10) + i % 7},{'ab'[i % 2]},{i % 5},{kind}")
    good.write_text("\n".join(lines) + "\n")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(good))
    page.get_by_text("Uploaded table: 120 rows").wait_for(timeout=60_000)
    wait_idle(page, 240_000)
    text = page.locator(MAIN).inner_text()
    assert "binary classification" in text and "kind" in text
    assert page.locator(EXCEPTION).count() == 0
    assert page.console_errors == []

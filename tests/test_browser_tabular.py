"""The tabular page in headless Chromium: loads clean, the split seed changes the URL and
the loss chart, a shared URL (with the seed's old name) reproduces the state, and CSV
uploads are validated."""

from __future__ import annotations

import pytest

from tests.helpers import (
    CHART,
    EXCEPTION,
    open_page,
    press_slider,
    url_param,
    wait_charts_drawn,
    wait_idle,
    wait_url_param,
)

pytestmark = pytest.mark.browser

MAIN = '[data-testid="stMain"]'
# Streamlit 1.67's slider thumb is a visually hidden <input type="range"> (react-aria); the
# element container carries the widget key as a class.
SEED = '.st-key-tab_seed input[type="range"]'
TIMEOUT_MS = 240_000  # a first visit trains the network


def test_loads_clean_and_seed_changes_url_and_loss_chart(app_server, browser_page):
    page = browser_page
    open_page(page, f"{app_server.url}/tabular", timeout_ms=TIMEOUT_MS)
    assert "multiclass classification" in page.locator(MAIN).inner_text()
    chart = page.locator(CHART).first
    chart.scroll_into_view_if_needed()
    wait_charts_drawn(page)
    before_png = chart.screenshot()

    seed = page.locator(SEED)
    assert seed.input_value() == "0"
    press_slider(page, seed)
    wait_url_param(page, "tab_seed", "1", timeout_ms=TIMEOUT_MS)
    wait_idle(page, TIMEOUT_MS)
    chart = page.locator(CHART).first
    chart.scroll_into_view_if_needed()
    wait_charts_drawn(page)
    assert chart.screenshot() != before_png, "a new split trains a new network"
    assert page.locator(EXCEPTION).count() == 0
    assert page.console_errors == []


def test_shared_url_reproduces_titanic_view(app_server, browser_page):
    page = browser_page
    # `seed` is the split seed's name before it became tab_seed: old links keep working.
    open_page(page, f"{app_server.url}/tabular?dataset=titanic&seed=2&metric=recall",
              timeout_ms=TIMEOUT_MS)
    text = page.locator(MAIN).inner_text()
    assert "binary classification" in text
    assert "Validation recall" in page.content() or "recall" in text
    assert page.locator(SEED).input_value() == "2"
    assert url_param(page, "tab_seed") == "2" and url_param(page, "seed") is None
    assert page.console_errors == []


def test_csv_upload_is_validated_and_a_good_file_trains(app_server, browser_page, tmp_path):
    page = browser_page
    open_page(page, f"{app_server.url}/tabular?dataset=upload", timeout_ms=TIMEOUT_MS)
    assert "No file uploaded yet" in page.locator(MAIN).inner_text()

    fake = tmp_path / "photo.csv"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(fake))
    page.get_by_text("This is not a text file").wait_for(timeout=60_000)
    wait_idle(page, TIMEOUT_MS)
    assert page.locator(EXCEPTION).count() == 0

    good = tmp_path / "plants.csv"
    lines = ["height,soil,leaves,kind"]
    for i in range(120):
        kind = "tall" if i % 3 else "short"
        lines.append(f"{(30 if kind == 'tall' else 10) + i % 7},{'ab'[i % 2]},{i % 5},{kind}")
    good.write_text("\n".join(lines) + "\n")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(good))
    page.get_by_text("Uploaded table: 120 rows").wait_for(timeout=60_000)
    wait_idle(page, TIMEOUT_MS)
    text = page.locator(MAIN).inner_text()
    assert "binary classification" in text and "kind" in text
    assert page.locator(EXCEPTION).count() == 0
    assert page.console_errors == []

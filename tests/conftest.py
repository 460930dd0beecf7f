import pytest

from tests.helpers import AppServer, is_ignored_console_error, launch_chromium


@pytest.fixture(scope="session")
def app_server():
    server = AppServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        yield browser
        browser.close()


@pytest.fixture()
def browser_page(chromium):
    """A fresh browser context and page; `page.console_errors` collects real errors."""
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.console_errors = []

    def on_console(msg):
        if msg.type == "error" and not is_ignored_console_error(
                msg.text, (msg.location or {}).get("url", "")):
            page.console_errors.append(msg.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: page.console_errors.append(f"pageerror: {exc}"))
    yield page
    context.close()

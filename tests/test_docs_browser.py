"""`/docs` and `/redoc` in a real browser, with every request off this server refused.

The server is started as the container starts it (`cica-api serve`, through
`running_server`) on a new SQLite database: the test is about the pages, not the database,
so it does not also run on PostgreSQL. Debian's Chromium (`/usr/bin/chromium`, which
`.ci/run` installs) is driven by Playwright with `executable_path`, never a browser
Playwright downloads; it is launched with a fresh profile and with its background services
(updates, sync, safe browsing, metrics, DNS prefetch, QUIC) off. Every request a page
makes that is not to the server is aborted and recorded, and fails the test. The browser's
proxy is a trap on this machine that records and answers nothing (loopback bypasses a
proxy), so what the browser process itself tries past the pages' routing never reaches a
network either: Chromium 156 still tries accounts.google.com, update.googleapis.com (an
on-demand component) and content-autofill.googleapis.com (Swagger UI's form fields)
despite the flags. Those are printed, not failed on: they are the browser's, not the
pages', and their hosts change with Chromium releases. Screenshots go to this test's temporary folder, whose
path is printed (`pytest -s` shows it, a failure always does).
"""

import os
import socket
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import (
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    Route,
    expect,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

from scripts.load_test import running_server

CHROMIUM = Path("/usr/bin/chromium")
# Playwright passes most of these itself (and disables more in its own --disable-features,
# which a second --disable-features here would replace: the last one wins); they are
# repeated so that what this test relies on is written here. The proxy trap checks them.
QUIET_FLAGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-breakpad",
    "--safebrowsing-disable-auto-update",
    "--metrics-recording-only",
    "--no-pings",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-quic",
    "--dns-prefetch-disable",
    "--password-store=basic",
    "--use-mock-keychain",
)
TIMEOUT_MS = 30_000

MISSING = (
    f"{CHROMIUM} is missing: install Debian's chromium package "
    "(`apt-get install -y chromium`; .ci/run does) to run the browser test"
)


@pytest.fixture(scope="module", autouse=True)
def chromium() -> None:
    """Skipped on a machine without Chromium, but never in CI, which installs it."""
    if not CHROMIUM.is_file():
        if os.environ.get("CI"):
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    expect.set_options(timeout=TIMEOUT_MS)


class ProxyTrap:
    """The browser's proxy: it records the first line of every connection and answers
    nothing. Only requests that would leave this machine reach it."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.seen: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(1)
                try:
                    first = connection.recv(1024).split(b"\r\n", 1)[0]
                except OSError:
                    first = b"(nothing read)"
                self.seen.append(first.decode("latin-1"))

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.listener.close()


@dataclass
class Traffic:
    """What the browser did besides what the test asked."""

    base: str
    trap: ProxyTrap
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def route(self, route: Route) -> None:
        url = route.request.url
        if url == self.base or url.startswith(self.base + "/"):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")

    def watch(self, page: Page) -> Page:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)
        return page

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"{message.location.get('url')}: {message.text}")

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.failed.append(f"{response.status} {response.url}")

    def _failed(self, request: Request) -> None:
        self.failed.append(f"{request.url}: {request.failure}")

    def assert_clean(self) -> None:
        assert not self.blocked, f"requests to other servers: {self.blocked}"
        assert not self.failed, f"failed requests: {self.failed}"
        assert not self.errors, f"console errors: {self.errors}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("docs-browser")
    with running_server(
        # On a loaded 2-core machine a start has taken over a minute.
        f"sqlite:///{workdir / 'docs.db'}",
        cwd=workdir,
        ready_path="/v1/members",
        boot_seconds=180,
    ) as base:
        yield base


@pytest.fixture(scope="module")
def openapi(server: str) -> dict[str, Any]:
    document: dict[str, Any] = httpx.get(server + "/openapi.json", trust_env=False).json()
    return document


@pytest.fixture
def browser(server: str, tmp_path: Path) -> Iterator[tuple[BrowserContext, Traffic]]:
    trap = ProxyTrap()
    traffic = Traffic(server, trap)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tempfile.mkdtemp(prefix="profile-", dir=tmp_path),
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                *QUIET_FLAGS,
                f"--proxy-server={trap.url}",
                *(["--no-sandbox"] if os.geteuid() == 0 else []),
            ],
            viewport={"width": 1280, "height": 900},
            env={**os.environ, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"},
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.route("**/*", traffic.route)
        try:
            yield context, traffic
        finally:
            context.close()
            trap.close()
    print(f"\nscreenshots in {tmp_path}")
    if trap.seen:
        print("the browser's own requests, held at the proxy trap:", *sorted(set(trap.seen)))


def open_page(
    browser: tuple[BrowserContext, Traffic], url: str, ready: str
) -> tuple[Page, Traffic]:
    """A new tab on `url`, watched, once `ready` (a selector) is visible."""
    context, traffic = browser
    page = traffic.watch(context.new_page())
    page.goto(url, wait_until="networkidle")
    expect(page.locator(ready).first).to_be_visible()
    return page, traffic


def operations(openapi: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {**operation, "method": method, "path": path}
        for path, item in openapi["paths"].items()
        for method, operation in item.items()
        if method in ("get", "put", "post", "delete", "patch", "head", "options")
    ]


def test_swagger_ui_renders_every_operation_and_runs_list_members(
    browser: tuple[BrowserContext, Traffic], server: str, openapi: dict[str, Any], tmp_path: Path
) -> None:
    page, traffic = open_page(browser, server + "/docs", ".opblock")
    page.screenshot(path=tmp_path / "docs.png", full_page=False)

    expected_tags = {tag for op in operations(openapi) for tag in op.get("tags", ["default"])}
    rendered_tags = set(
        page.locator(".opblock-tag").evaluate_all("els => els.map(e => e.dataset.tag)")
    )
    assert rendered_tags == expected_tags
    rendered = page.locator(".opblock").evaluate_all(
        """blocks => blocks.map(b => [
            b.querySelector('.opblock-summary-method').textContent.toLowerCase(),
            b.querySelector('.opblock-summary-path').dataset.path,
            b.querySelector('.opblock-summary-operation-id')?.textContent ?? null,
        ])"""
    )
    expected = {(op["method"], op["path"], op["operationId"]) for op in operations(openapi)}
    assert {tuple(row) for row in rendered} == expected

    operation = page.locator("#operations-members-listMembers")
    operation.locator(".opblock-summary").first.click()
    operation.get_by_role("button", name="Try it out").click()
    # Start from the route's defaults, whatever the documented examples prefill.
    for text_input in operation.locator(".parameters input[type=text]").all():
        text_input.fill("")
    for select in operation.locator(".parameters select").all():
        select.select_option("")
    operation.get_by_role("button", name="Execute").click()
    response = operation.locator(".live-responses-table tbody tr.response").first
    expect(response.locator(".response-col_status")).to_have_text("200")
    body = response.locator(".response-col_description .highlight-code")
    expect(body).to_contain_text('"Kazakhstan"')
    expect(body).to_contain_text('"KZ"')
    expect(operation.locator(".request-url")).to_contain_text(f"{server}/v1/members")
    response.scroll_into_view_if_needed()
    page.screenshot(path=tmp_path / "docs-list-members.png", full_page=False)
    traffic.assert_clean()


def test_redoc_renders_every_operation_and_searches(
    browser: tuple[BrowserContext, Traffic], server: str, openapi: dict[str, Any], tmp_path: Path
) -> None:
    page, traffic = open_page(browser, server + "/redoc", ".menu-content")
    page.screenshot(path=tmp_path / "redoc.png", full_page=False)
    headings = set(page.locator(".api-content h2").all_inner_texts())
    missing = [op["summary"] for op in operations(openapi) if op["summary"] not in headings]
    assert not missing, f"operations ReDoc does not show: {missing}"
    # The search runs in a worker made from a blob: URL, which the page's CSP must allow.
    page.get_by_placeholder("Search...").fill("member state")
    expect(page.locator("[data-role='search:results'] li").first).to_be_visible()
    page.screenshot(path=tmp_path / "redoc-search.png", full_page=False)
    traffic.assert_clean()


def test_landing_page_links_the_docs(
    browser: tuple[BrowserContext, Traffic], server: str, tmp_path: Path
) -> None:
    page, traffic = open_page(browser, server + "/", "h1")
    for path in ("/docs", "/redoc", "/openapi.json", "/v1/exports", "/v1/changes", "/changelog"):
        expect(page.locator(f"a[href='{path}']")).to_have_count(1)
    page.screenshot(path=tmp_path / "landing.png", full_page=True)
    page.locator("a[href='/changelog']").click()
    expect(page.locator("h1")).to_have_text("Changelog")
    page.screenshot(path=tmp_path / "changelog.png", full_page=False)
    traffic.assert_clean()


def test_a_page_that_reaches_out_is_caught(
    browser: tuple[BrowserContext, Traffic], server: str
) -> None:
    """The guards themselves, so the tests above can fail: a resource from another origin
    breaks the page's CSP and shows as a console error; a request to another server that
    no CSP governs (a navigation) is blocked and recorded; without routing, it reaches the
    proxy trap."""
    page, traffic = open_page(browser, server + "/docs", ".opblock")
    page.evaluate(
        "() => { const i = document.createElement('img');"
        " i.src = 'https://cdn.example/logo.png'; document.body.append(i); }"
    )
    expect(page.locator("img[src='https://cdn.example/logo.png']")).to_have_count(1)
    page.wait_for_timeout(200)
    assert any("cdn.example" in error for error in traffic.errors), traffic.errors
    with pytest.raises(PlaywrightError):
        page.goto("http://cdn.example/swagger-ui.css")
    assert traffic.blocked == ["http://cdn.example/swagger-ui.css"]
    assert not any("cdn.example" in line for line in traffic.trap.seen)
    page.context.unroute("**/*")
    with pytest.raises(PlaywrightError):
        page.goto("http://cdn.example/redoc.standalone.js", timeout=5_000)
    assert "GET http://cdn.example/redoc.standalone.js HTTP/1.1" in traffic.trap.seen

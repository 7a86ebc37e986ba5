"""A real headless Chromium for tests: installed from the Debian packages when missing, driven over the DevTools pipe.

    chromium = ensure_chromium()            # a path, or raises BrowserUnavailable saying why
    with Browser(chromium, resolve={"app.test": "127.0.0.1"}) as browser:
        page = browser.open("http://app.test:8000/")
        assert page.evaluate("fetch('/x').then(r => r.status)") == 200

The protocol runs over `--remote-debugging-pipe` (file descriptors 3 and 4), so no debugging port is opened.
"""
from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
_INSTALL_LOCK = Path(tempfile.gettempdir()) / "flowmock-chromium-install.lock"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--no-default-browser-check", "--disable-dev-shm-usage",
         "--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,MediaRouter,OptimizationHints,Translate",
         "--remote-debugging-pipe")


class BrowserUnavailable(RuntimeError):
    """Chromium is not installed and could not be installed here; the message says why."""


class BrowserError(RuntimeError):
    """The browser or a page script failed."""


def find_chromium() -> str | None:
    """The path of an installed Chromium, if any."""
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def ensure_chromium() -> str:
    """An installed Chromium, installing the Debian package `chromium` first when it is missing (once, under a lock)."""
    found = find_chromium()
    if found:
        return found
    if not shutil.which("apt-get"):
        raise BrowserUnavailable("Chromium is not installed and this system has no apt-get to install it with")
    if os.geteuid() != 0:
        raise BrowserUnavailable("Chromium is not installed; installing it needs root: sudo apt-get install -y chromium")
    with open(_INSTALL_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel test workers: one installs, the others wait and find it
        found = find_chromium()
        if found:
            return found
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        install = ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]
        result = subprocess.run(install, capture_output=True, text=True, env=env, timeout=900)
        if result.returncode != 0:
            subprocess.run(["apt-get", "update"], capture_output=True, text=True, env=env, timeout=600)
            result = subprocess.run(install, capture_output=True, text=True, env=env, timeout=900)
        found = find_chromium()
        if not found:
            raise BrowserUnavailable(f"apt-get install chromium failed (exit {result.returncode}): {result.stderr.strip()[-500:]}")
        return found


class Browser:
    """One headless Chromium with a fresh profile; `resolve` maps host names to addresses (test domains, DNS rebinding)."""

    def __init__(self, executable: str, resolve: dict[str, str] | None = None, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self._profile = tempfile.mkdtemp(prefix="flowmock-chromium-")
        rules = ", ".join(f"MAP {name} {address}" for name, address in (resolve or {}).items())
        args = [executable, *FLAGS, f"--user-data-dir={self._profile}"]
        if rules:
            args.append(f"--host-resolver-rules={rules}")
        to_child, self._to_browser = os.pipe()
        self._from_browser, from_child = os.pipe()
        # Chromium reads commands on fd 3 and writes answers on fd 4; dup high first so no descriptor is clobbered.
        high_in, high_out = fcntl.fcntl(to_child, fcntl.F_DUPFD, 20), fcntl.fcntl(from_child, fcntl.F_DUPFD, 20)

        def wire_pipes() -> None:
            os.dup2(high_in, 3)
            os.dup2(high_out, 4)

        self._process = subprocess.Popen(args + ["about:blank"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL, preexec_fn=wire_pipes, close_fds=False)
        for fd in (to_child, from_child, high_in, high_out):
            os.close(fd)
        self._buffer = b""
        self._next_id = 0
        self.version = self.command("Browser.getVersion")["product"]

    def command(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        """Send one DevTools command and wait for its result (events in between are dropped)."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            answer = self._read(deadline)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error']}")
                return dict(answer.get("result", {}))

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                raise BrowserError("Chromium did not answer in time")
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise BrowserError(f"Chromium exited (code {self._process.poll()})")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return dict(json.loads(raw))

    def open(self, url: str) -> Page:
        """A new tab showing `url` once it has loaded."""
        target = self.command("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.command("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, target, session)
        page.goto(url)
        return page

    def close(self) -> None:
        """Quit Chromium and delete its profile."""
        with contextlib.suppress(BrowserError, OSError):
            self.command("Browser.close")
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(10)
        for fd in (self._to_browser, self._from_browser):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()


class Page:
    """One tab: navigate it and run scripts in it."""

    def __init__(self, browser: Browser, target: str, session: str) -> None:
        self.browser, self.target, self.session = browser, target, session

    def goto(self, url: str) -> None:
        """Navigate and wait until the document has loaded."""
        result = self.browser.command("Page.navigate", {"url": url}, self.session)
        if result.get("errorText"):
            raise BrowserError(f"cannot open {url}: {result['errorText']}")
        deadline = time.monotonic() + self.browser.timeout
        while self.evaluate("document.readyState") != "complete":
            if time.monotonic() > deadline:
                raise BrowserError(f"{url} did not finish loading")
            time.sleep(0.05)

    def evaluate(self, expression: str) -> Any:
        """Run a script in the page (a promise is awaited) and return its JSON value; a thrown error raises BrowserError."""
        result = self.browser.command("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                           "returnByValue": True}, self.session)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise BrowserError(details.get("exception", {}).get("description") or details.get("text", "script failed"))
        return result["result"].get("value")

    def text(self) -> str:
        """The visible text of the page."""
        return str(self.evaluate("document.body ? document.body.innerText : ''"))

    def resize(self, width: int, height: int) -> None:
        """Lay the page out in a window of this size (CSS pixels)."""
        self.browser.command("Emulation.setDeviceMetricsOverride",
                             {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, self.session)

    def wait_for(self, expression: str, timeout: float | None = None) -> Any:
        """Evaluate `expression` until it is truthy and return its value; BrowserError naming it after `timeout` seconds."""
        deadline = time.monotonic() + (timeout or self.browser.timeout)
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"still false after {timeout or self.browser.timeout:g} s: {expression}")
            time.sleep(0.05)

    def screenshot(self, path: Path) -> Path:
        """Save what the page shows as a PNG at `path` (folders are made)."""
        data = self.browser.command("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False}, self.session)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path


def html_app(html: str) -> Any:
    """An ASGI app answering every request with one HTML page (a frontend on another origin, in tests)."""
    body = html.encode()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    return app

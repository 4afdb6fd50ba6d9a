"""Open the built site in headless Chromium, as its readers see it.

    python docs/check_site.py [HTMLDIR]     # default build/docs/html

Serves ``HTMLDIR`` over HTTP and opens the index, a user-guide page, a gallery example
and the search page with playwright driving the system's Chromium (Debian's
``chromium`` package; ``CHROMIUM=/path`` to choose one). Each page must load with no
console error and every image loaded (``naturalWidth > 0``), and searching for
``explained_variance_ratio_`` must find the API entry of ``AutoencoderTransformer``.
Exit status 0 when all hold, 1 when one fails; without playwright or a browser it
says so and exits 0, as CI runs it where a browser is installed.
"""

import functools
import http.server
import os
import shutil
import sys
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = [
    "index.html",
    "user_guide.html",
    "auto_examples/plot_explained_variance.html",
]
QUERY = "explained_variance_ratio_"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def find_browser():
    """The Chromium to drive, or ``None``."""
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def check_page(page, url):
    """Problems seen on ``url``: console errors, page errors, images not loaded."""
    problems = []
    page.on(
        "console",
        lambda m: (
            problems.append(f"console {m.type}: {m.text}")
            if m.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.goto(url, wait_until="networkidle")
    # Lazy images load when scrolled to: load them all, then look.
    page.evaluate("document.querySelectorAll('img').forEach(i => i.loading = 'eager')")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "Array.from(document.images).every(i => i.complete)", timeout=10_000
    )
    images = page.evaluate(
        "Array.from(document.images).map(i => [i.currentSrc || i.src, i.naturalWidth])"
    )
    problems += [f"image not loaded: {src}" for src, width in images if not width]
    return problems, len(images)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    html = os.path.abspath(argv[0] if argv else os.path.join(ROOT, "build/docs/html"))
    if not os.path.exists(os.path.join(html, "index.html")):
        print(f"check_site: no built site at {html}; run python docs/build.py first")
        return 1
    browser_path = find_browser()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if browser_path is None or sync_playwright is None:
        missing = "Chromium" if browser_path is None else "playwright"
        print(
            f"check_site: SKIPPED, no {missing} here (apt install chromium; pip "
            "install playwright); the site was not checked in a browser"
        )
        return 0

    handler = functools.partial(_QuietHandler, directory=html)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    failures = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=browser_path, args=["--no-sandbox"]
        )
        for name in PAGES:
            page = browser.new_page()
            problems, n_images = check_page(page, base + name)
            print(f"{name}: {n_images} images, {len(problems)} problems")
            failures += [f"{name}: {p}" for p in problems]
            page.close()
        page = browser.new_page()
        problems, _ = check_page(page, f"{base}search.html?q={QUERY}")
        page.wait_for_selector("#search-results li", timeout=30_000)
        links = page.eval_on_selector_all(
            "#search-results li a", "links => links.map(a => a.href)"
        )
        found = any("skae.AutoencoderTransformer" in link for link in links)
        print(f"search {QUERY!r}: {len(links)} results, API entry found: {found}")
        failures += [f"search.html: {p}" for p in problems]
        if not found:
            failures.append(f"search for {QUERY} did not find the API entry: {links}")
        browser.close()
    server.shutdown()
    for failure in failures:
        print("FAIL", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

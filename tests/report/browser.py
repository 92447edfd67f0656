"""The report in a real browser: headless Chromium with no network, driven by its own
``--dump-dom`` and ``--screenshot`` (no Playwright, no downloaded browser).

:func:`run_in_page` copies the page with two additions: a first script in ``<head>`` that records
every JavaScript error and every ``alert``/``prompt``/``confirm`` call, and a last script that
runs the test's JavaScript once the page has drawn and writes its result (JSON) into the DOM,
which ``--dump-dom`` hands back.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
SKIP_REASON = "chromium not installed (Debian: apt-get install chromium fonts-thai-tlwg)"

_TRAP = """<script>
window.__dp = {errors: [], ran: [], failed: [], injected: []};
window.addEventListener("error", function (e) {
  if (e instanceof ErrorEvent) window.__dp.errors.push(String(e.message));
  else window.__dp.failed.push(String(e.target && (e.target.src || e.target.href)));  // a resource (tile)
}, true);
window.addEventListener("unhandledrejection", function (e) { window.__dp.errors.push("rejection: " + e.reason); });
new MutationObserver(function (records) {  // any element that could run user text
  records.forEach(function (r) {
    r.addedNodes.forEach(function (n) {
      if (n.nodeType !== 1) return;
      [n].concat(Array.prototype.slice.call(n.querySelectorAll("*"))).forEach(function (el) {
        var attrs = Array.prototype.map.call(el.attributes, function (a) { return a.name; });
        if (attrs.some(function (a) { return a.indexOf("on") === 0; }))
          window.__dp.injected.push(el.outerHTML.slice(0, 200));
      });
    });
  });
}).observe(document.documentElement, {childList: true, subtree: true});
["alert", "prompt", "confirm"].forEach(function (f) {
  window[f] = function (x) { window.__dp.ran.push(f + "(" + x + ")"); };
});
</script>"""

_RUN = """<script>
window.addEventListener("load", function () {
  setTimeout(function () {
    var result;
    try { result = (function () { %s })(); } catch (e) { result = {harness_error: String(e && e.stack || e)}; }
    setTimeout(function () {
      if (typeof result === "function") {  // a function: evaluated last (images loaded by then)
        try { result = result(); } catch (e) { result = {harness_error: String(e && e.stack || e)}; }
      }
      var out = document.createElement("pre");
      out.id = "dp-test-out";
      out.textContent = JSON.stringify({result: result, errors: window.__dp.errors, ran: window.__dp.ran,
                                        failed: window.__dp.failed, injected: window.__dp.injected,
                                        scripts: document.scripts.length,
                                        title: document.title});
      document.body.appendChild(out);
    }, 800);
  }, 300);
});
</script>"""


def _flags(profile: str) -> list[str]:
    return [
        CHROMIUM or "chromium",
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--proxy-server=127.0.0.1:9",  # no network, even where there is some
        "--proxy-bypass-list=<-loopback>",
    ]


def _chromium(args: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [*_flags(profile), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "LANG": "C.UTF-8"},
        )


def run_in_page(page: Path, js: str, *, budget_ms: int = 8000, size: str = "1400,900") -> dict:
    """Open a copy of ``page`` (same folder, so relative links work), run ``js`` (a function body
    returning something JSON-able, or a function returning it that is called 0.8 s later) after
    load. Returns a dict: ``result``, ``errors`` (JavaScript),
    ``ran`` (alert/prompt/confirm calls), ``failed``, ``injected``, ``scripts``, ``title``
    (``failed``: resources that did not load, e.g. map tiles offline; ``injected``: elements added
    that carry an ``on...`` handler attribute; ``scripts``: how many script elements the document
    ended with, which is the page's own plus the two added here unless user text made one)."""
    text = page.read_text(encoding="utf-8")
    head = text.index("<head>") + len("<head>")
    end = text.rindex("</body>")
    probe = page.with_name(f".probe-{page.name}")
    probe.write_text(text[:head] + _TRAP + text[head:end] + (_RUN % js) + text[end:], encoding="utf-8")
    try:
        r = _chromium([f"--virtual-time-budget={budget_ms}", f"--window-size={size}", "--dump-dom", probe.as_uri()])
    finally:
        probe.unlink(missing_ok=True)
    assert r.returncode == 0, r.stderr[-2000:]
    found = re.search(r'<pre id="dp-test-out">(.*?)</pre>', r.stdout, re.S)
    assert found is not None, "the page never finished loading: " + r.stderr[-2000:]
    return json.loads(html.unescape(found.group(1)))


def screenshot(page: Path, png: Path, *, size: str = "1400,900", budget_ms: int = 5000) -> Path:
    """A screenshot of ``page`` as a reader sees it first (no network)."""
    r = _chromium([f"--virtual-time-budget={budget_ms}", f"--window-size={size}", f"--screenshot={png}", page.as_uri()])
    assert r.returncode == 0 and png.exists(), r.stderr[-2000:]
    return png

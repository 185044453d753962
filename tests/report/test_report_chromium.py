"""Render the report in headless Chromium: every section and image shows, a screenshot is made.

Skipped when no Chromium is installed (``apt-get install chromium``).
"""

import json
import re
import shutil
import subprocess

import numpy as np
import pytest

SECTION_IDS = ["findings", "toc", "dynamics", "theory", "groups", "generalization",
               "faithfulness", "top-interactions"]

CHECK = """
<script>
window.addEventListener("load", function () {
  var ids = %s, res = {sections: {}, images: []};
  ids.forEach(function (id) {
    var el = document.getElementById(id);
    res.sections[id] = el ? el.getBoundingClientRect().height : -1;
  });
  Array.prototype.forEach.call(document.images, function (im) {
    res.images.push([im.complete, im.naturalWidth, im.naturalHeight,
                     im.getBoundingClientRect().width]);
  });
  var pre = document.createElement("pre");
  pre.id = "render-check";
  pre.textContent = JSON.stringify(res);
  document.body.appendChild(pre);
});
</script>
"""


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("Chromium is not installed; install it (e.g. `apt-get install chromium`) to "
                "run the render test")


def run_chromium(exe, tmp_path, *args):
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars",
           *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def test_report_renders_in_chromium(built_report, tmp_path):
    exe = chromium()
    html = built_report.read_text()
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("</body>", CHECK % json.dumps(SECTION_IDS) + "</body>"))
    res = run_chromium(exe, tmp_path, "--virtual-time-budget=5000", "--dump-dom",
                       probe.as_uri())
    assert res.returncode == 0, res.stderr[-2000:]
    found = re.search(r'<pre id="render-check">(.*?)</pre>', res.stdout, re.S)
    assert found, "the check script did not run: " + res.stdout[:500]
    check = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    for sid in SECTION_IDS:
        assert check["sections"][sid] > 0, f"section {sid!r} is missing or empty"
    assert len(check["images"]) == html.count("<img ") >= 9
    for complete, nat_w, nat_h, shown_w in check["images"]:
        assert complete and nat_w > 0 and nat_h > 0 and shown_w > 0

    shot = tmp_path / "screenshot.png"
    res = run_chromium(exe, tmp_path, "--window-size=1280,4000", f"--screenshot={shot}",
                       built_report.as_uri())
    assert res.returncode == 0 and shot.is_file(), res.stderr[-2000:]
    from PIL import Image

    with Image.open(shot) as im:
        assert im.size == (1280, 4000)
        pixels = np.asarray(im.convert("L"))
    assert pixels.std() > 10  # not a blank page

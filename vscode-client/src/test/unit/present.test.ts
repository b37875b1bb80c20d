import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { convertPrompt, scanMessage, searchItem, statusView, withReportCsp } from "../../present";

describe("statusView", () => {
  it("shows the count of PyTorch uses and the profile", () => {
    const view = statusView("running", "portable", 4, "train.py");
    assert.equal(view.text, "$(flame) 4 · portable");
    assert.equal(view.tooltip, "msdev: 4 PyTorch uses in train.py (profile: portable). Click to open the Problems panel.");
    assert.equal(view.warning, false);
    assert.match(statusView("running", "ascend", 1, "a.py").tooltip, /1 PyTorch use in a\.py \(profile: ascend\)/);
  });
  it("shows the profile alone when no Python file is active", () => {
    assert.equal(statusView("running", "ascend", undefined).text, "msdev · ascend");
  });
  it("warns when the server is not running", () => {
    assert.equal(statusView("failed", "portable", 3).warning, true);
    assert.equal(statusView("stopped", "portable", 3).warning, true);
    assert.match(statusView("starting", "portable", 3).text, /sync~spin/);
  });
});

describe("scanMessage", () => {
  it("summarises the scan", () => {
    assert.equal(
      scanMessage({ files: 12, uses: 340, readiness: 0.873, by_status: { identical: 200, manual: 3, unsupported: 2 } }),
      "msdev scanned 12 files: 340 PyTorch uses, 87% convertible automatically (5 need attention).",
    );
    assert.equal(scanMessage({ files: 1, uses: 1 }), "msdev scanned 1 file: 1 PyTorch use.");
  });
});

describe("searchItem", () => {
  it("shows both names, the status and the summary", () => {
    assert.deepEqual(
      searchItem({ torch_api: "torch.cat", mindspore_api: "mindspore.ops.cat", status: "arg-diff", summary: "dim is axis" }),
      { label: "torch.cat ⇄ mindspore.ops.cat", description: "arg-diff", detail: "dim is axis" },
    );
    assert.equal(
      searchItem({ torch_api: "torch.foo", mindspore_api: null, status: "unsupported" }).label,
      "torch.foo ⇄ no MindSpore counterpart",
    );
  });
});

describe("convertPrompt", () => {
  it("says what was converted and what is left", () => {
    const result = { text: "", target_uri: "file:///p/a_ms.py", converted: 5, unconverted: 2 };
    assert.equal(
      convertPrompt(result, "a_ms.py"),
      "msdev: 5 PyTorch uses converted, 2 left for manual work (marked in the file). Write the result to a_ms.py?",
    );
    assert.equal(
      convertPrompt({ ...result, converted: 1, unconverted: 0 }, "a_ms.py"),
      "msdev: 1 PyTorch use converted. Write the result to a_ms.py?",
    );
  });
});

describe("withReportCsp", () => {
  it("puts a no-network policy first in the head", () => {
    const html = withReportCsp("<html><head><title>r</title></head><body>x</body></html>", "vscode-resource:");
    assert.match(html, /^<html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
    assert.ok(html.includes("<title>r</title>"));
  });
  it("wraps a fragment that has no head", () => {
    assert.match(withReportCsp("<p>x</p>", "s"), /<head><meta http-equiv="Content-Security-Policy".*<body><p>x<\/p><\/body>/);
  });
});

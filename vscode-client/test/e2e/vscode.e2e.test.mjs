// End-to-end test: the packaged msdev.vsix in a real VS Code (code-server), driven through
// headless Chromium the way a user works: open a PyTorch file, read the squiggles, the Problems
// panel and a hover, apply a quick fix, watch the status bar count; then point msdev at a Python
// with a foreign package called msdev (explained), and at an empty venv, where "Install msdev"
// installs the wheel the .vsix carries and the diagnostics come back.
//
//   npm run test:e2e          (packages msdev.vsix first)
//
// Environment:
//   MSDEV_E2E_PYTHON   interpreter with msdev installed (default: python3)
//   MSDEV_E2E_CACHE    where code-server is installed (default: ~/.cache/msdev-e2e), outside the repo
//   MSDEV_E2E_CHROMIUM chromium executable (default: /usr/bin/chromium; installed with apt if missing)
//   MSDEV_E2E_KEEP=1   keep the temporary workspace and profile for inspection
//   MSDEV_E2E_SCREENSHOT=1  also copy the hover screenshot to images/screenshot.png (the README's)
// Screenshots and logs go to test-results/ (gitignored).

import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLIENT = path.resolve(HERE, "..", "..");
const REPO = path.resolve(CLIENT, "..");
const RESULTS = path.join(CLIENT, "test-results");
const VSIX = path.join(CLIENT, "msdev.vsix");
const PYTHON = process.env.MSDEV_E2E_PYTHON || "python3";
const CACHE = process.env.MSDEV_E2E_CACHE || path.join(os.homedir(), ".cache", "msdev-e2e");
const CODE_SERVER_PREFIX = path.join(CACHE, "code-server");
const CODE_SERVER = path.join(CODE_SERVER_PREFIX, "bin", "code-server");
const INSTALL_SCRIPT = process.env.MSDEV_E2E_INSTALL_SCRIPT || path.resolve(REPO, "..", "shared", "tools", "install-code-server.sh");
const CHROMIUM = process.env.MSDEV_E2E_CHROMIUM || "/usr/bin/chromium";
const KEEP = process.env.MSDEV_E2E_KEEP === "1";

// The file a user migrates. Every line that uses PyTorch is one the server must flag.
const TRAIN_PY = `import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, kernel_size=3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(16)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        a = self.bn(self.conv(x))
        b = self.bn(self.conv(x))
        y = torch.cat([a, b], dim=1)
        return self.fc(torch.flatten(y, 1))
`;

const log = (...args) => console.log(...args); // the runner prints these as TAP comments

function sh(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: "utf8", ...options });
  return { code: result.status, out: `${result.stdout ?? ""}${result.stderr ?? ""}`, error: result.error };
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Waits stretch on a loaded machine (CI shares two cores); MSDEV_E2E_PATIENCE scales them. */
const PATIENCE = Number(process.env.MSDEV_E2E_PATIENCE ?? 3);

async function waitFor(check, what, timeoutMs = 30_000, intervalMs = 250) {
  timeoutMs *= PATIENCE;
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) {
        return value;
      }
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (${last.message})` : ""}`);
}

function ensureCodeServer() {
  if (fs.existsSync(CODE_SERVER) && sh(CODE_SERVER, ["--version"]).code === 0) {
    return;
  }
  log(`installing code-server into ${CODE_SERVER_PREFIX} (a few minutes the first time)`);
  assert.ok(fs.existsSync(INSTALL_SCRIPT), `install script not found: ${INSTALL_SCRIPT} (set MSDEV_E2E_INSTALL_SCRIPT)`);
  execFileSync("bash", [INSTALL_SCRIPT, CODE_SERVER_PREFIX], { stdio: "inherit" });
}

function ensureChromium() {
  if (fs.existsSync(CHROMIUM)) {
    return;
  }
  assert.equal(process.getuid?.(), 0, `${CHROMIUM} is missing; install it with: apt-get install chromium`);
  log("installing chromium with apt-get");
  execFileSync("apt-get", ["update", "-q"], { stdio: "inherit" });
  execFileSync("apt-get", ["install", "-y", "-q", "chromium"], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}

function checkPython() {
  const found = sh(PYTHON, ["-c", "import msdev"]);
  assert.equal(found.code, 0, `msdev is not importable with ${PYTHON} (set MSDEV_E2E_PYTHON): ${found.out}`);
  const lsp = sh(PYTHON, ["-m", "msdev", "lsp", "--help"], { env: { ...process.env, GLOG_v: "3" } });
  assert.equal(lsp.code, 0, `\`${PYTHON} -m msdev lsp --help\` failed: the language server is not available:\n${lsp.out}`);
  return PYTHON; // as given: a wrapper script or a bare command on PATH work as in the real setting
}

describe("msdev.vsix in VS Code (code-server)", { timeout: 15 * 60_000 }, () => {
  let tmp;
  let workspace;
  let userData;
  let codeServer;
  let browser;
  let page;
  let python;
  const codeServerLog = [];

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    for (const old of fs.readdirSync(RESULTS)) {
      fs.rmSync(path.join(RESULTS, old), { recursive: true, force: true });
    }
    assert.ok(fs.existsSync(VSIX), `${VSIX} is missing: run \`npm run package\` first`);
    python = checkPython();
    // the extension ships its server: the msdev wheel is inside the .vsix
    const listing = sh(python, ["-m", "zipfile", "-l", VSIX]);
    assert.match(listing.out, /extension\/bundled\/msdev_migrate-[\d.]+-py3-none-any\.whl/, `no bundled wheel in the vsix:\n${listing.out}`);
    ensureCodeServer();
    ensureChromium();

    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "msdev-e2e-"));
    workspace = path.join(tmp, "project");
    userData = path.join(tmp, "user-data");
    const extensions = path.join(tmp, "extensions");
    const xdg = path.join(tmp, "xdg-config");
    for (const dir of [workspace, path.join(userData, "User"), extensions, xdg, path.join(workspace, ".vscode")]) {
      fs.mkdirSync(dir, { recursive: true });
    }
    fs.writeFileSync(path.join(workspace, "train.py"), TRAIN_PY);
    fs.writeFileSync(
      path.join(userData, "User", "settings.json"),
      JSON.stringify(
        {
          "security.workspace.trust.enabled": false,
          "workbench.startupEditor": "none",
          "workbench.tips.enabled": false,
          "telemetry.telemetryLevel": "off",
          "extensions.autoCheckUpdates": false,
          "extensions.autoUpdate": false,
          "update.mode": "none",
          "chat.disableAIFeatures": true,
          "editor.minimap.enabled": false,
          "files.autoSave": "off", // code-server saves after a delay by default; keep train.py as written
          "editor.hover.delay": 200,
          "workbench.colorTheme": "Default Dark Modern",
          "workbench.secondarySideBar.defaultVisibility": "hidden",
          "msdev.interpreter": python,
          "msdev.trace.server": "messages", // the LSP traffic lands in test-results/vscode-logs
        },
        null,
        2,
      ),
    );
    // Workspace settings a user would write: identical/renamed uses shown in the Problems panel
    // too (the defaults make them hints, which the panel does not list), so the panel and the
    // status bar count the same uses. This also checks that settings reach the server.
    fs.writeFileSync(
      path.join(workspace, ".vscode", "settings.json"),
      JSON.stringify({ "msdev.severity.identical": "information", "msdev.severity.renamed": "information" }, null, 2),
    );
    const config = path.join(tmp, "code-server.yaml");
    fs.writeFileSync(config, "auth: none\ncert: false\n");
    const env = { ...process.env, EXTENSIONS_GALLERY: "{}", XDG_CONFIG_HOME: xdg, XDG_DATA_HOME: path.join(tmp, "xdg-data") };
    const common = ["--config", config, "--user-data-dir", userData, "--extensions-dir", extensions];

    const install = sh(CODE_SERVER, [...common, "--install-extension", VSIX], { env });
    assert.equal(install.code, 0, `installing the vsix failed:\n${install.out}`);
    assert.match(install.out, /successfully installed/, install.out);
    assert.ok(
      fs.readdirSync(extensions).some((d) => d.startsWith("msdev.msdev-")),
      `msdev.msdev is not in ${extensions} after the install`,
    );

    const port = await freePort();
    codeServer = spawn(
      CODE_SERVER,
      [
        ...common,
        "--bind-addr",
        `127.0.0.1:${port}`,
        "--auth",
        "none",
        "--disable-telemetry",
        "--disable-update-check",
        "--disable-workspace-trust",
        "--disable-getting-started-override",
        workspace,
      ],
      { env, detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    codeServer.stdout.on("data", (d) => codeServerLog.push(d.toString()));
    codeServer.stderr.on("data", (d) => codeServerLog.push(d.toString()));
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${base}/healthz`)).ok, "code-server /healthz", 60_000);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`${base}/?folder=${encodeURIComponent(workspace)}`);
    await page.waitForSelector(".monaco-workbench", { timeout: 60_000 });
  });

  after(async () => {
    try {
      if (page) {
        await page.screenshot({ path: path.join(RESULTS, "final.png") }).catch(() => {});
      }
      await browser?.close();
    } finally {
      if (codeServer?.pid) {
        try {
          process.kill(-codeServer.pid, "SIGTERM"); // its whole process group (server, extension host, msdev lsp)
        } catch {
          /* already gone */
        }
      }
      fs.writeFileSync(path.join(RESULTS, "code-server.log"), codeServerLog.join(""));
      if (userData && fs.existsSync(path.join(userData, "logs"))) {
        fs.cpSync(path.join(userData, "logs"), path.join(RESULTS, "vscode-logs"), { recursive: true });
      }
      if (tmp && !KEEP) {
        fs.rmSync(tmp, { recursive: true, force: true });
      } else if (tmp) {
        log(`kept ${tmp}`);
      }
    }
  });

  const shot = (name) => page.screenshot({ path: path.join(RESULTS, `${name}.png`) });

  /** The editor's lines as text (Monaco renders spaces as U+00A0). */
  async function editorLines() {
    const lines = await page.$$eval(".monaco-editor .view-lines .view-line", (nodes) =>
      nodes.map((n) => ({ top: parseFloat(n.style.top || "0"), text: n.textContent ?? "" })),
    );
    return lines.sort((a, b) => a.top - b.top).map((l) => l.text.replace(/\u00a0/g, " "));
  }

  /** Rows of the Problems panel under train.py: [{text, aria}] */
  async function problemRows() {
    return page.$$eval(".markers-panel .monaco-list-row", (rows) =>
      rows.map((r) => ({ text: r.textContent ?? "", aria: r.getAttribute("aria-label") ?? "" })).filter((r) => /MS\d{3}/.test(r.text + r.aria)),
    );
  }

  /** The status bar item's count: "<n> · portable". */
  async function statusCount() {
    const texts = await page.$$eval(".statusbar-item", (items) => items.map((i) => i.textContent ?? ""));
    const match = texts.map((t) => /(\d+) · (portable|ascend)/.exec(t)).find(Boolean);
    return match ? Number(match[1]) : undefined;
  }

  /** A span of the editor line that contains `needle`, to hover or click. */
  function tokenOn(lineText, token) {
    return page
      .locator(".monaco-editor .view-lines .view-line", { hasText: lineText })
      .first()
      .locator("span span", { hasText: token })
      .first();
  }

  it("flags the PyTorch uses with squiggles", async () => {
    await page.locator(".explorer-folders-view .monaco-list-row", { hasText: "train.py" }).first().click();
    await page.waitForSelector(".monaco-editor .view-lines", { timeout: 30_000 });
    // the server starts, reads the file and publishes diagnostics
    const count = await waitFor(
      async () => page.locator(".monaco-editor .squiggly-warning, .monaco-editor .squiggly-info, .monaco-editor .squiggly-error").count(),
      "msdev squiggles in train.py",
      90_000,
    );
    log(`squiggles: ${count}`);
    assert.ok(count >= 4, `expected squiggles under Conv2d, BatchNorm2d, Linear and cat, got ${count}`);
    await shot("1-squiggles");
  });

  let initialRows;
  it("lists msdev's codes and the MindSpore targets in the Problems panel", async () => {
    await page.keyboard.press("Control+Shift+M");
    await page.waitForSelector(".markers-panel", { timeout: 10_000 });
    initialRows = await waitFor(async () => {
      const rows = await problemRows();
      return rows.length >= 4 ? rows : undefined;
    }, "msdev rows in the Problems panel", 20_000);
    const all = initialRows.map((r) => r.text).join("\n");
    log(`problems:\n${initialRows.map((r) => `    ${r.text}`).join("\n")}`);
    for (const api of ["torch.nn.Conv2d", "torch.nn.BatchNorm2d", "torch.nn.Linear", "torch.cat"]) {
      const row = initialRows.find((r) => r.text.includes(`${api} `) || r.text.includes(`${api}→`) || r.text.includes(`${api} →`));
      assert.ok(row, `no Problems row for ${api} in:\n${all}`);
      assert.match(row.text, /msdev/, `row for ${api} does not name msdev as its source: ${row.text}`);
      assert.match(row.text, /MS1\d\d/, `row for ${api} has no msdev code: ${row.text}`);
      assert.match(row.text, /mindspore\.[\w.]+/, `row for ${api} names no MindSpore target: ${row.text}`);
    }
    await shot("2-problems");
  });

  it("shows the use count and the profile in the status bar", async () => {
    const count = await waitFor(statusCount, "the msdev status bar item", 10_000);
    log(`status bar count: ${count}, Problems rows: ${initialRows.length}`);
    assert.equal(count, initialRows.length, "the status bar count differs from the Problems panel");
  });

  it("explains the argument differences in a hover, with the note link", async () => {
    const token = tokenOn("nn.Conv2d(", "Conv2d");
    await token.scrollIntoViewIfNeeded();
    await token.hover();
    const hover = page.locator(".monaco-hover-content");
    // The widget shows the diagnostic at once and the server's hover (a table of the arguments
    // that differ) when it arrives; move the mouse again if the widget closed meanwhile.
    await waitFor(async () => {
      if ((await hover.count()) === 0) {
        const box = await token.boundingBox();
        await page.mouse.move(box.x + 2, box.y + 2);
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      }
      return (await page.locator(".monaco-hover-content table").count()) > 0;
    }, "the msdev hover with the argument table over Conv2d", 20_000, 500);
    const text = (await hover.allTextContents()).join("\n");
    console.log(`hover: ${text.replace(/\s+/g, " ").slice(0, 600)}`);
    assert.match(text, /mindspore\.nn\.Conv2d/, "the hover does not name the MindSpore target");
    const rows = await page.$$eval(".monaco-hover-content table tr", (trs) =>
      trs.map((tr) => [...tr.querySelectorAll("td,th")].map((c) => (c.textContent ?? "").trim())),
    );
    console.log(`hover table: ${JSON.stringify(rows)}`);
    // the argument differences of nn.Conv2d: bias is has_bias, padding_mode has no counterpart
    assert.ok(rows.some((r) => r[0] === "bias" && r[1] === "has_bias"), `no bias → has_bias row: ${JSON.stringify(rows)}`);
    assert.ok(rows.some((r) => r[0] === "padding_mode"), `no padding_mode row: ${JSON.stringify(rows)}`);
    const links = await page.$$eval(".monaco-hover-content a", (as) => as.map((a) => a.getAttribute("href") || a.getAttribute("data-href") || ""));
    console.log(`hover links: ${links.join(" ")}`);
    assert.ok(
      links.some((href) => /^https:\/\/www\.mindspore\.cn\/.*\/note\/api_mapping\/pytorch_diff\/Conv2d\.html$/.test(href)),
      `no link to the official difference note in the hover: ${links.join(", ")}`,
    );
    await shot("3-hover");
    if (process.env.MSDEV_E2E_SCREENSHOT === "1") {
      fs.copyFileSync(path.join(RESULTS, "3-hover.png"), path.join(CLIENT, "images", "screenshot.png")); // the README's
    }
    await page.keyboard.press("Escape");
  });

  it("applies a quick fix: the line becomes MindSpore code and the problem disappears", async () => {
    const before = await problemRows();
    const countBefore = await statusCount();
    const token = tokenOn("torch.cat(", "cat");
    await token.click();
    await page.keyboard.press("Control+.");
    const actions = page.locator(".action-widget .monaco-list-row");
    await waitFor(async () => (await actions.count()) > 0, "the quick fix menu", 15_000);
    const titles = await actions.allTextContents();
    log(`quick fixes: ${titles.join(" | ")}`);
    await shot("4-quickfix-menu");
    const fix = actions.filter({ hasText: /mindspore|MindSpore/ }).first();
    assert.ok((await fix.count()) > 0, `no quick fix that rewrites torch.cat to MindSpore: ${titles.join(" | ")}`);
    await fix.click();

    // the fix also writes a small function above the code (dtype promotion), which may push the line
    // out of view: scroll until it shows
    const editorArea = page.locator(".monaco-editor .view-lines").first();
    const lines = await waitFor(async () => {
      const now = await editorLines();
      if (now.some((l) => /torch\.cat\(/.test(l))) return undefined;
      if (now.some((l) => /\bcat\(/.test(l) && /\[a, b\]/.test(l))) return now;
      await editorArea.hover();
      await page.mouse.wheel(0, 300);
      return undefined;
    }, "the torch.cat line to change", 15_000);
    // torch.cat promotes mixed dtypes, MindSpore's cat does not: the rewrite casts the list first
    const fixed = lines.find((l) => /\bcat\(/.test(l) && /\[a, b\]/.test(l));
    log(`after the fix: ${fixed}`);
    assert.ok(fixed, `the torch.cat line is gone:\n${lines.join("\n")}`);
    assert.match(fixed, /(mindspore|ops|mint)\.(ops\.|mint\.)?cat\(promoted\(\[a, b\]\), 1\)$/, `not MindSpore code: ${fixed}`);

    // The torch.cat problem goes; no new one appears (uses whose receiver was the torch.cat
    // result may go too: that value is a MindSpore tensor now).
    const key = (row) => row.text.replace(/\[Ln \d+, Col \d+\]/, "");
    const after = await waitFor(async () => {
      const rows = await problemRows();
      return rows.length < before.length && !rows.some((r) => r.text.includes("torch.cat")) ? rows : undefined;
    }, "the torch.cat problem to disappear", 15_000);
    const beforeKeys = new Set(before.map(key));
    const added = after.filter((r) => !beforeKeys.has(key(r)));
    assert.deepEqual(added.map(key), [], "the quick fix introduced new problems");
    const countAfter = await waitFor(async () => {
      const c = await statusCount();
      return c === after.length ? c : undefined;
    }, `the status bar count to match the ${after.length} remaining problems`, 10_000);
    assert.ok(countAfter < countBefore, `the status bar count did not drop (${countBefore} → ${countAfter})`);
    await shot("5-after-fix");
  });

  /** Runs a command from the Command Palette by its title. */
  async function runCommand(title) {
    await page.keyboard.press("F1");
    const input = page.locator(".quick-input-widget input");
    await input.waitFor({ state: "visible", timeout: 10_000 });
    await input.fill(`>${title}`);
    const row = page.locator(".quick-input-widget .monaco-list-row", { hasText: title }).first();
    await row.waitFor({ state: "visible", timeout: 10_000 });
    await page.keyboard.press("Enter");
  }

  const toast = (text) => page.locator(".notifications-toasts .notification-toast", { hasText: text }).first();

  it("msdev: Search PyTorch ⇄ MindSpore API lists mappings from the server", async () => {
    await runCommand("msdev: Search PyTorch ⇄ MindSpore API");
    await page.locator(".quick-input-widget .quick-input-title", { hasText: "msdev: Search" }).waitFor({ timeout: 10_000 });
    const input = page.locator(".quick-input-widget input");
    await input.pressSequentially("Conv2d", { delay: 30 });
    const rows = page.locator(".quick-input-widget .monaco-list-row");
    const texts = await waitFor(async () => {
      const all = await rows.allTextContents();
      return all.some((t) => t.includes("torch.nn.Conv2d ⇄ mindspore.")) ? all : undefined;
    }, "search results for Conv2d", 15_000);
    console.log(`search: ${texts.slice(0, 4).join(" | ")}`);
    await shot("6-search");
    await page.keyboard.press("Escape");
  });

  it("msdev: Convert File to MindSpore shows a diff and writes a new file only when confirmed", async () => {
    const original = fs.readFileSync(path.join(workspace, "train.py"), "utf8");
    await page.locator(".tab", { hasText: "train.py" }).first().click();
    await runCommand("msdev: Convert File to MindSpore");
    await page.locator(".tab", { hasText: "train_ms.py (msdev convert)" }).first().waitFor({ timeout: 20_000 });
    const write = toast("Write the result to train_ms.py").locator(".monaco-button", { hasText: "Write train_ms.py" });
    await write.waitFor({ timeout: 10_000 });
    await shot("7-convert-diff");
    assert.equal(fs.existsSync(path.join(workspace, "train_ms.py")), false, "train_ms.py was written before the confirmation");
    await write.click();
    const written = path.join(workspace, "train_ms.py");
    await waitFor(() => fs.existsSync(written), "train_ms.py to be written", 10_000);
    const converted = fs.readFileSync(written, "utf8");
    assert.match(converted, /mindspore/, "the converted file does not use MindSpore");
    assert.doesNotMatch(converted, /torch\.cat\(/, "torch.cat is still in the converted file");
    assert.equal(fs.readFileSync(path.join(workspace, "train.py"), "utf8"), original, "the original file was changed on disk");
  });

  it("msdev: Scan Workspace reports progress and opens the HTML report", async () => {
    await runCommand("msdev: Scan Workspace");
    const done = toast("msdev scanned");
    await done.waitFor({ timeout: 60_000 });
    const message = (await done.locator(".notification-list-item-message").innerText()).trim();
    console.log(`scan: ${message}`);
    assert.match(message, /msdev scanned \d+ files?: \d+ PyTorch uses?/);
    await page.locator(".tab", { hasText: "msdev report: project" }).first().waitFor({ timeout: 10_000 });
    const report = page.frameLocator("iframe.webview").frameLocator("iframe").locator("body");
    await waitFor(async () => /torch\.nn\.Conv2d|Conv2d/.test((await report.textContent({ timeout: 2000 })) ?? ""), "the report in the webview", 15_000);
    await shot("8-scan-report");
    assert.equal(fs.existsSync(path.join(workspace, "msdev-report.html")), false, "the scan wrote a report into the user's folder");
  });

  /** Points msdev.interpreter at `interpreter` in the workspace settings, as a user would (msdev restarts). */
  function useInterpreter(interpreter) {
    const settingsFile = path.join(workspace, ".vscode", "settings.json");
    const settings = JSON.parse(fs.readFileSync(settingsFile, "utf8"));
    fs.writeFileSync(settingsFile, JSON.stringify({ ...settings, "msdev.interpreter": interpreter }, null, 2));
  }

  it("explains a different package called msdev instead of failing with EPIPE", async () => {
    // what PyPI serves under the name msdev: an unrelated project that is importable as msdev
    const foreign = path.join(tmp, "foreign-site");
    fs.mkdirSync(path.join(foreign, "msdev"), { recursive: true });
    fs.writeFileSync(path.join(foreign, "msdev", "__init__.py"), '__version__ = "0.16.0"\n');
    // the real interpreter behind MSDEV_E2E_PYTHON (which may be a wrapper that sets its own PYTHONPATH),
    // without its site-packages, so only the foreign msdev is importable
    const real = sh(python, ["-c", "import sys; print(sys.executable)"]).out.trim();
    const wrapper = path.join(tmp, "python-with-foreign-msdev");
    fs.writeFileSync(wrapper, `#!/bin/sh\nPYTHONPATH="${foreign}" exec "${real}" -S "$@"\n`, { mode: 0o755 });
    useInterpreter(wrapper);
    const note = toast("a different package named msdev");
    await note.waitFor({ timeout: 30_000 });
    const text = (await note.locator(".notification-list-item-message").innerText()).trim();
    const buttons = await note.locator(".monaco-button").allTextContents();
    console.log(`foreign: ${text} buttons: ${buttons.join(", ")}`);
    assert.match(text, /version 0\.16\.0/);
    assert.match(text, /pip uninstall msdev/);
    assert.ok(buttons.includes("Select Interpreter"), `no Select Interpreter button: ${buttons.join(", ")}`);
    await shot("9-foreign-msdev");
    await note.locator(".codicon-notifications-clear, .codicon-close").first().click().catch(() => {});
  });

  it("installs the bundled msdev into an empty venv through Install msdev, then shows diagnostics", async () => {
    const venv = path.join(tmp, "empty-venv");
    const made = sh(python, ["-m", "venv", venv]);
    assert.equal(made.code, 0, `python -m venv failed: ${made.out}`);
    const venvPython = path.join(venv, "bin", "python");
    assert.notEqual(sh(venvPython, ["-c", "import msdev"]).code, 0, "the new venv already has msdev");
    useInterpreter(venvPython);
    const offer = toast("msdev package is not installed");
    await offer.waitFor({ timeout: 30_000 });
    const offerText = (await offer.locator(".notification-list-item-message").innerText()).trim();
    console.log(`offer: ${offerText}`);
    assert.match(offerText, /the msdev [\d.]+ server this extension carries/);
    const warning = await waitFor(async () => {
      const texts = await page.$$eval(".statusbar-item", (items) => items.map((i) => i.getAttribute("aria-label") ?? i.textContent ?? ""));
      return texts.find((t) => /msdev/.test(t) && /not running/.test(t));
    }, "the status bar to show that the server is not running", 10_000);
    console.log(`status: ${warning}`);
    await shot("10-missing-msdev");
    await offer.locator(".monaco-button", { hasText: "Install msdev" }).click();
    // pip installs the wheel from the .vsix (its dependencies come from the package index)
    await toast("installed msdev in").waitFor({ timeout: 10 * 60_000 });
    const installed = sh(venvPython, ["-c", "import importlib.metadata as m, msdev; print(m.version('msdev-migrate'), msdev.__file__)"]);
    console.log(`installed: ${installed.out.trim()}`);
    assert.equal(installed.code, 0, installed.out);
    assert.ok(installed.out.includes(venv), `msdev was not installed into the venv: ${installed.out}`);
    const rows = await waitFor(async () => {
      const now = await problemRows();
      return now.length >= 3 ? now : undefined;
    }, "diagnostics from the freshly installed server", 90_000);
    console.log(`after the install: ${rows.length} problems`);
    await shot("11-installed-from-bundle");
  });
});

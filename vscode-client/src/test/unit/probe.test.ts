import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { bundledWheel, identifyMsdev, pipInstallArgs, run } from "../../probe";

// Runs real processes: the Python that runs these tests' sibling (python3 on PATH).
const python = process.env.MSDEV_TEST_PYTHON ?? "python3";

/** An executable script that runs `python3 -S` (no site-packages) with PYTHONPATH set to `dirs`. */
function interpreterWith(dirs: string[], pythonExe = python): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "msdev-probe-"));
  const script = path.join(folder, "python");
  fs.writeFileSync(script, `#!/bin/sh\nPYTHONPATH="${dirs.join(":")}" exec "${pythonExe}" -S "$@"\n`, { mode: 0o755 });
  return script;
}

/** A folder holding a package called msdev, the way the unrelated PyPI project looks to Python. */
function foreignMsdev(): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "msdev-foreign-"));
  fs.mkdirSync(path.join(folder, "msdev"));
  fs.writeFileSync(path.join(folder, "msdev", "__init__.py"), '__version__ = "0.16.0"\n');
  return folder;
}

const REPO_SERVER = path.resolve(__dirname, "..", "..", "..", "..", "server");

describe("identifyMsdev", () => {
  it("accepts this msdev when its language server imports", async () => {
    // the interpreter CI installs msdev into (it has pygls and the other dependencies)
    const withDeps = process.env.MSDEV_E2E_PYTHON ?? python;
    const result = await identifyMsdev(withDeps);
    assert.equal(result.ok, true, result.detail);
    assert.match(result.version ?? "", /^\d+\.\d+/);
  });

  it("reports an interpreter without msdev", async () => {
    const result = await identifyMsdev(interpreterWith([]));
    assert.equal(result.ok, false);
    assert.equal(result.problem, "not-importable");
    assert.match(result.detail, /No module named 'msdev'/);
  });

  it("recognises another package that is also called msdev", async () => {
    const result = await identifyMsdev(interpreterWith([foreignMsdev()]));
    assert.equal(result.ok, false);
    assert.equal(result.problem, "foreign");
    assert.equal(result.version, "0.16.0");
    assert.match(result.detail, /a different package named msdev \(version 0\.16\.0\) in .*msdev-foreign-.*, not the PyTorch → MindSpore language server/);
  });

  it("reports this msdev without its dependencies as broken", async () => {
    const result = await identifyMsdev(interpreterWith([REPO_SERVER]));
    assert.equal(result.ok, false);
    assert.equal(result.problem, "broken");
    assert.match(result.detail, /ModuleNotFoundError/);
  });

  it("reports an interpreter that does not exist", async () => {
    const result = await identifyMsdev("/nonexistent/bin/python3");
    assert.equal(result.ok, false);
    assert.equal(result.problem, "missing-interpreter");
    assert.match(result.detail, /ENOENT/);
  });

  it("gives up on an interpreter that hangs", async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "msdev-hang-"));
    const script = path.join(folder, "python");
    fs.writeFileSync(script, "#!/bin/sh\nsleep 30\n", { mode: 0o755 });
    const result = await identifyMsdev(script, 500);
    assert.equal(result.ok, false);
    assert.equal(result.problem, "timeout");
  });
});

describe("bundledWheel", () => {
  it("finds the wheel the extension carries and reads its version", () => {
    const ext = fs.mkdtempSync(path.join(os.tmpdir(), "msdev-ext-"));
    assert.equal(bundledWheel(ext), undefined);
    fs.mkdirSync(path.join(ext, "bundled"));
    fs.writeFileSync(path.join(ext, "bundled", "msdev_migrate-0.3.1-py3-none-any.whl"), "");
    fs.writeFileSync(path.join(ext, "bundled", "msdev-0.16.0-py3-none-any.whl"), ""); // never the foreign name
    assert.deepEqual(bundledWheel(ext), {
      path: path.join(ext, "bundled", "msdev_migrate-0.3.1-py3-none-any.whl"),
      version: "0.3.1",
    });
  });
});

describe("run", () => {
  it("streams output and returns the exit code", async () => {
    const chunks: string[] = [];
    const result = await run(python, ["-c", "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"], {
      onOutput: (chunk) => chunks.push(chunk),
    });
    assert.equal(result.code, 3);
    assert.equal(result.stdout.trim(), "out");
    assert.equal(result.stderr.trim(), "err");
    assert.match(chunks.join(""), /out/);
  });

  it("stops when cancelled", async () => {
    const abort = new AbortController();
    const started = Date.now();
    const pending = run(python, ["-c", "import time; time.sleep(30)"], { signal: abort.signal });
    setTimeout(() => abort.abort(), 200);
    const result = await pending;
    assert.ok(Date.now() - started < 10_000);
    assert.notEqual(result.code, 0);
  });
});

describe("pipInstallArgs", () => {
  it("installs the bundled wheel with the interpreter's own pip", () => {
    assert.deepEqual(pipInstallArgs("/ext/bundled/msdev_migrate-0.1.0-py3-none-any.whl"), [
      "-m",
      "pip",
      "install",
      "--upgrade",
      "/ext/bundled/msdev_migrate-0.1.0-py3-none-any.whl",
    ]);
  });

  it("falls back to the published distribution, never to the PyPI name msdev", () => {
    assert.deepEqual(pipInstallArgs(), ["-m", "pip", "install", "--upgrade", "msdev-migrate"]);
  });
});

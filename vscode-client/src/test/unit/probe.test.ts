import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkImportable, pipInstallArgs, run } from "../../probe";

// Runs real processes: the Python that runs these tests' sibling (python3 on PATH).
const python = process.env.MSDEV_TEST_PYTHON ?? "python3";

describe("checkImportable", () => {
  it("accepts a module the interpreter has", async () => {
    const result = await checkImportable(python, "json");
    assert.deepEqual(result, { ok: true, detail: "" });
  });

  it("reports a module the interpreter lacks, with Python's own last line", async () => {
    const result = await checkImportable(python, "msdev_no_such_module_xyz");
    assert.equal(result.ok, false);
    assert.equal(result.problem, "not-importable");
    assert.match(result.detail, /ModuleNotFoundError: No module named 'msdev_no_such_module_xyz'/);
  });

  it("reports an interpreter that does not exist", async () => {
    const result = await checkImportable("/nonexistent/bin/python3", "json");
    assert.equal(result.ok, false);
    assert.equal(result.problem, "missing-interpreter");
    assert.match(result.detail, /ENOENT/);
  });

  it("gives up on an interpreter that hangs", async () => {
    const result = await checkImportable(python, "time; time.sleep(30)", 500);
    assert.equal(result.ok, false);
    assert.equal(result.problem, "timeout");
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
  it("installs msdev with the interpreter's own pip", () => {
    assert.deepEqual(pipInstallArgs(), ["-m", "pip", "install", "--upgrade", "msdev-migrate"]);
  });
});

/**
 * Runs the chosen interpreter to check that it holds *this* msdev (not another package that
 * happens to be called msdev) and to install the wheel bundled with the extension.
 * Uses only Node (no `vscode` import) so it is unit tested against real Python processes.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** The distribution msdev is published as (the PyPI name `msdev` belongs to an unrelated project). */
export const DISTRIBUTION = "msdev-migrate";

export interface ProbeResult {
  ok: boolean;
  /**
   * "missing-interpreter": the executable could not be started at all; "not-importable": no msdev;
   * "foreign": a package named msdev that is not this one; "broken": this msdev, but its server
   * cannot be imported (a dependency is missing).
   */
  problem?: "missing-interpreter" | "not-importable" | "timeout" | "foreign" | "broken";
  /** stderr (trimmed) or the spawn error: what to show in the output channel. */
  detail: string;
  /** The installed msdev's version, when one was found. */
  version?: string;
  /** Where that msdev lives (its package folder). */
  location?: string;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  spawnError?: NodeJS.ErrnoException;
  timedOut: boolean;
}

/** Runs a command and collects its output; never rejects. */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; timeoutMs?: number; onOutput?: (chunk: string) => void; signal?: AbortSignal } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    let settled = false;
    const finish = (result: RunResult): void => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        resolve(result);
      }
    };
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, PYTHONUNBUFFERED: "1", PIP_DISABLE_PIP_VERSION_CHECK: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      signal: options.signal,
    });
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill();
        }, options.timeoutMs)
      : undefined;
    child.stdout.on("data", (data: Buffer) => {
      const text = data.toString();
      stdout += text;
      options.onOutput?.(text);
    });
    child.stderr.on("data", (data: Buffer) => {
      const text = data.toString();
      stderr += text;
      options.onOutput?.(text);
    });
    child.on("error", (err: NodeJS.ErrnoException) => {
      finish({ code: null, stdout, stderr, spawnError: err, timedOut });
    });
    child.on("close", (code) => {
      finish({ code, stdout, stderr, timedOut });
    });
  });
}

/**
 * Asks the interpreter which msdev it has. Ours says `msdev.DISTRIBUTION == "msdev-migrate"` and
 * imports its language server; anything else named msdev is reported as foreign.
 */
const IDENTIFY = `
import importlib.util, json, os
out = {}
try:
    import msdev
except Exception as exc:
    out["state"] = "missing"; out["detail"] = f"{type(exc).__name__}: {exc}"
else:
    out["location"] = os.path.dirname(getattr(msdev, "__file__", None) or "") or None
    out["version"] = str(getattr(msdev, "__version__", "") or "")
    if not out["version"]:
        try:
            from importlib.metadata import packages_distributions, version
            out["version"] = version(packages_distributions()["msdev"][0])
        except Exception:
            pass
    if getattr(msdev, "DISTRIBUTION", None) != "${DISTRIBUTION}" and importlib.util.find_spec("msdev.lsp") is None:
        out["state"] = "foreign"
    else:
        try:
            import msdev.lsp.server
            out["state"] = "ok"
        except Exception as exc:
            out["state"] = "broken"; out["detail"] = f"{type(exc).__name__}: {exc}"
print("MSDEV-IDENTITY " + json.dumps(out))
`;

/** Which msdev `<python>` has: ours and able to start its server, missing, foreign or broken. */
export async function identifyMsdev(python: string, timeoutMs = 60_000): Promise<ProbeResult> {
  const result = await run(python, ["-c", IDENTIFY], { timeoutMs });
  if (result.spawnError) {
    return { ok: false, problem: "missing-interpreter", detail: `${python}: ${result.spawnError.message}` };
  }
  if (result.timedOut) {
    return { ok: false, problem: "timeout", detail: `${python} took more than ${timeoutMs / 1000} s to import msdev` };
  }
  const line = result.stdout.split(/\r?\n/).find((l) => l.startsWith("MSDEV-IDENTITY "));
  if (result.code !== 0 || !line) {
    const lastLine = result.stderr.trim().split(/\r?\n/).pop() ?? "";
    return { ok: false, problem: "not-importable", detail: lastLine || `exit code ${result.code}` };
  }
  const found = JSON.parse(line.slice("MSDEV-IDENTITY ".length)) as {
    state: string;
    detail?: string;
    version?: string;
    location?: string;
  };
  const where = { version: found.version || undefined, location: found.location || undefined };
  switch (found.state) {
    case "ok":
      return { ok: true, detail: "", ...where };
    case "foreign":
      return {
        ok: false,
        problem: "foreign",
        detail: `a different package named msdev${found.version ? ` (version ${found.version})` : ""}${
          found.location ? ` in ${found.location}` : ""
        }, not the PyTorch → MindSpore language server`,
        ...where,
      };
    case "broken":
      return { ok: false, problem: "broken", detail: found.detail ?? "msdev.lsp.server cannot be imported", ...where };
    default:
      return { ok: false, problem: "not-importable", detail: found.detail ?? "msdev is not installed" };
  }
}

/** The msdev wheel the extension carries (bundled/msdev_migrate-<version>-py3-none-any.whl), if any. */
export function bundledWheel(extensionPath: string): { path: string; version: string } | undefined {
  const folder = path.join(extensionPath, "bundled");
  let names: string[] = [];
  try {
    names = fs.readdirSync(folder);
  } catch {
    return undefined;
  }
  const name = names.filter((n) => /^msdev_migrate-[^-]+-py3-none-any\.whl$/.test(n)).sort().pop();
  return name ? { path: path.join(folder, name), version: name.split("-")[1] } : undefined;
}

/**
 * The arguments of the install the notification offers: the bundled wheel (a file, so no index
 * decides which msdev it is; its dependencies come from the index as usual), or, when the
 * extension carries none (a development build), the published distribution.
 */
export function pipInstallArgs(wheel?: string): string[] {
  return ["-m", "pip", "install", "--upgrade", wheel ?? DISTRIBUTION];
}

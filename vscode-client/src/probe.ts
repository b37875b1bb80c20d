/**
 * Runs the chosen interpreter to check that msdev is importable and to `pip install` it.
 * Uses only Node (no `vscode` import) so it is unit tested against real Python processes.
 */
import { spawn } from "node:child_process";

export interface ProbeResult {
  ok: boolean;
  /** "missing-interpreter" when the executable could not be started at all. */
  problem?: "missing-interpreter" | "not-importable" | "timeout";
  /** stderr (trimmed) or the spawn error: what to show in the output channel. */
  detail: string;
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

/** Whether `<python> -c "import <module>"` succeeds (msdev by default). */
export async function checkImportable(python: string, module = "msdev", timeoutMs = 30_000): Promise<ProbeResult> {
  const result = await run(python, ["-c", `import ${module}`], { timeoutMs });
  if (result.spawnError) {
    return { ok: false, problem: "missing-interpreter", detail: `${python}: ${result.spawnError.message}` };
  }
  if (result.timedOut) {
    return { ok: false, problem: "timeout", detail: `${python} -c "import ${module}" took more than ${timeoutMs / 1000} s` };
  }
  if (result.code !== 0) {
    const lastLine = result.stderr.trim().split(/\r?\n/).pop() ?? "";
    return { ok: false, problem: "not-importable", detail: lastLine || `exit code ${result.code}` };
  }
  return { ok: true, detail: "" };
}

/** The arguments of the install the notification offers. */
export function pipInstallArgs(packageName = "msdev-migrate"): string[] {
  return ["-m", "pip", "install", "--upgrade", packageName];
}

/**
 * Which Python runs `python -m msdev lsp`. Pure (no `vscode` import) so it is unit tested.
 *
 * Order (the convention of microsoft/vscode-python-tools-extension-template and ruff):
 *  1. `msdev.interpreter`, when the user set it: an explicit choice for this tool wins;
 *  2. the interpreter selected in the Python extension, when that extension is installed;
 *  3. `python3` (`python` on Windows) from PATH.
 */
import * as path from "node:path";

export type InterpreterSource = "setting" | "python-extension" | "default";

export interface InterpreterChoice {
  /** The executable to spawn. */
  command: string;
  source: InterpreterSource;
  /** One line for the output channel: where the choice came from. */
  reason: string;
}

export interface InterpreterInputs {
  /** `msdev.interpreter` as written by the user ("" when unset). */
  setting: string;
  /** Whether ms-python.python is installed (and enabled). */
  pythonExtensionInstalled: boolean;
  /** The Python extension's active interpreter for the workspace, if it reports one. */
  pythonExtensionPath?: string;
  /** Folder that `${workspaceFolder}` and relative setting paths refer to. */
  workspaceFolder?: string;
  userHome: string;
  env: Readonly<Record<string, string | undefined>>;
  platform: NodeJS.Platform;
}

/** Expands `${workspaceFolder}`, `${userHome}`, `${env:NAME}` and a leading `~` in a setting value. */
export function expandVariables(
  value: string,
  vars: { workspaceFolder?: string; userHome: string; env: Readonly<Record<string, string | undefined>> },
): string {
  let out = value.replace(/\$\{(workspaceFolder|userHome|env:([A-Za-z_][A-Za-z0-9_]*))\}/g, (match, name: string, envName?: string) => {
    if (name === "workspaceFolder") {
      return vars.workspaceFolder ?? match;
    }
    if (name === "userHome") {
      return vars.userHome;
    }
    return vars.env[envName ?? ""] ?? "";
  });
  if (out === "~" || out.startsWith("~/") || out.startsWith("~\\")) {
    out = vars.userHome + out.slice(1);
  }
  return out;
}

/** Whether a value names a file path (as opposed to a bare command looked up on PATH). */
function looksLikePath(value: string): boolean {
  return value.includes("/") || value.includes("\\");
}

export function defaultPython(platform: NodeJS.Platform): string {
  return platform === "win32" ? "python" : "python3";
}

export function chooseInterpreter(inputs: InterpreterInputs): InterpreterChoice {
  const setting = inputs.setting.trim();
  if (setting) {
    let command = expandVariables(setting, inputs);
    const pathApi = inputs.platform === "win32" ? path.win32 : path.posix;
    if (looksLikePath(command) && !pathApi.isAbsolute(command) && inputs.workspaceFolder) {
      command = pathApi.resolve(inputs.workspaceFolder, command);
    }
    return { command, source: "setting", reason: `msdev.interpreter is set to ${setting}` };
  }
  if (inputs.pythonExtensionInstalled && inputs.pythonExtensionPath) {
    return {
      command: inputs.pythonExtensionPath,
      source: "python-extension",
      reason: "the interpreter selected in the Python extension",
    };
  }
  const command = defaultPython(inputs.platform);
  const why = inputs.pythonExtensionInstalled
    ? "the Python extension reports no interpreter and msdev.interpreter is not set"
    : "the Python extension is not installed and msdev.interpreter is not set";
  return { command, source: "default", reason: `${command} from PATH (${why})` };
}

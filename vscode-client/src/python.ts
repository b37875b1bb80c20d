/** The Python extension's API (ms-python.python), when that extension is installed. */
import { PythonExtension } from "@vscode/python-extension";
import * as vscode from "vscode";

export const PYTHON_EXTENSION_ID = "ms-python.python";

export interface PythonExtensionInterpreter {
  installed: boolean;
  path?: string;
}

let api: PythonExtension | undefined;

async function getApi(): Promise<PythonExtension | undefined> {
  if (!vscode.extensions.getExtension(PYTHON_EXTENSION_ID)) {
    return undefined;
  }
  if (!api) {
    api = await PythonExtension.api();
  }
  return api;
}

/** The interpreter the user selected in the Python extension for `resource`. */
export async function pythonExtensionInterpreter(
  resource: vscode.Uri | undefined,
  log: vscode.LogOutputChannel,
): Promise<PythonExtensionInterpreter> {
  try {
    const python = await getApi();
    if (!python) {
      return { installed: false };
    }
    const active = python.environments.getActiveEnvironmentPath(resource);
    const resolved = await python.environments.resolveEnvironment(active);
    const executable = resolved?.executable.uri?.fsPath;
    return { installed: true, path: executable };
  } catch (err) {
    log.warn(`Could not ask the Python extension for its interpreter: ${String(err)}`);
    return { installed: true };
  }
}

/** Calls `listener` when the user selects another interpreter in the Python extension. */
export async function onPythonInterpreterChanged(listener: () => void): Promise<vscode.Disposable | undefined> {
  try {
    const python = await getApi();
    return python?.environments.onDidChangeActiveEnvironmentPath(() => listener());
  } catch {
    return undefined;
  }
}

export function isPythonExtensionInstalled(): boolean {
  return vscode.extensions.getExtension(PYTHON_EXTENSION_ID) !== undefined;
}

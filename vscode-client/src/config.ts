/** Reads the `msdev.*` settings from VS Code (the validation itself lives in settings.ts). */
import * as vscode from "vscode";
import { readSettings, SettingsReport } from "./settings";

export const SECTION = "msdev";

export function currentSettings(scope?: vscode.ConfigurationScope): SettingsReport {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  return readSettings((key) => config.get(key));
}

/** The folder the server runs in and `${workspaceFolder}` refers to: the first workspace folder. */
export function primaryFolder(): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.workspaceFolders?.[0];
}

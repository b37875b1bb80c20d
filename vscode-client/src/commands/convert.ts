/**
 * "msdev: Convert File to MindSpore": asks the server for the converted text, shows a diff of
 * original vs converted, and writes the new file only when the user confirms.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import { ConvertResult, convertPrompt } from "../present";
import { MsdevServer } from "../server";

export const CONVERTED_SCHEME = "msdev-converted";

/** Serves the converted text to the diff editor (read-only, nothing on disk yet). */
export class ConvertedContentProvider implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;

  set(uri: vscode.Uri, text: string): void {
    this.texts.set(uri.toString(), text);
    this.emitter.fire(uri);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? "";
  }
}

function sourceUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) {
    return arg;
  }
  const editor = vscode.window.activeTextEditor;
  return editor?.document.uri;
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

export async function convertFile(server: MsdevServer, provider: ConvertedContentProvider, arg?: unknown): Promise<void> {
  const uri = sourceUri(arg);
  if (!uri || uri.scheme !== "file" || !uri.fsPath.endsWith(".py")) {
    void vscode.window.showWarningMessage("msdev: open a Python file (.py) on disk to convert it.");
    return;
  }
  let result: ConvertResult;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `msdev: converting ${path.basename(uri.fsPath)}…` },
      () => server.executeCommand<ConvertResult>("msdev.convertFile", [uri.toString()]),
    );
  } catch (err) {
    void vscode.window.showErrorMessage(`msdev: the conversion failed: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  if (!result || typeof result.text !== "string" || !result.target_uri) {
    void vscode.window.showErrorMessage("msdev: the server returned no converted text.");
    return;
  }
  let target = vscode.Uri.parse(result.target_uri);
  if (target.toString() === uri.toString()) {
    void vscode.window.showErrorMessage("msdev: refusing to convert a file onto itself.");
    return;
  }
  const targetName = path.basename(target.fsPath);
  const preview = vscode.Uri.from({ scheme: CONVERTED_SCHEME, path: target.path, query: String(Date.now()) });
  provider.set(preview, result.text);
  await vscode.commands.executeCommand(
    "vscode.diff",
    uri,
    preview,
    `${path.basename(uri.fsPath)} ↔ ${targetName} (msdev convert)`,
    { preview: true },
  );

  const write = `Write ${targetName}`;
  const pick = await vscode.window.showInformationMessage(convertPrompt(result, targetName), write, "Cancel");
  if (pick !== write) {
    return;
  }
  if (await exists(target)) {
    const replace = "Replace";
    const other = "Save As…";
    const answer = await vscode.window.showWarningMessage(
      `${targetName} already exists. Replace it with the converted file?`,
      { modal: true },
      replace,
      other,
    );
    if (answer === other) {
      const chosen = await vscode.window.showSaveDialog({ defaultUri: target, filters: { Python: ["py"] } });
      if (!chosen || chosen.toString() === uri.toString()) {
        return;
      }
      target = chosen;
    } else if (answer !== replace) {
      return;
    }
  }
  await vscode.workspace.fs.writeFile(target, Buffer.from(result.text, "utf8"));
  await vscode.window.showTextDocument(target, { preview: false });
  void vscode.window.showInformationMessage(`msdev: wrote ${vscode.workspace.asRelativePath(target)}.`);
}

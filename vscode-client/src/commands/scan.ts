/** "msdev: Scan Workspace": runs the server's scan with a progress notification and shows the report. */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import * as vscode from "vscode";
import { ScanSummary, scanMessage, withReportCsp } from "../present";
import { MsdevServer } from "../server";

interface ScanResponse {
  summary: ScanSummary;
  report: string;
}

let panel: vscode.WebviewPanel | undefined;

async function pickFolder(): Promise<vscode.WorkspaceFolder | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length <= 1) {
    return folders[0];
  }
  return vscode.window.showWorkspaceFolderPick({ placeHolder: "Folder to scan for PyTorch uses" });
}

export async function scanWorkspace(context: vscode.ExtensionContext, server: MsdevServer): Promise<void> {
  const folder = await pickFolder();
  if (!folder) {
    void vscode.window.showWarningMessage("msdev: open a folder to scan it.");
    return;
  }
  if (folder.uri.scheme !== "file") {
    void vscode.window.showWarningMessage("msdev: only folders on disk can be scanned.");
    return;
  }
  // The report goes to the extension's storage, never into the user's folder.
  const storage = context.storageUri ?? context.globalStorageUri;
  await fs.mkdir(storage.fsPath, { recursive: true });
  const output = path.join(storage.fsPath, `msdev-report-${folder.name.replace(/[^\w.-]+/g, "_")}.html`);

  let response: ScanResponse;
  try {
    response = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `msdev: scanning ${folder.name}…`, cancellable: false },
      () =>
        server.executeCommand<ScanResponse>("msdev.scanWorkspace", [
          { root: folder.uri.fsPath, format: "html", output },
        ]),
    );
  } catch (err) {
    void vscode.window.showErrorMessage(`msdev: the scan failed: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  const reportPath = response?.report || output;
  await showReport(reportPath, folder.name);
  const openInBrowser = "Open in Browser";
  const message = response?.summary ? scanMessage(response.summary) : "msdev: the scan finished.";
  void vscode.window.showInformationMessage(message, openInBrowser).then((pick) => {
    if (pick === openInBrowser) {
      void vscode.env.openExternal(vscode.Uri.file(reportPath));
    }
  });
}

async function showReport(reportPath: string, folderName: string): Promise<void> {
  let html: string;
  try {
    html = await fs.readFile(reportPath, "utf8");
  } catch (err) {
    void vscode.window.showErrorMessage(`msdev: cannot read the report ${reportPath}: ${String(err)}`);
    return;
  }
  const title = `msdev report: ${folderName}`;
  const root = vscode.Uri.file(path.dirname(reportPath));
  if (!panel) {
    panel = vscode.window.createWebviewPanel("msdev.report", title, vscode.ViewColumn.Active, {
      enableScripts: true,
      enableFindWidget: true,
      retainContextWhenHidden: false,
      localResourceRoots: [root],
    });
    panel.onDidDispose(() => (panel = undefined));
  } else {
    panel.title = title;
    panel.reveal(vscode.ViewColumn.Active);
  }
  panel.webview.html = withReportCsp(html, panel.webview.cspSource);
}

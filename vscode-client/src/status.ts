/** The status bar item: PyTorch uses (msdev diagnostics) in the active file, and the profile. */
import * as path from "node:path";
import * as vscode from "vscode";
import { statusView } from "./present";
import { DOCUMENT_SELECTOR, MsdevServer } from "./server";

/** msdev diagnostics of one document: each is one PyTorch use. */
export function countUses(uri: vscode.Uri): number {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === "msdev").length;
}

export class StatusItem implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly server: MsdevServer) {
    this.item = vscode.window.createStatusBarItem("msdev.status", vscode.StatusBarAlignment.Right, 100);
    this.item.name = "msdev";
    this.disposables.push(
      this.item,
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      vscode.languages.onDidChangeDiagnostics((event) => {
        const active = vscode.window.activeTextEditor?.document.uri.toString();
        if (active && event.uris.some((uri) => uri.toString() === active)) {
          this.update();
        }
      }),
      server.onDidChangeState(() => this.update()),
    );
    this.update();
  }

  update(): void {
    const document = vscode.window.activeTextEditor?.document;
    const isPython = document !== undefined && vscode.languages.match(DOCUMENT_SELECTOR, document) > 0;
    if (!isPython && this.server.state === "running") {
      this.item.hide();
      return;
    }
    const uses = isPython && document ? countUses(document.uri) : undefined;
    const view = statusView(this.server.state, this.server.profile, uses, document ? path.basename(document.uri.fsPath) : undefined);
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.accessibilityInformation = { label: view.tooltip.replace("$(", "") };
    this.item.backgroundColor = view.warning ? new vscode.ThemeColor("statusBarItem.warningBackground") : undefined;
    this.item.command = view.warning ? "msdev.showOutput" : "workbench.actions.view.problems";
    this.item.show();
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) {
      disposable.dispose();
    }
  }
}

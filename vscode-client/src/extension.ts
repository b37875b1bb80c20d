/** msdev for VS Code: a thin client that runs `python -m msdev lsp` and adds commands around it. */
import * as vscode from "vscode";
import { CONVERTED_SCHEME, ConvertedContentProvider, convertFile } from "./commands/convert";
import { scanWorkspace } from "./commands/scan";
import { searchApi } from "./commands/search";
import { MsdevServer } from "./server";
import { StatusItem } from "./status";

// Client command ids differ from the server's workspace/executeCommand ids (msdev.scanWorkspace,
// msdev.convertFile, msdev.searchApi): vscode-languageclient registers those itself.
let server: MsdevServer | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel("msdev", { log: true });
  context.subscriptions.push(log);
  log.info(`msdev ${context.extension.packageJSON.version} activating.`);

  server = new MsdevServer(log, context.extensionPath);
  const msdev = server;
  context.subscriptions.push({ dispose: () => void msdev.dispose() });
  context.subscriptions.push(new StatusItem(msdev));

  const converted = new ConvertedContentProvider();
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(CONVERTED_SCHEME, converted),
    vscode.commands.registerCommand("msdev.scan", () => scanWorkspace(context, msdev)),
    vscode.commands.registerCommand("msdev.convert", (uri?: vscode.Uri) => convertFile(msdev, converted, uri)),
    vscode.commands.registerCommand("msdev.search", () => searchApi(msdev)),
    vscode.commands.registerCommand("msdev.restart", () => msdev.restart("requested by the user")),
    vscode.commands.registerCommand("msdev.showOutput", () => log.show()),
    vscode.commands.registerCommand("msdev.selectInterpreter", () => msdev.selectInterpreter()),
  );

  await msdev.start();
}

export async function deactivate(): Promise<void> {
  await server?.dispose();
  server = undefined;
}

/**
 * The language server's lifecycle: choose the interpreter, check that msdev is importable there
 * (offering to install it or to pick another interpreter), start `python -m msdev lsp`, and keep
 * the server's settings in step with VS Code's.
 */
import * as os from "node:os";
import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  Executable,
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  State,
} from "vscode-languageclient/node";
import { currentSettings, primaryFolder, SECTION } from "./config";
import { chooseInterpreter, InterpreterChoice } from "./interpreter";
import { ServerState } from "./present";
import { bundledWheel, identifyMsdev, pipInstallArgs, ProbeResult, run } from "./probe";
import { isPythonExtensionInstalled, onPythonInterpreterChanged, pythonExtensionInterpreter } from "./python";
import { configurationValue, ExtensionSettings, needsRestart, serverOptionsChanged, toServerOptions } from "./settings";

export const DOCUMENT_SELECTOR = [
  { scheme: "file", language: "python" },
  { scheme: "untitled", language: "python" },
  { scheme: "vscode-notebook-cell", language: "python" },
];

export class MsdevServer implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private _state: ServerState = "stopped";
  private settings: ExtensionSettings;
  private queue: Promise<void> = Promise.resolve();
  private readonly stateEmitter = new vscode.EventEmitter<ServerState>();
  private readonly disposables: vscode.Disposable[] = [];
  private interpreter: InterpreterChoice | undefined;

  readonly onDidChangeState = this.stateEmitter.event;

  /** `extensionPath` holds bundled/, the msdev wheel this extension ships. */
  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly extensionPath: string,
  ) {
    this.settings = this.loadSettings();
    this.disposables.push(
      this.stateEmitter,
      vscode.workspace.onDidChangeConfiguration((event) => this.onConfigurationChanged(event)),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.restart("the workspace folders changed")),
    );
    void onPythonInterpreterChanged(() => this.restart("the Python extension's interpreter changed")).then(
      (disposable) => disposable && this.disposables.push(disposable),
    );
  }

  get state(): ServerState {
    return this._state;
  }

  get profile(): string {
    return this.settings.profile;
  }

  get python(): string | undefined {
    return this.interpreter?.command;
  }

  private setState(state: ServerState): void {
    if (state !== this._state) {
      this._state = state;
      this.stateEmitter.fire(state);
    }
  }

  private loadSettings(): ExtensionSettings {
    const { settings, warnings } = currentSettings(primaryFolder());
    for (const warning of warnings) {
      this.log.warn(warning);
    }
    return settings;
  }

  /** Runs lifecycle steps one at a time, so two quick restarts never start two servers. */
  private enqueue(step: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(step, step).catch((err) => {
      this.log.error(`msdev: ${String(err)}`);
    });
    return this.queue;
  }

  start(): Promise<void> {
    return this.enqueue(() => this.doStart());
  }

  restart(why?: string): Promise<void> {
    return this.enqueue(async () => {
      if (why) {
        this.log.info(`Restarting the msdev server: ${why}.`);
      }
      await this.doStop();
      await this.doStart();
    });
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.doStop());
  }

  private async resolveInterpreter(): Promise<InterpreterChoice> {
    const folder = primaryFolder();
    const fromPython = await pythonExtensionInterpreter(folder?.uri, this.log);
    return chooseInterpreter({
      setting: this.settings.interpreter,
      pythonExtensionInstalled: fromPython.installed,
      pythonExtensionPath: fromPython.path,
      workspaceFolder: folder?.uri.fsPath,
      userHome: os.homedir(),
      env: process.env,
      platform: process.platform,
    });
  }

  private async doStart(): Promise<void> {
    if (this.client) {
      return;
    }
    this.setState("starting");
    this.settings = this.loadSettings();
    const choice = await this.resolveInterpreter();
    this.interpreter = choice;
    this.log.info(`Python interpreter: ${choice.command} (${choice.reason}).`);

    const probe = await identifyMsdev(choice.command);
    if (!probe.ok) {
      this.log.error(`msdev cannot run with ${choice.command}: ${probe.detail}`);
      this.setState("failed");
      void this.offerFix(choice, probe);
      return;
    }
    this.log.info(`msdev ${probe.version ?? "(version unknown)"} found in ${probe.location ?? choice.command}.`);

    const folder = primaryFolder();
    const executable: Executable = {
      command: choice.command,
      args: ["-m", "msdev", "lsp"],
      options: {
        cwd: folder?.uri.fsPath,
        env: { ...process.env, PYTHONUNBUFFERED: "1", PYTHONIOENCODING: "utf-8" },
      },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: DOCUMENT_SELECTOR,
      outputChannel: this.log,
      traceOutputChannel: this.log,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      diagnosticCollectionName: "msdev",
      initializationOptions: toServerOptions(this.settings),
      middleware: {
        workspace: {
          configuration: (params, token, next) => this.answerConfiguration(params, token, next),
        },
      },
    };
    const client = new LanguageClient("msdev", "msdev", executable, clientOptions);
    client.onDidChangeState((event) => {
      if (this.client !== client) {
        return;
      }
      if (event.newState === State.Running) {
        this.setState("running");
      } else if (event.newState === State.Starting) {
        this.setState("starting");
      } else {
        this.setState("stopped");
      }
    });
    this.client = client;
    try {
      await client.start();
      const info = client.initializeResult?.serverInfo;
      if (info?.name !== "msdev") {
        // something else answered `python -m msdev lsp`: say so instead of failing later
        this.log.error(`The server is not msdev's language server (serverInfo: ${JSON.stringify(info ?? null)}).`);
        this.client = undefined;
        this.setState("failed");
        await client.dispose(2000).catch(() => undefined);
        void this.offerFix(choice, {
          ok: false,
          problem: "foreign",
          detail: `the server started by \`${choice.command} -m msdev lsp\` calls itself ${info?.name ?? "nothing"}`,
        });
        return;
      }
      this.log.info(`msdev server ${info.version ?? ""} started: ${choice.command} -m msdev lsp`);
      this.setState("running");
      void this.offerUpdate(choice.command, info.version);
    } catch (err) {
      this.client = undefined;
      this.setState("failed");
      this.log.error(`The msdev server did not start: ${String(err)}`);
      void vscode.window
        .showErrorMessage(`msdev: the language server did not start (${choice.command} -m msdev lsp).`, "Show Output")
        .then((pick) => pick && this.log.show());
      try {
        await client.dispose(2000);
      } catch {
        /* the process is already gone */
      }
    }
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      try {
        await client.dispose(3000);
      } catch (err) {
        this.log.warn(`Stopping the msdev server: ${String(err)}`);
      }
    }
    this.setState("stopped");
  }

  /** Answers workspace/configuration for `msdev` with the validated server options. */
  private async answerConfiguration(
    params: { items: { section?: string; scopeUri?: string }[] },
    token: vscode.CancellationToken,
    next: (params: any, token: vscode.CancellationToken) => any,
  ): Promise<unknown[]> {
    const ours = (section?: string): boolean => section === SECTION || (section?.startsWith(`${SECTION}.`) ?? false);
    let others: unknown[] = [];
    if (params.items.some((item) => !ours(item.section))) {
      const answer = await next(params, token);
      others = Array.isArray(answer) ? answer : [];
    }
    return params.items.map((item, index) => {
      if (!ours(item.section)) {
        return others[index] ?? null;
      }
      const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : primaryFolder();
      return configurationValue(item.section, toServerOptions(currentSettings(scope).settings), SECTION);
    });
  }

  private onConfigurationChanged(event: vscode.ConfigurationChangeEvent): void {
    if (!event.affectsConfiguration(SECTION)) {
      return;
    }
    const before = this.settings;
    const after = this.loadSettings();
    this.settings = after;
    if (needsRestart(before, after)) {
      void this.restart("msdev.interpreter changed");
      return;
    }
    if (serverOptionsChanged(before, after) && this.client && this.client.state === State.Running) {
      void this.client
        .sendNotification(DidChangeConfigurationNotification.type, { settings: { [SECTION]: toServerOptions(after) } })
        .catch((err) => this.log.warn(`Could not send the new settings: ${String(err)}`));
    }
    this.stateEmitter.fire(this._state); // the status bar shows the profile
  }

  /** msdev is missing, foreign or broken (or the interpreter is): explain, offer a way out. */
  private async offerFix(choice: InterpreterChoice, probe: ProbeResult): Promise<void> {
    const install = "Install msdev";
    const select = "Select Interpreter";
    const output = "Show Output";
    const bundled = bundledWheel(this.extensionPath);
    const what = bundled ? `the msdev ${bundled.version} server this extension carries` : "msdev (pip install msdev-migrate)";
    let message: string;
    let items: string[];
    switch (probe.problem) {
      case "missing-interpreter":
        message = `msdev: the Python interpreter "${choice.command}" was not found (${choice.reason}).`;
        items = [select, output];
        break;
      case "foreign":
        message =
          `msdev: ${choice.command} has ${probe.detail}. Select another interpreter, or remove that ` +
          `package there (pip uninstall msdev) and install ${what}.`;
        items = [select, output];
        break;
      case "broken":
        message = `msdev: msdev in ${choice.command} cannot start its server (${probe.detail}). Reinstall ${what}, or select another interpreter.`;
        items = [install, select, output];
        break;
      default:
        message = `msdev: the msdev package is not installed in ${choice.command}. Install ${what} there, or select another interpreter.`;
        items = [install, select, output];
    }
    const pick = await vscode.window.showWarningMessage(message, ...items);
    if (pick === install) {
      await this.installMsdev(choice.command);
    } else if (pick === select) {
      await this.selectInterpreter();
    } else if (pick === output) {
      this.log.show();
    }
  }

  /** The interpreter's msdev differs from the one this extension carries: offer the bundled one. */
  private async offerUpdate(python: string, running: string | undefined): Promise<void> {
    const bundled = bundledWheel(this.extensionPath);
    if (!bundled || !running || running === bundled.version) {
      return;
    }
    const update = `Install msdev ${bundled.version}`;
    const pick = await vscode.window.showInformationMessage(
      `msdev: ${python} runs msdev ${running}; this extension carries msdev ${bundled.version}.`,
      update,
    );
    if (pick === update) {
      await this.installMsdev(python);
    }
  }

  /**
   * `python -m pip install <the bundled wheel>` (or msdev-migrate from the index when the
   * extension carries no wheel) with a cancellable progress notification, then a restart.
   */
  async installMsdev(python: string): Promise<void> {
    const wheel = bundledWheel(this.extensionPath);
    const args = pipInstallArgs(wheel?.path);
    const label = wheel ? `msdev ${wheel.version} (bundled)` : "msdev-migrate";
    this.log.info(`Running ${python} ${args.join(" ")}`);
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: "msdev: installing msdev", cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        progress.report({ message: `pip install ${label} (${python})` });
        return run(python, args, {
          signal: abort.signal,
          onOutput: (chunk) => {
            for (const line of chunk.split(/\r?\n/)) {
              if (line.trim()) {
                this.log.info(`pip: ${line.trimEnd()}`);
                progress.report({ message: line.trim().slice(0, 80) });
              }
            }
          },
        });
      },
    );
    if (result.code === 0) {
      void vscode.window.showInformationMessage(`msdev: installed msdev in ${python}; starting the server.`);
      await this.restart("msdev was installed");
      return;
    }
    const why = result.spawnError ? result.spawnError.message : `pip exited with code ${result.code}`;
    this.log.error(`pip install ${label} failed: ${why}`);
    const pick = await vscode.window.showErrorMessage(
      `msdev: pip install ${label} failed in ${python} (${why}).`,
      "Select Interpreter",
      "Show Output",
    );
    if (pick === "Select Interpreter") {
      await this.selectInterpreter();
    } else if (pick === "Show Output") {
      this.log.show();
    }
  }

  /**
   * Lets the user pick another interpreter: the Python extension's picker when it decides the
   * interpreter, else a file dialog whose result goes into `msdev.interpreter`.
   */
  async selectInterpreter(): Promise<void> {
    if (isPythonExtensionInstalled() && !this.settings.interpreter) {
      await vscode.commands.executeCommand("python.setInterpreter");
      return; // the Python extension's change event restarts the server
    }
    const picked = await vscode.window.showOpenDialog({
      title: "Select the Python interpreter that runs msdev",
      openLabel: "Use this interpreter",
      canSelectMany: false,
      canSelectFolders: false,
      filters: process.platform === "win32" ? { Python: ["exe"] } : undefined,
    });
    if (!picked || picked.length === 0) {
      return;
    }
    const target = vscode.workspace.workspaceFolders
      ? vscode.ConfigurationTarget.Workspace
      : vscode.ConfigurationTarget.Global;
    await vscode.workspace.getConfiguration(SECTION).update("interpreter", picked[0].fsPath, target);
    // onDidChangeConfiguration restarts the server
  }

  /** Runs one of the server's workspace/executeCommand commands. */
  async executeCommand<T>(command: string, args: unknown[]): Promise<T> {
    await this.queue;
    const client = this.client;
    if (!client || client.state !== State.Running) {
      throw new Error("the msdev language server is not running (see msdev: Show Output)");
    }
    return (await client.sendRequest("workspace/executeCommand", { command, arguments: args })) as T;
  }

  async dispose(): Promise<void> {
    for (const disposable of this.disposables.splice(0)) {
      disposable.dispose();
    }
    await this.doStop();
  }
}

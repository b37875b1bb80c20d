/**
 * Text the extension shows (status bar, scan summary, search items, convert prompt).
 * Pure (no `vscode` import) so the wording is unit tested.
 */

export type ServerState = "starting" | "running" | "stopped" | "failed";

export interface StatusView {
  text: string;
  tooltip: string;
  /** Whether to paint the item with the warning background (server not running). */
  warning: boolean;
}

/** The status bar item: PyTorch uses in the active file and the profile. */
export function statusView(state: ServerState, profile: string, uses: number | undefined, fileName?: string): StatusView {
  if (state === "starting") {
    return { text: "$(sync~spin) msdev", tooltip: "msdev: starting the language server…", warning: false };
  }
  if (state === "failed" || state === "stopped") {
    return {
      text: "$(warning) msdev",
      tooltip: "msdev: the language server is not running. Click to show its output.",
      warning: true,
    };
  }
  if (uses === undefined) {
    return { text: `msdev · ${profile}`, tooltip: `msdev (profile: ${profile})`, warning: false };
  }
  const noun = uses === 1 ? "PyTorch use" : "PyTorch uses";
  const where = fileName ? ` in ${fileName}` : "";
  return {
    text: `$(flame) ${uses} · ${profile}`,
    tooltip: `msdev: ${uses} ${noun}${where} (profile: ${profile}). Click to open the Problems panel.`,
    warning: false,
  };
}

export interface ScanSummary {
  files: number;
  uses: number;
  by_status?: Record<string, number>;
  readiness?: number;
}

/** One line after `msdev: Scan Workspace`, e.g. "msdev scanned 12 files: 340 PyTorch uses, 87% ready…". */
export function scanMessage(summary: ScanSummary): string {
  const files = `${summary.files} ${summary.files === 1 ? "file" : "files"}`;
  const uses = `${summary.uses} PyTorch ${summary.uses === 1 ? "use" : "uses"}`;
  let text = `msdev scanned ${files}: ${uses}`;
  if (typeof summary.readiness === "number" && Number.isFinite(summary.readiness)) {
    text += `, ${Math.round(summary.readiness * 100)}% convertible automatically`;
  }
  const manual = ["partial", "manual", "unsupported", "unknown"]
    .map((status) => summary.by_status?.[status] ?? 0)
    .reduce((a, b) => a + b, 0);
  if (manual > 0) {
    text += ` (${manual} need attention)`;
  }
  return `${text}.`;
}

export interface SearchResult {
  torch_api: string;
  mindspore_api: string | null;
  status: string;
  summary?: string | null;
  note_url?: string | null;
}

export interface SearchItemView {
  label: string;
  description: string;
  detail: string;
}

/** A quick pick row for one `msdev.searchApi` result. */
export function searchItem(result: SearchResult): SearchItemView {
  const target = result.mindspore_api ? result.mindspore_api : "no MindSpore counterpart";
  return {
    label: `${result.torch_api} ⇄ ${target}`,
    description: result.status,
    detail: result.summary ?? "",
  };
}

export interface ConvertResult {
  text: string;
  target_uri: string;
  converted: number;
  unconverted: number;
}

/** The confirmation shown next to the diff before `msdev: Convert File` writes anything. */
export function convertPrompt(result: ConvertResult, targetName: string): string {
  const converted = `${result.converted} PyTorch ${result.converted === 1 ? "use" : "uses"} converted`;
  const left =
    result.unconverted > 0
      ? `, ${result.unconverted} left for manual work (marked in the file)`
      : "";
  return `msdev: ${converted}${left}. Write the result to ${targetName}?`;
}

/** Adds a Content-Security-Policy to a report so the webview loads nothing from the network. */
export function withReportCsp(html: string, cspSource: string): string {
  const csp =
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; ` +
    `img-src ${cspSource} data:; style-src ${cspSource} 'unsafe-inline'; script-src 'unsafe-inline';">`;
  const head = /<head[^>]*>/i.exec(html);
  if (head) {
    const at = head.index + head[0].length;
    return html.slice(0, at) + csp + html.slice(at);
  }
  return `<!DOCTYPE html><html><head>${csp}</head><body>${html}</body></html>`;
}

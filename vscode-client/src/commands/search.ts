/** "msdev: Search PyTorch ⇄ MindSpore API": a quick pick backed by the server's mapping database. */
import * as vscode from "vscode";
import { SearchResult, searchItem } from "../present";
import { MsdevServer } from "../server";

interface Item extends vscode.QuickPickItem {
  result: SearchResult;
}

const copyName: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon("copy"), tooltip: "Copy the MindSpore API name" };
const openNote: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon("link-external"), tooltip: "Open the official difference note" };

export async function searchApi(server: MsdevServer): Promise<void> {
  const pick = vscode.window.createQuickPick<Item>();
  pick.title = "msdev: Search PyTorch ⇄ MindSpore API";
  pick.placeholder = "Type a PyTorch or MindSpore API name, e.g. conv2d, torch.cat, nn.Dense";
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  let generation = 0;
  let timer: NodeJS.Timeout | undefined;

  const query = async (text: string): Promise<void> => {
    const mine = ++generation;
    if (!text.trim()) {
      pick.items = [];
      pick.busy = false;
      return;
    }
    pick.busy = true;
    try {
      const results = await server.executeCommand<SearchResult[]>("msdev.searchApi", [text.trim()]);
      if (mine !== generation) {
        return; // a newer query is on its way
      }
      pick.items = (results ?? []).map((result) => {
        const view = searchItem(result);
        return {
          ...view,
          alwaysShow: true, // the server already filtered; keep its order and matches
          result,
          buttons: result.note_url ? [copyName, openNote] : [copyName],
        };
      });
      if (pick.items.length === 0) {
        pick.items = [];
        pick.placeholder = `No API matches "${text.trim()}"`;
      }
    } catch (err) {
      if (mine === generation) {
        pick.items = [];
        void vscode.window.showErrorMessage(`msdev: search failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    } finally {
      if (mine === generation) {
        pick.busy = false;
      }
    }
  };

  pick.onDidChangeValue((value) => {
    clearTimeout(timer);
    timer = setTimeout(() => void query(value), 150);
  });
  pick.onDidTriggerItemButton(async ({ button, item }) => {
    if (button === openNote && item.result.note_url) {
      await vscode.env.openExternal(vscode.Uri.parse(item.result.note_url));
    } else if (button === copyName) {
      await vscode.env.clipboard.writeText(item.result.mindspore_api ?? item.result.torch_api);
      void vscode.window.setStatusBarMessage(`msdev: copied ${item.result.mindspore_api ?? item.result.torch_api}`, 3000);
    }
  });
  pick.onDidAccept(async () => {
    const item = pick.selectedItems[0];
    if (!item) {
      return;
    }
    pick.hide();
    if (item.result.note_url) {
      await vscode.env.openExternal(vscode.Uri.parse(item.result.note_url));
    } else if (item.result.mindspore_api) {
      await vscode.env.clipboard.writeText(item.result.mindspore_api);
      void vscode.window.showInformationMessage(`msdev: copied ${item.result.mindspore_api} to the clipboard.`);
    }
  });
  pick.onDidHide(() => {
    clearTimeout(timer);
    pick.dispose();
  });
  pick.show();
}

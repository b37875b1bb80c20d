import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chooseInterpreter, expandVariables, InterpreterInputs } from "../../interpreter";

const base: InterpreterInputs = {
  setting: "",
  pythonExtensionInstalled: false,
  workspaceFolder: "/home/ana/proj",
  userHome: "/home/ana",
  env: { VIRTUAL_ENV: "/home/ana/venvs/ms" },
  platform: "linux",
};

describe("chooseInterpreter", () => {
  it("uses the Python extension's interpreter when it is installed and msdev.interpreter is unset", () => {
    const choice = chooseInterpreter({ ...base, pythonExtensionInstalled: true, pythonExtensionPath: "/home/ana/.venv/bin/python" });
    assert.equal(choice.command, "/home/ana/.venv/bin/python");
    assert.equal(choice.source, "python-extension");
  });

  it("lets an explicit msdev.interpreter win over the Python extension", () => {
    const choice = chooseInterpreter({
      ...base,
      setting: "/opt/ms/bin/python",
      pythonExtensionInstalled: true,
      pythonExtensionPath: "/home/ana/.venv/bin/python",
    });
    assert.equal(choice.command, "/opt/ms/bin/python");
    assert.equal(choice.source, "setting");
    assert.match(choice.reason, /msdev\.interpreter/);
  });

  it("uses msdev.interpreter when the Python extension is not installed", () => {
    const choice = chooseInterpreter({ ...base, setting: "${env:VIRTUAL_ENV}/bin/python" });
    assert.equal(choice.command, "/home/ana/venvs/ms/bin/python");
    assert.equal(choice.source, "setting");
  });

  it("resolves a relative setting against the workspace folder but leaves bare commands to PATH", () => {
    assert.equal(chooseInterpreter({ ...base, setting: ".venv/bin/python" }).command, "/home/ana/proj/.venv/bin/python");
    assert.equal(chooseInterpreter({ ...base, setting: "python3.12" }).command, "python3.12");
  });

  it("falls back to python3 from PATH, and says why", () => {
    const none = chooseInterpreter(base);
    assert.equal(none.command, "python3");
    assert.equal(none.source, "default");
    assert.match(none.reason, /not installed/);
    const noEnv = chooseInterpreter({ ...base, pythonExtensionInstalled: true });
    assert.equal(noEnv.command, "python3");
    assert.match(noEnv.reason, /reports no interpreter/);
  });

  it("falls back to python on Windows and resolves Windows paths", () => {
    assert.equal(chooseInterpreter({ ...base, platform: "win32", workspaceFolder: "C:\\proj" }).command, "python");
    const rel = chooseInterpreter({ ...base, platform: "win32", workspaceFolder: "C:\\proj", setting: ".venv\\Scripts\\python.exe" });
    assert.equal(rel.command, "C:\\proj\\.venv\\Scripts\\python.exe");
  });

  it("treats a whitespace-only setting as unset", () => {
    assert.equal(chooseInterpreter({ ...base, setting: "   " }).source, "default");
  });
});

describe("expandVariables", () => {
  const vars = { workspaceFolder: "/w", userHome: "/home/u", env: { A: "x" } };
  it("expands the supported variables and a leading tilde", () => {
    assert.equal(expandVariables("${workspaceFolder}/.venv/bin/python", vars), "/w/.venv/bin/python");
    assert.equal(expandVariables("${userHome}/py", vars), "/home/u/py");
    assert.equal(expandVariables("~/venv/bin/python", vars), "/home/u/venv/bin/python");
    assert.equal(expandVariables("/opt/${env:A}/python", vars), "/opt/x/python");
  });
  it("expands an unset environment variable to nothing and keeps unknown variables", () => {
    assert.equal(expandVariables("${env:MISSING}/python", vars), "/python");
    assert.equal(expandVariables("${config:python.path}", vars), "${config:python.path}");
    assert.equal(expandVariables("${workspaceFolder}/p", { userHome: "/h", env: {} }), "${workspaceFolder}/p");
  });
  it("does not expand a tilde inside a path", () => {
    assert.equal(expandVariables("/a/~/b", vars), "/a/~/b");
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  configurationValue,
  DEFAULT_SEVERITY,
  needsRestart,
  readSettings,
  serverOptionsChanged,
  STATUSES,
  toServerOptions,
} from "../../settings";

/** A getter over a plain object, like WorkspaceConfiguration.get for the `msdev` section. */
function getter(values: Record<string, unknown>) {
  return (key: string) => values[key];
}

describe("readSettings", () => {
  it("gives the contract's defaults when nothing is set", () => {
    const { settings, warnings } = readSettings(getter({}));
    assert.deepEqual(warnings, []);
    assert.deepEqual(toServerOptions(settings), {
      profile: "portable",
      severity: {
        identical: "hint",
        renamed: "hint",
        "default-diff": "information",
        "arg-diff": "information",
        partial: "warning",
        manual: "warning",
        unsupported: "error", // the rule registry: MS106 is an error everywhere
        unknown: "warning",
      },
      select: [],
      ignore: [],
      showLikelyTensorMethods: true,
    });
    assert.equal(settings.interpreter, "");
  });

  it("carries the user's values through to the server options", () => {
    const { settings, warnings } = readSettings(
      getter({
        profile: "ascend",
        severity: { ...DEFAULT_SEVERITY, unsupported: "error", identical: "off" },
        select: ["ms1", " MS204 ", "MS1"],
        ignore: ["torch.manual_seed", "torch.Tensor.cuda"],
        showLikelyTensorMethods: false,
        interpreter: "  /opt/venv/bin/python ",
        trace: { server: "verbose" },
      }),
    );
    assert.deepEqual(warnings, []);
    const options = toServerOptions(settings);
    assert.equal(options.profile, "ascend");
    assert.equal(options.severity.unsupported, "error");
    assert.equal(options.severity.identical, "off");
    assert.equal(options.severity.partial, "warning");
    assert.deepEqual(options.select, ["MS1", "MS204"]);
    assert.deepEqual(options.ignore, ["torch.manual_seed", "torch.Tensor.cuda"]);
    assert.equal(options.showLikelyTensorMethods, false);
    assert.equal(settings.interpreter, "/opt/venv/bin/python");
  });

  it("never sends client-only settings to the server", () => {
    const { settings } = readSettings(getter({ interpreter: "/x/python", trace: { server: "messages" } }));
    const options = toServerOptions(settings) as unknown as Record<string, unknown>;
    assert.deepEqual(Object.keys(options).sort(), ["ignore", "profile", "select", "severity", "showLikelyTensorMethods"]);
  });

  it("replaces invalid values with defaults and says why", () => {
    const { settings, warnings } = readSettings(
      getter({
        profile: "gpu",
        severity: { partial: "fatal", bogus: "error", manual: "hint" },
        ignore: ["torch.cat", 3, " ", "torch.cat", " torch.stack "],
        showLikelyTensorMethods: "yes",
      }),
    );
    assert.equal(settings.profile, "portable");
    assert.equal(settings.severity.partial, "warning");
    assert.equal(settings.severity.manual, "hint");
    assert.equal("bogus" in settings.severity, false);
    assert.deepEqual(settings.ignore, ["torch.cat", "torch.stack"]);
    assert.equal(settings.showLikelyTensorMethods, true);
    assert.equal(warnings.length, 4);
    assert.match(warnings[0], /msdev\.profile: "gpu"/);
    assert.ok(warnings.some((w) => w.includes("msdev.severity.partial")));
    assert.ok(warnings.some((w) => w.includes("msdev.severity.bogus")));
    assert.ok(warnings.some((w) => w.includes("msdev.ignore: 3")));
  });

  it("keeps only rule codes or prefixes in select, upper-cased", () => {
    const { settings, warnings } = readSettings(getter({ select: ["ms2", "torch.cat", 7, "MS2", "MS103"] }));
    assert.deepEqual(settings.select, ["MS2", "MS103"]);
    assert.equal(warnings.length, 2);
    assert.ok(warnings.every((w) => w.startsWith("msdev.select:")));
    assert.deepEqual(readSettings(getter({ select: "MS1" })).settings.select, []);
  });

  it("rejects a severity that is not an object", () => {
    const { settings, warnings } = readSettings(getter({ severity: ["error"] }));
    assert.deepEqual(settings.severity, DEFAULT_SEVERITY);
    assert.equal(warnings.length, 1);
  });

  it("covers every status the server knows", () => {
    assert.deepEqual([...STATUSES].sort(), Object.keys(DEFAULT_SEVERITY).sort());
  });
});

describe("settings changes", () => {
  const base = readSettings(getter({})).settings;

  it("restarts only when the interpreter changes", () => {
    assert.equal(needsRestart(base, { ...base, interpreter: "/other/python" }), true);
    assert.equal(needsRestart(base, { ...base, profile: "ascend" }), false);
  });

  it("notifies the server only when something it receives changes", () => {
    const otherInterpreter = { ...base, interpreter: "/other/python" };
    assert.equal(serverOptionsChanged(base, otherInterpreter), false);
    assert.equal(serverOptionsChanged(base, { ...base, profile: "ascend" }), true);
    assert.equal(serverOptionsChanged(base, { ...base, severity: { ...base.severity, unknown: "off" } }), true);
    assert.equal(serverOptionsChanged(base, { ...base, ignore: ["torch.cat"] }), true);
  });

  it("does not share arrays or objects with the settings it was built from", () => {
    const options = toServerOptions(base);
    options.ignore.push("torch.cat");
    options.severity.unknown = "off";
    assert.deepEqual(base.ignore, []);
    assert.equal(base.severity.unknown, "warning");
  });
});

describe("configurationValue", () => {
  const options = toServerOptions(readSettings(getter({ profile: "ascend", ignore: ["torch.cat"] })).settings);

  it("answers the msdev section with the server options", () => {
    assert.deepEqual(configurationValue("msdev", options), options);
  });

  it("answers a sub-key of the section", () => {
    assert.equal(configurationValue("msdev.profile", options), "ascend");
    assert.equal(configurationValue("msdev.severity.partial", options), "warning");
    assert.deepEqual(configurationValue("msdev.ignore", options), ["torch.cat"]);
    assert.equal(configurationValue("msdev.nothing.here", options), null);
  });

  it("leaves other sections to VS Code", () => {
    assert.equal(configurationValue("python", options), undefined);
    assert.equal(configurationValue("msdevx", options), undefined);
    assert.equal(configurationValue(undefined, options), undefined);
  });
});

/**
 * Settings → server options. Pure (no `vscode` import) so it is unit tested with `node --test`.
 *
 * The server contract: initializationOptions and the `msdev` configuration section carry
 * {profile, severity, select, ignore, showLikelyTensorMethods}. Client-only settings (interpreter,
 * trace) are never sent; invalid values fall back to the defaults instead of reaching the server.
 */

export const PROFILES = ["portable", "ascend"] as const;
export type Profile = (typeof PROFILES)[number];

export const STATUSES = [
  "identical",
  "renamed",
  "default-diff",
  "arg-diff",
  "partial",
  "manual",
  "unsupported",
  "unknown",
] as const;
export type Status = (typeof STATUSES)[number];

export const SEVERITIES = ["error", "warning", "information", "hint", "off"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const DEFAULT_SEVERITY: Readonly<Record<Status, Severity>> = Object.freeze({
  identical: "hint",
  renamed: "hint",
  "default-diff": "information",
  "arg-diff": "information",
  partial: "warning",
  manual: "warning",
  unsupported: "error",
  unknown: "warning",
});

/** A rule code or prefix, as `msdev.select` in package.json accepts it (rules/editor_settings.py). */
export const RULE_CODE = /^MS[0-9]*$/;

/** What the language server receives (initializationOptions and the `msdev` section). */
export interface ServerOptions {
  profile: Profile;
  severity: Record<Status, Severity>;
  /** rule codes or prefixes reported (`MS2`, `MS103`); empty: every rule */
  select: string[];
  ignore: string[];
  showLikelyTensorMethods: boolean;
}

/** Every `msdev.*` setting, as the extension uses it. */
export interface ExtensionSettings extends ServerOptions {
  interpreter: string;
}

/** Reads one key of the `msdev` section (e.g. `profile`, `severity`), like WorkspaceConfiguration.get. */
export type SettingGetter = (key: string) => unknown;

/** Problems found while reading settings; shown once in the output channel. */
export interface SettingsReport {
  settings: ExtensionSettings;
  warnings: string[];
}

function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === "string" && (values as readonly string[]).includes(value);
}

/** Reads and validates the `msdev.*` settings. */
export function readSettings(get: SettingGetter): SettingsReport {
  const warnings: string[] = [];

  const rawProfile = get("profile");
  let profile: Profile = "portable";
  if (isOneOf(PROFILES, rawProfile)) {
    profile = rawProfile;
  } else if (rawProfile !== undefined && rawProfile !== null) {
    warnings.push(`msdev.profile: "${String(rawProfile)}" is not one of ${PROFILES.join(", ")}; using "portable".`);
  }

  const severity: Record<Status, Severity> = { ...DEFAULT_SEVERITY };
  const rawSeverity = get("severity");
  if (rawSeverity !== undefined && rawSeverity !== null) {
    if (typeof rawSeverity !== "object" || Array.isArray(rawSeverity)) {
      warnings.push("msdev.severity: expected an object of status → severity; using the defaults.");
    } else {
      for (const [status, value] of Object.entries(rawSeverity as Record<string, unknown>)) {
        if (!isOneOf(STATUSES, status)) {
          warnings.push(`msdev.severity.${status}: unknown status (known: ${STATUSES.join(", ")}); ignored.`);
        } else if (!isOneOf(SEVERITIES, value)) {
          warnings.push(
            `msdev.severity.${status}: "${String(value)}" is not one of ${SEVERITIES.join(", ")}; using "${DEFAULT_SEVERITY[status]}".`,
          );
        } else {
          severity[status] = value;
        }
      }
    }
  }

  const select: string[] = [];
  const rawSelect = get("select");
  if (Array.isArray(rawSelect)) {
    for (const item of rawSelect) {
      const code = typeof item === "string" ? item.trim().toUpperCase() : "";
      if (!RULE_CODE.test(code)) {
        warnings.push(`msdev.select: ${JSON.stringify(item)} is not a rule code or prefix (MS103, MS2); ignored.`);
        continue;
      }
      if (!select.includes(code)) {
        select.push(code);
      }
    }
  } else if (rawSelect !== undefined && rawSelect !== null) {
    warnings.push("msdev.select: expected a list of rule codes; ignored.");
  }

  const ignore: string[] = [];
  const rawIgnore = get("ignore");
  if (Array.isArray(rawIgnore)) {
    for (const item of rawIgnore) {
      if (typeof item !== "string") {
        warnings.push(`msdev.ignore: ${JSON.stringify(item)} is not a string; ignored.`);
        continue;
      }
      const name = item.trim();
      if (name && !ignore.includes(name)) {
        ignore.push(name);
      }
    }
  } else if (rawIgnore !== undefined && rawIgnore !== null) {
    warnings.push("msdev.ignore: expected a list of API names; ignored.");
  }

  const rawLikely = get("showLikelyTensorMethods");
  const showLikelyTensorMethods = typeof rawLikely === "boolean" ? rawLikely : true;

  const rawInterpreter = get("interpreter");
  const interpreter = typeof rawInterpreter === "string" ? rawInterpreter.trim() : "";

  return { settings: { profile, severity, select, ignore, showLikelyTensorMethods, interpreter }, warnings };
}

/** The part of the settings the server receives, in the contract's shape. */
export function toServerOptions(settings: ServerOptions): ServerOptions {
  return {
    profile: settings.profile,
    severity: { ...settings.severity },
    select: [...settings.select],
    ignore: [...settings.ignore],
    showLikelyTensorMethods: settings.showLikelyTensorMethods,
  };
}

/** Whether a settings change needs a server restart (a new interpreter) rather than a notification. */
export function needsRestart(before: ExtensionSettings, after: ExtensionSettings): boolean {
  return before.interpreter !== after.interpreter;
}

/** Whether the server must be told about a change (anything it receives differs). */
export function serverOptionsChanged(before: ServerOptions, after: ServerOptions): boolean {
  return JSON.stringify(toServerOptions(before)) !== JSON.stringify(toServerOptions(after));
}

/**
 * The answer to one workspace/configuration item for `section` ("msdev" or a sub-key such as
 * "msdev.severity"), taken from the validated options; undefined when the section is not ours.
 */
export function configurationValue(section: string | undefined, options: ServerOptions, root = "msdev"): unknown {
  if (section === root) {
    return options;
  }
  if (!section?.startsWith(`${root}.`)) {
    return undefined;
  }
  let value: unknown = options;
  for (const part of section.slice(root.length + 1).split(".")) {
    value = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[part] : undefined;
  }
  return value ?? null;
}

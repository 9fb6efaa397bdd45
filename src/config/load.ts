import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { ConfigError } from "../errors/ConfigError.js";
import { templateProblems } from "../sync/mapping.js";
import { type ConfigProblem, didYouMean } from "./problems.js";
import {
  type ChannelConfig,
  type ChannelSource,
  type Config,
  configSchema,
  ldapSourceSchema,
  mysqlSourceSchema,
} from "./schema.js";
import { resolveSecretRefs } from "./secret-refs.js";

export const DEFAULT_CONFIG_FILE = "./provisioner.yaml";

/** `--config`, else `PROVISIONER_CONFIG`, else ./provisioner.yaml. */
export function configPath(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? env.PROVISIONER_CONFIG ?? DEFAULT_CONFIG_FILE);
}

export interface LoadedConfig {
  config: Config;
  file: string;
  /** Every value a secret reference resolved to; loggers redact these wherever they appear. */
  secrets: string[];
}

/** Reads, resolves and validates a configuration file; throws ConfigError listing every problem. */
export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(file, [
      { path: [], message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? err})` },
    ]);
  }
  return loadConfigText(text, file, env);
}

export function loadConfigText(text: string, file = "<inline>", env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return {
          path: [],
          message: `YAML ${pos ? `line ${pos.line} column ${pos.col}` : ""}: ${e.message.split("\n")[0]}`,
        };
      }),
    );
  }
  const raw = doc.toJS() ?? {};
  const { value, problems, secrets } = resolveSecretRefs(raw, env);
  const config = validate(value, problems);
  if (problems.length > 0 || !config) {
    for (const p of problems) {
      p.line = lineOf(doc, p.path, lines);
    }
    throw new ConfigError(
      file,
      dedupe(problems).sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
    );
  }
  return { config, file, secrets };
}

function validate(value: unknown, problems: ConfigProblem[]): Config | undefined {
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) problems.push(...parsed.error.issues.map((i) => fromIssue(i, value)));
  const tree = (value && typeof value === "object" ? value : {}) as Record<string, unknown>;
  const storeTypes = namesWithType(tree.dataStores);
  const targetNames = Object.keys(asRecord(tree.targets));
  const channels: Record<string, ChannelConfig> = {};

  for (const [name, rawChannel] of Object.entries(asRecord(tree.channels))) {
    const channel = asRecord(rawChannel);
    const source = asRecord(channel.source);
    const base = ["channels", name];
    let typedSource: ChannelSource | undefined;
    const storeName = source.dataStore;
    if (typeof storeName !== "string") {
      problems.push({
        path: [...base, "source", "dataStore"],
        message: "required: the name of an entry under dataStores",
      });
    } else if (!(storeName in storeTypes)) {
      const hint = didYouMean(storeName, Object.keys(storeTypes));
      problems.push({
        path: [...base, "source", "dataStore"],
        message: `unknown data store "${storeName}"${hint ? ` (did you mean "${hint}"?)` : ""}`,
        ...(hint
          ? {}
          : {
              fix: Object.keys(storeTypes).length
                ? `known: ${Object.keys(storeTypes).join(", ")}`
                : "add it under dataStores",
            }),
      });
    }
    // Check the source's own keys against the store's type, or the type its keys suggest when the store is unknown.
    const type = storeTypes[storeName as string] ?? ("usersQuery" in source ? "mysql" : "ldap");
    const schema = type === "mysql" ? mysqlSourceSchema : ldapSourceSchema;
    const sourceParsed = schema.safeParse(source);
    if (sourceParsed.success) typedSource = { type, ...sourceParsed.data } as ChannelSource;
    else if (typeof rawChannel === "object" && rawChannel && "source" in rawChannel) {
      problems.push(
        ...sourceParsed.error.issues.map((i) =>
          fromIssue({ ...i, path: [...base, "source", ...i.path] }, value, `for a ${type} data store`),
        ),
      );
    }

    const targetName = channel.target;
    if (typeof targetName === "string" && !targetNames.includes(targetName)) {
      const hint = didYouMean(targetName, targetNames);
      problems.push({
        path: [...base, "target"],
        message: `unknown target "${targetName}"${hint ? ` (did you mean "${hint}"?)` : ""}`,
        ...(hint ? {} : { fix: targetNames.length ? `known: ${targetNames.join(", ")}` : "add it under targets" }),
      });
    }
    if (channel.path !== undefined) {
      const p = channel.path;
      if (typeof p !== "string" || !/^\/([\u0021-\u007E]*\/)?$/.test(p) || p.length > 512) {
        problems.push({
          path: [...base, "path"],
          message: "an IAM path starts and ends with '/' and holds printable ASCII only",
        });
      }
    }
    const parsedChannel = parsed.success ? parsed.data.channels[name] : undefined;
    if (parsedChannel && typedSource) {
      channels[name] = {
        ...parsedChannel,
        name,
        source: typedSource,
        path: parsedChannel.path ?? `/provisioner/${name}/`,
      };
    }
  }

  if (parsed.success) {
    const cfg = parsed.data;
    if (cfg.secrets.key !== undefined && !isKey(cfg.secrets.key)) {
      problems.push({
        path: ["secrets", "key"],
        message: "must be 32 bytes: 64 hex characters or 44 base64 characters",
        fix: "openssl rand -hex 32",
      });
    }
    const loopback = ["127.0.0.1", "localhost", "::1"].includes(cfg.dashboard.host);
    if (!loopback && cfg.dashboard.users.length === 0 && cfg.dashboard.tokens.length === 0) {
      problems.push({
        path: ["dashboard", "users"],
        message: `the dashboard listens on ${cfg.dashboard.host} (beyond loopback) but no users or tokens are configured`,
      });
    }
    for (const [name, target] of Object.entries(cfg.targets)) {
      if (target.minRequestsPerSecond > target.maxRequestsPerSecond) {
        problems.push({
          path: ["targets", name, "minRequestsPerSecond"],
          message: "must not exceed maxRequestsPerSecond",
        });
      }
    }
  }
  // Templates are compiled once per channel at run time; a bad one is a configuration problem now.
  for (const channel of Object.values(channels)) problems.push(...templateProblems(channel));
  if (problems.length > 0 || !parsed.success) return undefined;
  return { ...parsed.data, channels };
}

export function isKey(key: string): boolean {
  if (/^[0-9a-fA-F]{64}$/.test(key)) return true;
  return Buffer.from(key, "base64").length === 32 && /^[A-Za-z0-9+/]{43}=?$/.test(key);
}

function fromIssue(issue: z.core.$ZodIssue, root: unknown, context?: string): ConfigProblem {
  const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
  if (issue.code === "unrecognized_keys") {
    const known = knownKeys(root, path);
    return {
      path: issue.keys.length === 1 ? [...path, issue.keys[0] as string] : path,
      message:
        issue.keys
          .map((k) => {
            const hint = known ? didYouMean(k, known) : undefined;
            return `unknown key "${k}"${hint ? ` (did you mean "${hint}"?)` : ""}`;
          })
          .join("; ") + (context ? ` ${context}` : ""),
    };
  }
  if (issue.code === "invalid_union" && issue.path.at(-1) !== undefined) {
    return { path, message: "neither a template string nor { value, createOnly }" };
  }
  return { path, message: issue.message.replace(/^Invalid input: /, "") };
}

/** Keys a strict object at `path` accepts, found by walking the raw tree alongside the schema. */
function knownKeys(root: unknown, path: (string | number)[]): string[] | undefined {
  // biome-ignore lint/suspicious/noExplicitAny: zod's internal definitions are walked structurally.
  let schema: any = configSchema;
  let node: unknown = root;
  const unwrap = () => {
    for (let i = 0; i < 10 && schema; i++) {
      const def = schema._zod?.def;
      if (!def) return;
      if (def.type === "optional" || def.type === "default" || def.type === "nullable" || def.type === "prefault")
        schema = def.innerType;
      else if (def.type === "pipe") schema = def.in;
      else if (def.type === "union") {
        const value = node as Record<string, unknown> | undefined;
        const options = def.options as Array<{ _zod: { def: { type: string; shape?: Record<string, unknown> } } }>;
        const pick =
          options.find((o) => {
            const shape = o._zod.def.shape;
            if (!shape || !value || typeof value !== "object") return false;
            const disc = Object.entries(shape).find(
              ([, s]) => (s as { _zod: { def: { type: string } } })._zod.def.type === "literal",
            );
            if (!disc) return true;
            return ((disc[1] as { _zod: { def: { values: unknown[] } } })._zod.def.values ?? []).includes(
              value[disc[0]],
            );
          }) ?? options.find((o) => o._zod.def.type === "object");
        schema = pick;
      } else return;
    }
  };
  unwrap();
  for (const part of path) {
    const def = schema?._zod?.def;
    if (!def) return undefined;
    if (def.type === "object") schema = def.shape[part];
    else if (def.type === "record") schema = def.valueType;
    else if (def.type === "array") schema = def.element;
    else return undefined;
    node = (node as Record<string | number, unknown> | undefined)?.[part];
    if (path[1] === "source" && part === "source" && path[0] === "channels") {
      const value = asRecord(node);
      schema = "usersQuery" in value ? mysqlSourceSchema : ldapSourceSchema;
    }
    unwrap();
  }
  const def = schema?._zod?.def;
  return def?.type === "object" ? Object.keys(def.shape) : undefined;
}

function namesWithType(stores: unknown): Record<string, "ldap" | "mysql"> {
  const out: Record<string, "ldap" | "mysql"> = {};
  for (const [name, store] of Object.entries(asRecord(stores))) {
    const type = asRecord(store).type;
    out[name] = type === "mysql" ? "mysql" : "ldap";
  }
  return out;
}

function asRecord(v: unknown): Record<string, unknown> {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path.join(".")}|${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function lineOf(
  doc: ReturnType<typeof parseDocument>,
  path: (string | number)[],
  lines: LineCounter,
): number | undefined {
  let node: unknown = doc.contents;
  let last: number | undefined;
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((it) => isScalar(it.key) && String(it.key.value) === String(part));
      if (!pair) break;
      const keyRange = isScalar(pair.key) ? pair.key.range : undefined;
      if (keyRange) last = lines.linePos(keyRange[0]).line;
      node = pair.value;
    } else if (isSeq(node) && typeof part === "number") {
      node = node.items[part];
      const range = (node as { range?: [number, number] } | undefined)?.range;
      if (range) last = lines.linePos(range[0]).line;
    } else break;
  }
  return last;
}

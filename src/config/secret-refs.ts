import { readFileSync } from "node:fs";
import type { ConfigProblem } from "./problems.js";

/**
 * Resolves `${env:NAME}`, `${env:NAME:-default}` and `${file:/path}` anywhere in a parsed YAML tree.
 * Values never reach an error message: a problem names the reference, not what it resolved to.
 * Also returns every resolved secret so loggers and the formatter can redact them wherever they appear.
 */
const HAS_REF = /\$\{(env|file):[^}]*\}/;
const WHOLE_REF = /^\$\{env:[^}]*\}$/;

function scalar(text: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === "true" || text === "false") return text === "true";
  return text;
}

export interface ResolvedTree {
  value: unknown;
  problems: ConfigProblem[];
  /** Every string a reference resolved to: treat as secrets. */
  secrets: string[];
}

export function resolveSecretRefs(tree: unknown, env: NodeJS.ProcessEnv = process.env): ResolvedTree {
  const problems: ConfigProblem[] = [];
  const secrets: string[] = [];

  const resolveString = (text: string, path: (string | number)[]): string => {
    // `$${...}` escapes a literal reference.
    return text.replace(/(\$?)\$\{(env|file):([^}]*)\}/g, (whole, escaped: string, kind: string, arg: string) => {
      if (escaped) return whole.slice(1);
      if (kind === "env") {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s.exec(arg);
        if (!m) {
          problems.push({
            path,
            message: `"\${env:${arg}}" is not a valid reference (use \${env:NAME} or \${env:NAME:-default})`,
          });
          return "";
        }
        const name = m[1] as string;
        const fallback = m[2];
        const found = env[name];
        if (found !== undefined && found !== "") {
          secrets.push(found);
          return found;
        }
        if (fallback !== undefined) return fallback;
        problems.push({
          path,
          message: `environment variable ${name} is not set`,
          fix: `export ${name}=... or write \${env:${name}:-default}`,
        });
        return "";
      }
      const file = arg.trim();
      if (!file.startsWith("/")) {
        problems.push({ path, message: `\${file:${file}} must name an absolute path` });
        return "";
      }
      try {
        const content = readFileSync(file, "utf8").replace(/\r?\n$/, "");
        secrets.push(content);
        return content;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
        problems.push({ path, message: `cannot read secret file ${file} (${code})` });
        return "";
      }
    });
  };

  const walk = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === "string") {
      if (!HAS_REF.test(node)) return node;
      const text = resolveString(node, path);
      // A value that is one reference and nothing else reads like the YAML scalar it resolves to, so
      // `port: ${env:PORT:-8080}` is a number and `startTls: ${env:TLS:-false}` a boolean.
      return WHOLE_REF.test(node) ? scalar(text) : text;
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i]));
    if (node && typeof node === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) out[k] = walk(v, [...path, k]);
      return out;
    }
    return node;
  };

  const value = walk(tree, []);
  return { value, problems, secrets: secrets.filter((s) => s.length >= 4) };
}

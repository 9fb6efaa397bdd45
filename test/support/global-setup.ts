import { execFileSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Runs once before any test file: makes sure the local services are up and their URLs exported,
 * so `npx vitest` works as well as `npm test` on a machine where services.sh already ran.
 */
export default function setup(): void {
  if (process.env.REDIS_URL && process.env.LDAP_URL && process.env.MYSQL_URL) return;
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
  const script = resolve(root, "scripts/services.sh");
  execFileSync("bash", [script, "up"], { stdio: "inherit" });
  const exports = execFileSync("bash", [script, "env"], { encoding: "utf8" });
  for (const line of exports.split("\n")) {
    const m = /^export ([A-Z0-9_]+)="(.*)"$/.exec(line.trim());
    if (m?.[1]) process.env[m[1]] = m[2];
  }
}

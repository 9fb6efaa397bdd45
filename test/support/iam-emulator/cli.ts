/**
 * `npm run emulator -- --port N [--rate R] [--strict-keys] [--short-pages] [--users-quota N]`
 * Runs the emulator alone; control it through the admin API under /_emulator/.
 */
import { parseArgs } from "node:util";
import { startIamEmulator } from "./index.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "4599" },
    host: { type: "string", default: "127.0.0.1" },
    rate: { type: "string" },
    "strict-keys": { type: "boolean", default: false },
    "short-pages": { type: "boolean", default: false },
    "users-quota": { type: "string" },
    "caller-user-name": { type: "string" },
  },
});

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`--${name} must be a non-negative number, got ${v}`);
    process.exit(2);
  }
  return n;
}

const emu = await startIamEmulator({
  port: int("port", values.port),
  host: values.host,
  rate: int("rate", values.rate),
  strictKeys: values["strict-keys"],
  shortPages: values["short-pages"],
  usersQuota: int("users-quota", values["users-quota"]),
  callerUserName: values["caller-user-name"],
});
console.log(emu.url);

const stop = () => {
  void emu.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

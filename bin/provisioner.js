#!/usr/bin/env -S node --max-semi-space-size=32 --min-semi-space-size=16 --expose-gc
// Runs the built CLI when dist/ exists (production images), else the TypeScript sources through tsx (a checkout).
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

// The AWS SDK warns on every start that its releases after January 2027 need Node 22; the README says so
// once, and the images run Node 22. Other warnings pass through.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const type = typeof rest[0] === "string" ? rest[0] : rest[0]?.type;
  if (type === "NodeVersionSupportWarning" || String(warning).includes("NodeVersionSupportWarning")) return;
  return emitWarning(warning, ...rest);
};

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const built = join(root, "dist/src/cli/main.js");
if (existsSync(built) && !process.env.PROVISIONER_FROM_SOURCE) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(pathToFileURL(join(root, "src/cli/main.ts")).href);
}

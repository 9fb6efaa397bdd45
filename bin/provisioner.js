#!/usr/bin/env node
// Runs the built CLI when dist/ exists (production images), else the TypeScript sources through tsx (a checkout).
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const built = join(root, "dist/src/cli/main.js");
if (existsSync(built) && !process.env.PROVISIONER_FROM_SOURCE) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(pathToFileURL(join(root, "src/cli/main.ts")).href);
}

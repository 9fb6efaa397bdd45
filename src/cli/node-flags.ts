/**
 * V8 flags the long-running processes (`start`, `worker`) run with. One place names them; the shebang of
 * bin/provisioner.js and the image's ENTRYPOINT repeat them (test/unit/cli/node-flags.test.ts keeps the
 * three equal), and whatever spawns a worker (the demo, the tests, the benches) passes them.
 *
 * --max-semi-space-size=32: a snapshot allocates a short-lived object per directory entry by the
 * thousand; V8's default young generation (16 MB semi-spaces) fills every few pages, so a page of live
 * entries is copied, then promoted and collected again. At 32 MB a no-op run over 20,000 entries takes
 * ~0.2 s instead of ~0.3 s (npm run bench -- --only 3) for about 20 MB more peak RSS; 64 MB is no faster.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=32"];

/**
 * V8 flags the long-running processes (`start`, `worker`) run with. One place names them; the shebang of
 * bin/provisioner.js and the image's ENTRYPOINT repeat them (test/unit/cli/node-flags.test.ts keeps the
 * three equal), and whatever spawns a worker (the demo, the tests, the benches) passes them.
 *
 * --max-semi-space-size=32: a snapshot allocates a short-lived object per directory entry by the
 * thousand; V8's default young generation (16 MB semi-spaces) fills every few pages, so a page of live
 * entries is copied, then promoted and collected again. At 32 MB a no-op run over 20,000 entries takes
 * ~0.2 s instead of ~0.3 s (npm run bench -- --only 3) for about 20 MB more peak RSS; 64 MB is no faster.
 *
 * --min-semi-space-size=16: the young generation starts at V8's usual ceiling instead of growing into it
 * again after every full collection: run times stay even (bench 3 steady state 1.21× ldapsearch three
 * times out of three, against 1.2–1.4× without it).
 *
 * --expose-gc: lets a worker run one full collection after each snapshot run (workers/after-run-gc.ts),
 * so its footprint stays at its live size instead of climbing run after run until V8 gets to it (peak RSS
 * over ten no-op runs ~220 MB instead of 250–310 MB).
 */
export const WORKER_NODE_FLAGS: readonly string[] = [
  "--max-semi-space-size=32",
  "--min-semi-space-size=16",
  "--expose-gc",
];

/**
 * A snapshot leaves a directory's worth of garbage behind (entries, pages, the memos it loaded), much of
 * it promoted to the old generation during the run. V8 collects that lazily: a worker's RSS climbs by
 * ~10 MB a run until the next full collection (peaks of 270–310 MB over 20,000 entries, bench 4). One full
 * collection once a run has ended, when the garbage is largest and nothing waits on it, keeps the
 * worker at its live size (~210 MB peak). It needs `--expose-gc` (src/cli/node-flags.ts); without it
 * this does nothing.
 */
export function collectAfterRun(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  // Just after the run, off its path: the job is completed by then (and the process is usually idle).
  setTimeout(gc, 100).unref();
}

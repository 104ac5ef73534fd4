/**
 * Stops local mode when the process that started it ends. `npm start &` then `kill %1` signals
 * npm, which dies without passing the signal through the shell it ran the server in: the server
 * would live on as an orphan holding the port, and the next `npm start` would fail to listen.
 * An orphan is re-parented, so a changed parent pid is the sign (checked every `everyMs`).
 */
export function stopWhenOrphaned(stop: (reason: string) => void, everyMs = 1000): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    stop(`the process that started it (pid ${parent}) has exited`);
  }, everyMs);
  // Never what keeps the server alive: the HTTP server does that.
  timer.unref();
}

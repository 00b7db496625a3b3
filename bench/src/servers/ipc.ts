/** The IPC a bench server child speaks: `ready` with its port, `heap` (after a full GC) on request, exit on `stop`. */
export function serve(port: number, stop: () => Promise<void>): void {
  process.on('message', async (message) => {
    if (message === 'heap') {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      gc?.();
      process.send?.({ heap: process.memoryUsage().heapUsed });
    } else if (message === 'stop') {
      await stop();
      process.exit(0);
    }
  });
  process.send?.({ ready: true, port });
}

/**
 * What keeps a capture socket alive and what ends it when nothing does: the
 * set of sockets held while in use, the collection of a socket nobody
 * references, and the process exit hook. CaptureSocket (lib/socket.ts)
 * decides when a socket is held; this is where it is held.
 */
import { isMainThread } from 'node:worker_threads';
import type { CaptureChannel } from './channel';
import { native } from './native';

// A socket that nobody references is closed and its native resources freed,
// as ewpcap does on garbage collection. The channel holds the socket only
// weakly, so it can be the held value.
export const finalizer = new FinalizationRegistry<CaptureChannel>((channel) => {
  try {
    channel.close();
  } catch {
    // The port is already closed: so is the capture.
  }
});

// Sockets with a consumer (listeners, a pending read, an iteration) or an
// operation in progress (opening, a request, closing) are held here, like a
// net.Socket is held by its handle, so that `(await open()).on('packet', f)`
// keeps capturing and no pending promise is left unsettled by a collection.
export const held = new Set<object>();

let exitHookInstalled = false;

/** Once per process, on the main thread: process.exit() stops every capture loop. */
export function installExitHook(): void {
  if (exitHookInstalled || !isMainThread) return;
  exitHookInstalled = true;
  // process.exit() joins worker threads: make every capture loop return
  // from native code at once so that nothing hangs.
  process.on('exit', () => native.shutdown());
}

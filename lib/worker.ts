/**
 * Capture thread entry (compiled to dist/worker.js; it runs outside any test
 * runner). A pool thread takes one capture job at a time and runs its loop
 * to the end: open and activate, then alternately answer requests and block
 * in the addon's next() until packets, a wake-up or an error. Every blocking
 * libpcap call of a socket happens here, never on the main thread.
 */
import { parentPort, receiveMessageOnPort } from 'node:worker_threads';
import { toWireError, type WireError } from './errors';
import { native, NextStatus } from './native';
import { CONTROL_ACKED, CONTROL_SIGNAL, type CaptureJob, type JobDone, type Request, type Reply } from './protocol';

function runCapture(job: CaptureJob): void {
  const { port } = job;
  const control = new Int32Array(job.control);
  let id: number;
  let netmask: number;
  try {
    const opened = native.open(job.device, job.native);
    id = opened.id;
    netmask = opened.netmask;
    if (job.filter) {
      try {
        native.setFilter(id, job.filter.expression, job.filter.optimize, job.filter.netmask ?? netmask);
      } catch (e) {
        native.close(id);
        throw e;
      }
    }
    port.postMessage({ type: 'opened', opened });
  } catch (e) {
    port.postMessage({ type: 'open-failed', error: toWireError(e) });
    port.close();
    return;
  }

  const { maxPackets, maxBytes, flushMicros } = job.batch;
  let posted = 0;
  let closeSeq = -1;
  let failure: WireError | undefined;

  const answer = (request: Request): void => {
    const reply: Reply = { type: 'reply', seq: request.seq };
    try {
      switch (request.op) {
        case 'write':
          native.inject(id, request.data);
          break;
        case 'filter':
          native.setFilter(id, request.expression, request.optimize, request.netmask ?? netmask);
          break;
        case 'stats':
          reply.value = native.stats(id);
          break;
        case 'close':
          closeSeq = request.seq;
          return;
      }
    } catch (e) {
      reply.error = toWireError(e);
    }
    port.postMessage(reply);
  };

  for (;;) {
    for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
      answer(m.message as Request);
    }
    if (closeSeq >= 0) break;
    const signal = Atomics.load(control, CONTROL_SIGNAL);
    const inFlight = posted - Atomics.load(control, CONTROL_ACKED);
    if (inFlight >= job.maxBatchesInFlight) {
      // Back-pressure: stop reading until the consumer catches up (or a
      // request arrives). The kernel buffer holds or drops meanwhile.
      Atomics.wait(control, CONTROL_SIGNAL, signal, 250);
      continue;
    }
    let result: ArrayBuffer | number;
    try {
      result = native.next(id, maxPackets, maxBytes, flushMicros, inFlight > 0);
    } catch (e) {
      failure = toWireError(e);
      break;
    }
    if (typeof result !== 'number') {
      port.postMessage(result, [result]);
      posted++;
    } else if (result === NextStatus.END) {
      port.postMessage({ type: 'end' });
      break;
    } else if (result === NextStatus.SHUTDOWN) {
      break;
    }
  }
  native.close(id);
  if (failure) port.postMessage({ type: 'failed', error: failure });
  if (closeSeq >= 0) port.postMessage({ type: 'reply', seq: closeSeq });
  port.postMessage({ type: 'closed' });
  port.close();
}

if (parentPort) {
  const parent = parentPort;
  parent.on('message', (job: CaptureJob) => {
    try {
      runCapture(job);
    } finally {
      parent.postMessage({ kind: 'done' } satisfies JobDone);
    }
  });
}

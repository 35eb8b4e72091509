/**
 * Pool thread entry (compiled to dist/worker.js; it runs outside any test
 * runner). A thread takes one job at a time:
 *
 * - a capture or savefile job runs its loop to the end: open, then
 *   alternately answer requests and block in the addon's next() until
 *   packets, a wake-up or an error. Every blocking libpcap call of a socket
 *   happens here, never on the main thread;
 * - a writer job answers write/flush/close messages until it is closed.
 */
import { parentPort, receiveMessageOnPort } from 'node:worker_threads';
import { DropWatch, dropAdvice } from './drops';
import { toWireError, withSubject, type WireError } from './errors';
import { native, NextStatus, type NativeOpened } from './native';
import {
  CONTROL_ACKED,
  CONTROL_SIGNAL,
  CONTROL_SLEEPING,
  CONTROL_WAKE_AT,
  COUNTER_START,
  inFlight,
  resumeInFlight,
  type CaptureJob,
  type Job,
  type JobDone,
  type OfflineJob,
  type Reply,
  type Request,
  type ThreadReady,
  type WriterJob,
  type WriterRequest,
} from './protocol';

interface Recorder {
  id: number;
  remaining: number;
  written: number;
  deliver: boolean;
}

function openJob(job: CaptureJob | OfflineJob): NativeOpened {
  let opened: NativeOpened;
  try {
    opened = job.kind === 'capture' ? native.open(job.device, job.native) : native.openOffline(job.path, job.precision);
  } catch (e) {
    throw withSubject(e, job.kind === 'capture' ? { device: job.device } : { file: job.path });
  }
  if (job.filter) {
    try {
      native.setFilter(opened.id, job.filter.expression, job.filter.optimize, job.filter.netmask ?? opened.netmask);
    } catch (e) {
      native.close(opened.id);
      throw withSubject(e, { filter: job.filter.expression });
    }
  }
  return opened;
}

/** Runs a capture or savefile job to its end. */
function runLoop(job: CaptureJob | OfflineJob): void {
  const { port } = job;
  const control = new Int32Array(job.control);
  let opened: NativeOpened;
  try {
    opened = openJob(job);
    port.postMessage({ type: 'opened', opened });
  } catch (e) {
    port.postMessage({ type: 'open-failed', error: toWireError(e) });
    port.close();
    return;
  }
  const { id, netmask } = opened;
  const { maxPackets, maxBytes, flushMicros } = job.batch;
  const resume = resumeInFlight(job.maxBatchesInFlight);
  let posted = COUNTER_START; // an int32 that wraps, as CONTROL_ACKED does
  // Buffers of released batches (and of batches only recorded), to be filled
  // again; a few at most: more would only be memory held for nothing.
  const spares: ArrayBuffer[] = [];
  const maxSpares = job.maxBatchesInFlight + 1;
  const keepSpare = (buffer: ArrayBuffer): void => {
    if (spares.length < maxSpares) spares.push(buffer);
  };
  let closeSeq = -1;
  let failure: WireError | undefined;
  let recorder: Recorder | undefined;
  const drops =
    job.kind === 'capture'
      ? new DropWatch(() => {
          try {
            return native.stats(id).drop;
          } catch {
            return NaN; // no counter now: looked at again later
          }
        }, dropAdvice(job.native))
      : undefined;

  const stopRecording = (): number => {
    if (!recorder) return 0;
    const { id: dumper, written } = recorder;
    recorder = undefined;
    native.dumpClose(dumper);
    return written;
  };

  const answer = (request: Request): void => {
    const reply: Reply = { type: 'reply', seq: request.seq };
    try {
      switch (request.op) {
        case 'write':
          reply.value = request.frames.map((frame) => {
            try {
              native.inject(id, frame);
              return null;
            } catch (e) {
              return toWireError(e);
            }
          });
          break;
        case 'filter':
          try {
            native.setFilter(id, request.expression, request.optimize, request.netmask ?? netmask);
          } catch (e) {
            throw withSubject(e, { filter: request.expression });
          }
          break;
        case 'stats':
          reply.value = native.stats(id);
          break;
        case 'datalinks':
          reply.value = native.datalinks(id);
          break;
        case 'set-datalink':
          reply.value = native.setDatalink(id, request.value);
          break;
        case 'timestamp-types':
          reply.value = native.timestampTypes(id);
          break;
        case 'record':
          stopRecording();
          recorder = {
            id: native.dumpOpenFor(id, request.path, request.append),
            remaining: request.count,
            written: 0,
            deliver: request.deliver,
          };
          break;
        case 'stop-record':
          reply.value = stopRecording();
          break;
        case 'recycle':
          keepSpare(request.buffer);
          return;
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
    // Read before the port is emptied: a request posted after that bumps
    // the signal, and a wait below on this older value returns at once.
    const signal = Atomics.load(control, CONTROL_SIGNAL);
    for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
      answer(m.message as Request);
    }
    if (closeSeq >= 0) break;
    const warning = drops?.poll(performance.now());
    if (warning) port.postMessage({ type: 'warning', message: warning });
    if (inFlight(posted, Atomics.load(control, CONTROL_ACKED)) >= job.maxBatchesInFlight) {
      // Back-pressure: stop reading until the consumer is down to `resume`
      // batches (or a request arrives). The kernel buffer holds or drops
      // meanwhile. The time limit only bounds how long a terminate() of this
      // thread waits. The consumer reads CONTROL_SLEEPING after counting a
      // batch, and this thread counts again after setting it (both
      // sequentially consistent), so one of the two sees the other: no
      // wake-up is lost.
      Atomics.store(control, CONTROL_WAKE_AT, (posted - resume) | 0);
      Atomics.store(control, CONTROL_SLEEPING, 1);
      if (inFlight(posted, Atomics.load(control, CONTROL_ACKED)) > resume) {
        Atomics.wait(control, CONTROL_SIGNAL, signal, 250);
      }
      Atomics.store(control, CONTROL_SLEEPING, 0);
      continue;
    }
    let result: ArrayBuffer | number;
    const spare = spares.pop();
    try {
      result = native.next(id, maxPackets, maxBytes, flushMicros, control, CONTROL_ACKED, posted, spare);
    } catch (e) {
      failure = toWireError(e);
      break;
    }
    if (spare && result !== spare) spares.push(spare);
    if (typeof result !== 'number') {
      if (recorder) {
        let n: number;
        try {
          n = native.dumpBatch(recorder.id, result, recorder.remaining);
        } catch (e) {
          // A time the pcap format cannot hold (pcapng read back): the capture fails, saying so.
          failure = toWireError(e);
          break;
        }
        recorder.written += n;
        recorder.remaining -= n;
        const deliver = recorder.deliver;
        if (recorder.remaining === 0) {
          port.postMessage({ type: 'recorded', written: stopRecording(), done: true });
        } else if (!deliver) {
          port.postMessage({ type: 'recorded', written: recorder.written, done: false });
        }
        if (!deliver) {
          keepSpare(result); // seen by nobody: fill it again
          continue;
        }
      }
      port.postMessage(result, [result]);
      posted = (posted + 1) | 0;
    } else if (result === NextStatus.END) {
      port.postMessage({ type: 'end' });
      break;
    } else if (result === NextStatus.SHUTDOWN) {
      break;
    }
  }
  try {
    const written = recorder ? stopRecording() : -1;
    if (written >= 0) port.postMessage({ type: 'recorded', written, done: true });
  } catch (e) {
    failure ??= toWireError(e);
  }
  native.close(id);
  if (failure) port.postMessage({ type: 'failed', error: failure });
  if (closeSeq >= 0) port.postMessage({ type: 'reply', seq: closeSeq });
  port.postMessage({ type: 'closed' });
  port.close();
}

/** Runs a writer job until it is closed; `done` when it is. */
function runWriter(job: WriterJob, done: () => void): void {
  const { port } = job;
  let id: number;
  try {
    id = native.dumpOpen(job.path, job.linktype, job.snaplen, job.precision, job.append);
  } catch (e) {
    port.postMessage({ type: 'open-failed', error: toWireError(e) });
    port.close();
    done();
    return;
  }
  port.postMessage({ type: 'opened' });
  // A write error is kept and reported by the next flush or close.
  let writeError: WireError | undefined;
  port.on('message', (request: WriterRequest) => {
    const reply: Reply = { type: 'reply', seq: request.seq };
    try {
      switch (request.op) {
        case 'write':
          if (writeError) return;
          for (const item of request.items) {
            if ('batch' in item) native.dumpBatch(id, item.batch, 0xffffffff);
            else native.dumpPacket(id, item.seconds, item.fraction, item.precision, item.length, item.data);
          }
          return;
        case 'flush':
          if (writeError) throw writeError;
          native.dumpFlush(id);
          break;
        case 'close':
          native.dumpClose(id);
          if (writeError) throw writeError;
          break;
      }
    } catch (e) {
      if (request.op === 'write') writeError = toWireError(e);
      else reply.error = toWireError(e);
    }
    port.postMessage(reply);
    if (request.op === 'close') {
      port.close();
      done();
    }
  });
}

if (parentPort) {
  const parent = parentPort;
  parent.on('message', (job: Job) => {
    const done = () => parent.postMessage({ kind: 'done', jobId: job.jobId } satisfies JobDone);
    if (job.kind === 'writer') {
      runWriter(job, done);
      return;
    }
    try {
      runLoop(job);
    } finally {
      done();
    }
  });
  const ready: ThreadReady = { kind: 'ready' };
  // Load libpcap now, so that the first job does not wait for it (prewarm()).
  try {
    native.libVersion();
  } catch (e) {
    ready.error = toWireError(e);
  }
  parent.postMessage(ready);
}

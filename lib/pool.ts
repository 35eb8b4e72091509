/**
 * The pool of capture threads. A socket's capture loop occupies one thread
 * for the socket's whole life; a closed socket's thread goes back to the pool
 * and the next open() reuses it instead of paying worker start-up again. The
 * pool grows to one thread per open socket and lets idle threads go after
 * IDLE_MS.
 *
 * Why not piscina (as docs/ARCHITECTURE.md explains): piscina keeps its
 * port referenced for as long as a task runs, so a long-lived capture task
 * would keep the process alive and a socket's unref() could not work. Here
 * threads are always unref()'d and each socket's own MessagePort decides.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ErrorCode, PcapError, toPcapError } from './errors';
import { packageRoot } from './native';
import type { Job, JobRequest, PoolMessage } from './protocol';

const IDLE_MS = 30_000;

/** The compiled worker entry: next to this file in dist/, or dist/ when running from sources. */
function workerFile(): string {
  const beside = path.join(__dirname, 'worker.js');
  if (fs.existsSync(beside)) return beside;
  const built = path.join(packageRoot, 'dist', 'worker.js');
  if (fs.existsSync(built)) return built;
  throw new PcapError(ErrorCode.EPCAP, `the capture thread entry was not found (${built}); run \`npm run build\``);
}

interface PooledThread {
  worker: Worker;
  /** Settles when the thread has loaded the addon and libpcap (its 'ready' message). */
  ready: Promise<void>;
  /** Spawned by prewarm() and not used yet: kept until its first job. */
  prewarmed?: boolean;
  idleTimer?: NodeJS.Timeout;
  /** The job running on the thread, if any. */
  job?: { id: number; onExit: (error: PcapError) => void };
}

export interface PoolStats {
  threads: number;
  idle: number;
  busy: number;
}

/** A job's hold on its thread; release() hands the thread back (idempotent). */
export interface Lease {
  release(): void;
}

export class CaptureThreadPool {
  private readonly idle: PooledThread[] = [];
  private readonly busy = new Set<PooledThread>();
  private nextJobId = 1;

  /**
   * Runs a job on a free thread. `onExit` is called if the thread dies
   * before the job ends (it never should: the job catches everything).
   *
   * The thread goes back to the pool when the worker says the job is done,
   * or earlier when the owner calls release() on seeing the job's own last
   * message ('closed'): otherwise an open() right after a close() could find
   * no idle thread and pay a worker start-up. A job posted to a thread that
   * is still finishing its previous one simply waits in its queue.
   */
  run(job: JobRequest, onExit: (error: PcapError) => void): Lease {
    const thread = this.idle.pop() ?? this.spawn();
    if (thread.idleTimer) clearTimeout(thread.idleTimer);
    thread.idleTimer = undefined;
    thread.prewarmed = false;
    const id = this.nextJobId++;
    thread.job = { id, onExit };
    this.busy.add(thread);
    thread.worker.postMessage({ ...job, jobId: id } as Job, [job.port]);
    return { release: () => this.release(thread, id) };
  }

  private release(thread: PooledThread, jobId: number): void {
    if (thread.job?.id !== jobId) return;
    thread.job = undefined;
    this.busy.delete(thread);
    this.park(thread);
  }

  private park(thread: PooledThread): void {
    this.idle.push(thread);
    if (!thread.prewarmed) thread.idleTimer = setTimeout(() => this.retire(thread), IDLE_MS).unref();
  }

  /**
   * Starts threads until `count` are idle, each with the addon and libpcap
   * loaded, so that the next open() pays no thread start-up. Threads started
   * here wait for their first job however long it takes (idle threads
   * otherwise go after IDLE_MS). Rejects if libpcap cannot be loaded.
   */
  async prewarm(count: number): Promise<void> {
    const threads = [...this.idle];
    for (const thread of threads) {
      // Already idle: kept from now on as well, like the ones started here.
      if (thread.idleTimer) clearTimeout(thread.idleTimer);
      thread.idleTimer = undefined;
      thread.prewarmed = true;
    }
    while (threads.length < count) {
      const thread = this.spawn();
      thread.prewarmed = true;
      this.park(thread);
      threads.push(thread);
    }
    // The process stays up until they are ready, as for any awaited operation.
    for (const t of threads) t.worker.ref();
    try {
      await Promise.all(threads.map((t) => t.ready));
    } finally {
      for (const t of threads) t.worker.unref();
    }
  }

  stats(): PoolStats {
    return {
      threads: this.idle.length + this.busy.size,
      idle: this.idle.length,
      busy: this.busy.size,
    };
  }

  private spawn(): PooledThread {
    const worker = new Worker(workerFile(), { stdout: false, stderr: false });
    let settle!: (error?: PcapError) => void;
    const ready = new Promise<void>((resolve, reject) => (settle = (e) => (e ? reject(e) : resolve())));
    ready.catch(() => undefined); // only prewarm() looks at it
    const thread: PooledThread = { worker, ready };
    worker.on('message', (message: PoolMessage) => {
      if (message.kind === 'done') this.release(thread, message.jobId);
      else if (message.kind === 'ready') settle(message.error && toPcapError(message.error));
    });
    const lost = (why: string) => {
      settle(new PcapError(ErrorCode.EPCAP, `the capture thread ended unexpectedly: ${why}`));
      this.busy.delete(thread);
      const at = this.idle.indexOf(thread);
      if (at >= 0) this.idle.splice(at, 1);
      if (thread.idleTimer) clearTimeout(thread.idleTimer);
      const job = thread.job;
      thread.job = undefined;
      job?.onExit(new PcapError(ErrorCode.EPCAP, `the capture thread ended unexpectedly: ${why}`));
    };
    worker.on('error', (e) => lost(e instanceof Error ? e.message : String(e)));
    worker.on('exit', (code) => lost(`exit code ${code}`));
    // Threads never keep the process alive: open sockets' ports decide that.
    // (After the listeners: adding a 'message' listener refs the worker again.)
    worker.unref();
    return thread;
  }

  private retire(thread: PooledThread): void {
    const at = this.idle.indexOf(thread);
    if (at < 0) return;
    this.idle.splice(at, 1);
    thread.worker.removeAllListeners('exit');
    void thread.worker.terminate();
  }
}

export const pool = new CaptureThreadPool();

/**
 * open() and openOffline(): options resolved into a capture job, and the
 * socket that runs it.
 */
import type { TimeOf } from './batch';
import { dev } from './devices';
import {
  BATCH,
  resolveOffline,
  resolveOpen,
  type OfflineOptions,
  type OpenOptions,
  type ResolvedOffline,
  type TimeUnit,
} from './options';
import { CaptureSocket } from './socket';

/** Opens a live capture on `device` ('' or undefined: the default device). */
export async function open<U extends TimeUnit = 'timestamp'>(
  device?: string,
  options?: OpenOptions & { timeUnit?: U },
): Promise<CaptureSocket<TimeOf<U>>> {
  const r = resolveOpen(device, options);
  const name = r.device === '' ? await dev() : r.device;
  return CaptureSocket.start<TimeOf<U>>(name, r.timeUnit, {
    kind: 'capture',
    device: name,
    native: r.native,
    filter: r.filter,
    maxBatchesInFlight: r.maxBatchesInFlight,
    batch: BATCH,
  });
}

/**
 * Reads a pcap or pcapng savefile through the same socket interface:
 * 'packet' and 'batch' events, read(), async iteration, filter(); then
 * 'end'. A truncated or corrupt file delivers every good packet first, then
 * an 'error' with libpcap's text.
 */
export async function openOffline<U extends TimeUnit = 'timestamp'>(
  path: string,
  options?: OfflineOptions & { timeUnit?: U },
): Promise<CaptureSocket<TimeOf<U>>> {
  return startOffline<TimeOf<U>>(resolveOffline(path, options));
}

function startOffline<T>(r: ResolvedOffline): Promise<CaptureSocket<T>> {
  return CaptureSocket.start<T>(r.path, r.timeUnit, {
    kind: 'offline',
    path: r.path,
    precision: r.precision,
    filter: r.filter,
    maxBatchesInFlight: r.maxBatchesInFlight,
    batch: BATCH,
  });
}

/**
 * Type test of the events, compiled by `npm run lint` (tsc -p
 * tsconfig.test.json) and never run. Every line under a @ts-expect-error
 * must fail to compile: if the typing regresses so that it compiles, tsc
 * reports the directive as unused and the lint fails.
 */
import { EventEmitter, once } from 'node:events';
import type { CaptureSocket, PacketBatch } from 'ewpcap';

declare const s: CaptureSocket;
declare const nano: CaptureSocket<bigint>;

// What is right compiles, and each listener gets its event's types.
s.on('packet', (p) => {
  const bytes: Buffer = p.data;
  const seconds: number = p.time.sec;
  return [bytes, seconds, p.length, p.datalink];
});
nano.on('packet', (p) => {
  const time: bigint = p.time;
  return time;
});
s.on('batch', (b) => b.release());
s.once('error', (e) => {
  const code: string = e.code;
  return code;
});
s.on('warning', (message) => message.toUpperCase());
s.on('recorded', (written) => written.toFixed());
s.on('end', () => undefined).on('close', () => undefined);
s.prependListener('close', () => undefined);
s.prependOnceListener('packet', (p) => p.data);
s.removeListener('packet', (p) => p.data);
s.off('batch', (b) => b.count);
s.removeAllListeners('packet');
s.on('newListener', (event) => String(event));
s.on(EventEmitter.errorMonitor, () => undefined);
void new Promise((resolve) => s.once('end', resolve));
void new Promise<void>((resolve) => s.once('close', resolve));
void once(s, 'end'); // still an EventEmitter for node:events

// @ts-expect-error a misspelt event name
s.on('pakcet', () => undefined);
// @ts-expect-error a misspelt event name, in once()
s.once('edn', () => undefined);
// @ts-expect-error a misspelt event name, in off()
s.off('bacth', () => undefined);
// @ts-expect-error a misspelt event name, in prependListener()
s.prependListener('closed', () => undefined);
// @ts-expect-error a misspelt event name, in removeAllListeners()
s.removeAllListeners('packets');
// @ts-expect-error a packet has no such field
s.on('packet', (p) => p.nonexistent.foo());
// @ts-expect-error a misspelt method of a batch
s.on('batch', (b) => b.relase());
// @ts-expect-error a misspelt field of an error
s.on('error', (e) => e.cdoe);
// @ts-expect-error a packet listener does not get a batch
s.on('packet', (b: PacketBatch) => b.count);
// @ts-expect-error 'end' passes nothing
s.on('end', (reason: string) => reason);
// @ts-expect-error 'recorded' passes a number
s.on('recorded', (written: string) => written);
// @ts-expect-error with the nanosecond unit, time is a bigint
nano.on('packet', (p) => p.time.sec);
// @ts-expect-error emit() checks the arguments too
s.emit('recorded', 'ten');
// @ts-expect-error emit() checks the name too
s.emit('ned');

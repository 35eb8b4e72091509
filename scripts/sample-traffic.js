#!/usr/bin/env node
/*
 * The two ends of the traffic in the embedded sample capture (see
 * scripts/make-sample): `server` answers DNS, TCP and UDP echo in its own
 * network namespace; `client` talks to it once of each, then injects an ICMP
 * echo request (no ping(8) needed) that the server's kernel answers.
 *
 *   node scripts/sample-traffic.js server ADDR ADDR6
 *   node scripts/sample-traffic.js client ADDR ADDR6 SERVER SERVER6 SERVER_MAC DEVICE
 */
'use strict';
const dgram = require('node:dgram');
const net = require('node:net');
const { Resolver } = require('node:dns').promises;

const NAME_ADDRESS = [192, 0, 2, 80];

/** A DNS response to `query` with one A record, the name as a pointer to the question. */
function dnsAnswer(query) {
  let end = 12;
  while (query[end] !== 0) end += query[end] + 1;
  end += 5; // the root label, QTYPE, QCLASS
  const header = Buffer.from(query.subarray(0, 12));
  header.writeUInt16BE(0x8180, 2); // response, recursion desired and available, no error
  header.writeUInt16BE(1, 6); // one answer
  header.writeUInt16BE(0, 8);
  header.writeUInt16BE(0, 10);
  const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, ...NAME_ADDRESS]);
  return Buffer.concat([header, query.subarray(12, end), answer]);
}

function server(address, address6) {
  const dns = dgram.createSocket('udp4');
  dns.on('message', (m, from) => dns.send(dnsAnswer(m), from.port, from.address));
  dns.bind(53, address);
  const echo = dgram.createSocket('udp6');
  echo.on('message', (m, from) => echo.send(m, from.port, from.address));
  echo.bind(7, address6);
  net
    .createServer((c) => {
      c.once('data', () => c.end('HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\newpcap'));
    })
    .listen(80, address);
  console.log('ready');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function checksum(bytes) {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i] << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function echoRequest(srcMac, dstMac, src, dst, seq) {
  const f = Buffer.alloc(14 + 20 + 8 + 32);
  Buffer.from(dstMac.split(':').map((x) => parseInt(x, 16))).copy(f, 0);
  Buffer.from(srcMac.split(':').map((x) => parseInt(x, 16))).copy(f, 6);
  f.writeUInt16BE(0x0800, 12);
  const ip = f.subarray(14, 34);
  ip[0] = 0x45;
  ip.writeUInt16BE(f.length - 14, 2);
  ip.writeUInt16BE(0x4000, 6);
  ip[8] = 64;
  ip[9] = 1;
  Buffer.from(src.split('.').map(Number)).copy(ip, 12);
  Buffer.from(dst.split('.').map(Number)).copy(ip, 16);
  ip.writeUInt16BE(checksum(ip), 10);
  const icmp = f.subarray(34);
  icmp[0] = 8;
  icmp.writeUInt16BE(0x4577, 4);
  icmp.writeUInt16BE(seq, 6);
  for (let i = 8; i < icmp.length; i++) icmp[i] = 0x20 + i;
  icmp.writeUInt16BE(checksum(icmp), 2);
  return f;
}

async function client(address, address6, serverAddress, serverAddress6, serverMac, device) {
  // DNS through the resolver (the first packet to the server: ARP first).
  const resolver = new Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([serverAddress]);
  await resolver.resolve4('www.example.test');
  await sleep(20);
  // UDP: three datagrams to the discard port, which nobody serves (the
  // server's kernel answers each with ICMP port unreachable).
  const udp = dgram.createSocket('udp4');
  await new Promise((r) => udp.bind(0, address, r));
  for (const text of ['one', 'two', 'three']) {
    await new Promise((r) => udp.send(text, 9, serverAddress, r));
    await sleep(10);
  }
  udp.close();
  // UDP over IPv6 to the echo port (neighbour discovery first).
  const udp6 = dgram.createSocket('udp6');
  await new Promise((r) => udp6.bind(0, address6, r));
  const echoed = new Promise((r) => udp6.once('message', r));
  udp6.send('hello over IPv6', 7, serverAddress6);
  await echoed;
  udp6.close();
  await sleep(20);
  // TCP: handshake, a request, the answer, both FINs.
  await new Promise((resolve, reject) => {
    const c = net.connect({ host: serverAddress, port: 80, localAddress: address }, () =>
      c.write('GET / HTTP/1.0\r\nHost: www.example.test\r\n\r\n'),
    );
    c.on('data', () => {});
    c.on('end', () => {
      c.end();
      resolve();
    });
    c.on('error', reject);
  });
  await sleep(50);
  // ICMP echo, injected with ewpcap itself; the server's kernel replies.
  const { open } = require('..');
  const sock = await open(device);
  const mac = require('node:os').networkInterfaces()[device]?.[0]?.mac;
  for (let seq = 1; seq <= 3; seq++) {
    await sock.write(echoRequest(mac, serverMac, address, serverAddress, seq));
    await sleep(20);
  }
  await sock.close();
}

const [role, ...args] = process.argv.slice(2);
if (role === 'server') server(...args);
else if (role === 'client')
  client(...args).catch((e) => {
    console.error(e);
    process.exit(1);
  });
else {
  console.error('usage: sample-traffic.js server|client ...');
  process.exit(2);
}

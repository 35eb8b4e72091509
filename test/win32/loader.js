/*
 * The Windows loader, run under Wine before wpcap.dll is put in the Npcap
 * folder (scripts/test-win32):
 *
 *   node loader.js OUT_DIR WPCAP_DLL CAPTURE_FILE
 *
 * Without Npcap the package still loads, and every call that needs libpcap
 * fails with ELIBPCAP naming Npcap; EWPCAP_LIBPCAP set to a wpcap.dll loads
 * that one; set to a DLL that is not libpcap, or to a missing file, it fails
 * with ELIBPCAP. Each EWPCAP_LIBPCAP case runs in its own process (libpcap is
 * loaded once per process). Writes OUT_DIR/loader.json ({ checks }).
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { record, checks, errorOf } = require('./common');

const [outDir, wpcap, captureFile] = process.argv.slice(2);

function child(libpcap) {
  const result = path.join(outDir, 'loader-child.json');
  fs.rmSync(result, { force: true });
  const r = spawnSync(process.execPath, [path.join(__dirname, 'loader-child.js'), result, captureFile], {
    stdio: 'ignore',
    timeout: 60_000,
    env: { ...process.env, EWPCAP_LIBPCAP: libpcap },
  });
  return fs.existsSync(result)
    ? JSON.parse(fs.readFileSync(result, 'utf8'))
    : { status: r.status, error: r.error?.message };
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  const pkg = path.dirname(require.resolve('ewpcap/package.json'));
  const addon = require('node-gyp-build').resolve(pkg);
  record(
    'node-gyp-build picks prebuilds/win32-x64/ewpcap.node',
    /[\\/]prebuilds[\\/]win32-x64[\\/]ewpcap\.node$/.test(addon),
    addon,
  );

  let ewpcap;
  try {
    ewpcap = require('ewpcap');
    record('the package loads without Npcap', true);
  } catch (e) {
    record('the package loads without Npcap', false, e.stack);
    return;
  }
  let version;
  try {
    version = ewpcap.libVersion();
  } catch (e) {
    version = e;
  }
  const hint = (e) =>
    e?.code === 'ELIBPCAP' &&
    /Npcap/.test(e.message) &&
    /npcap\.com/.test(e.message) &&
    /\\System32\\Npcap\\wpcap\.dll/i.test(e.message);
  record(
    'without Npcap, libVersion() throws ELIBPCAP naming Npcap and its folder',
    hint(version),
    version?.message ?? version,
  );
  for (const [name, call] of [
    ['openOffline()', () => ewpcap.openOffline(captureFile)],
    ['compile()', () => ewpcap.compile('tcp')],
    ['getifaddrs()', () => ewpcap.getifaddrs()],
    ['open()', () => ewpcap.open('')],
    ['createSavefile()', () => ewpcap.createSavefile(path.join(outDir, 'never.pcap'))],
  ]) {
    const e = await errorOf(call());
    record(
      `without Npcap, ${name} rejects with ELIBPCAP naming Npcap`,
      hint(e),
      e ? `${e.code}: ${e.message}` : 'resolved',
    );
  }

  const good = child(wpcap);
  record(
    'EWPCAP_LIBPCAP set to a wpcap.dll: that library is used',
    typeof good.version === 'string' && good.path === wpcap && good.count > 0,
    JSON.stringify(good),
  );
  const kernel32 = child('C:\\windows\\system32\\kernel32.dll');
  record(
    'EWPCAP_LIBPCAP set to a DLL that is not libpcap: ELIBPCAP "not a usable libpcap"',
    kernel32.code === 'ELIBPCAP' && /not a usable libpcap/.test(kernel32.message),
    JSON.stringify(kernel32),
  );
  const missing = child('C:\\nowhere\\wpcap.dll');
  record(
    'EWPCAP_LIBPCAP set to a missing file: ELIBPCAP naming the file',
    missing.code === 'ELIBPCAP' && /C:\\nowhere\\wpcap\.dll/.test(missing.message),
    JSON.stringify(missing),
  );
}

main()
  .catch((e) => record('loader checks ran', false, e?.stack ?? String(e)))
  .finally(() => fs.writeFileSync(path.join(outDir, 'loader.json'), JSON.stringify({ checks }, null, 1)));

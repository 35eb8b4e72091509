#!/usr/bin/env node
'use strict';
/*
 * Interleaved A/B of flood configurations: the way a tuning mechanism earns
 * its place (METHOD.md). Variants run in turn (A B B A A B ...), each in a
 * fresh process, against the same generator settings; the summary gives the
 * median and the range of each figure, so a gain can be read against the
 * run-to-run spread.
 *
 *   node scripts/netns.js node bench/ab.js [--pairs 5] [--count 2000000] [--rate pps]
 *        --variant NAME=CONFIG[,VAR=value...] --variant NAME=CONFIG[,VAR=value...]
 *
 * CONFIG is a key of bench/flood.js's CONFIGS; VAR=value sets an environment
 * variable for that variant's capturer, e.g. EWPCAP_BENCH_LIB=/path/to/a/built/tree
 * to measure another commit's build (git worktree add ..., npm run build there).
 */
const C = require('./common');
const flood = require('./flood');

function parseVariant(text) {
  const [name, rest] =
    text.split('=', 2).length === 2
      ? [text.slice(0, text.indexOf('=')), text.slice(text.indexOf('=') + 1)]
      : [text, text];
  const [key, ...vars] = rest.split(',');
  const config = flood.CONFIGS.find((c) => c.key === key);
  if (!config) throw new Error(`no flood configuration ${key}: one of ${flood.CONFIGS.map((c) => c.key).join(', ')}`);
  const env = Object.fromEntries(vars.map((v) => [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)]));
  return { name, config, env };
}

/** Runs `fn` with `env` set in process.env (which the forked capturer inherits). */
async function withEnv(env, fn) {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const FIGURES = {
  drop: (r) => r.stats.drop,
  cpuPerM: (r) => flood.perMillion(r),
  eldP99: (r) => r.eld?.p99,
  eldMax: (r) => r.eld?.max,
  rssMiB: (r) => r.maxRssKiB / 1024,
};

async function abAll({ variants, pairs = 5, gen = flood.FLOOD, log = () => {} }) {
  const runs = Object.fromEntries(variants.map((v) => [v.name, []]));
  for (let i = 0; i < pairs; i++) {
    for (const v of i % 2 ? [...variants].reverse() : variants) {
      const r = await withEnv(v.env, () => flood.runOnce(v.config, gen));
      runs[v.name].push(r);
      log(
        `  ${v.name}: ${Object.entries(FIGURES)
          .map(([k, f]) => `${k} ${Number(f(r)).toFixed(3)}`)
          .join(', ')}`,
      );
    }
  }
  const summary = {};
  for (const [name, rs] of Object.entries(runs)) {
    summary[name] = {};
    for (const [k, f] of Object.entries(FIGURES)) {
      const xs = rs.map(f).filter((x) => Number.isFinite(x));
      summary[name][k] = xs.length ? { median: C.median(xs), min: Math.min(...xs), max: Math.max(...xs) } : null;
    }
  }
  return summary;
}

module.exports = { abAll };

if (require.main === module) {
  C.inNamespace();
  const argv = process.argv.slice(2);
  const arg = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
  const variants = argv.flatMap((a, i) => (a === '--variant' ? [parseVariant(argv[i + 1])] : []));
  if (variants.length < 2) {
    console.error('give at least two --variant NAME=CONFIG[,VAR=value...]');
    process.exit(2);
  }
  const gen = { count: Number(arg('--count', 2_000_000)), rate: Number(arg('--rate', 0)) };
  abAll({ variants, pairs: Number(arg('--pairs', 5)), gen, log: (s) => console.error(s) })
    .then((summary) => {
      for (const [name, s] of Object.entries(summary)) {
        const f = (x) => (x ? `${x.median.toFixed(3)} [${x.min.toFixed(3)}–${x.max.toFixed(3)}]` : '–');
        console.log(
          `${name}: ${Object.entries(s)
            .map(([k, x]) => `${k} ${f(x)}`)
            .join('; ')}`,
        );
      }
    })
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}

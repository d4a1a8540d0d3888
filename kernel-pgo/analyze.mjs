#!/usr/bin/env node
// Benchmark analysis: per-cell medians, paired ratios to vanilla with confidence intervals, pairs
// faster, CPU times, and an SVG chart of every boot. No dependencies beyond node.
// usage: node analyze.mjs RESULTS.tsv OUTDIR [BASELINE]     (writes results.md, results.json, chart.svg)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const NUMERIC = ['round', 'seq', 'value', 'wall', 'utime', 'stime', 'load1_before', 'load1_after'];

/** Parses bench.sh's results.tsv (header line, tab-separated). */
export function parseResults(text) {
  const lines = text.replace(/\r/g, '').split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return [];
  const head = lines[0].split('\t');
  return lines.slice(1).map((l, i) => {
    const f = l.split('\t');
    if (f.length !== head.length) throw new Error(`results line ${i + 2}: ${f.length} fields, expected ${head.length}`);
    const row = {};
    head.forEach((h, j) => {
      row[h] = NUMERIC.includes(h) ? Number(f[j]) : f[j];
      if (NUMERIC.includes(h) && !Number.isFinite(row[h])) throw new Error(`results line ${i + 2}: ${h} is not a number: '${f[j]}'`);
    });
    return row;
  });
}

/** Parses the guest's result line ("KPGO-RESULT workload=A metric=rps value=123.4 ..."), CR-tolerant. */
export function parseConsole(text) {
  for (const line of text.replace(/\r/g, '').split('\n')) {
    if (!line.startsWith('KPGO-RESULT ')) continue;
    const kv = {};
    for (const tok of line.slice(12).trim().split(/\s+/)) {
      const eq = tok.indexOf('=');
      if (eq > 0) kv[tok.slice(0, eq)] = tok.slice(eq + 1);
    }
    return { workload: kv.workload, metric: kv.metric, value: Number(kv.value), fields: kv };
  }
  return undefined;
}

export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function mean(xs) {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation. */
export function sd(xs) {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

// Student t 0.975 quantiles, df 1..30; beyond 30 a normal-based approximation.
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145,
  2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];
export function t975(df) {
  if (df < 1) return NaN;
  if (df <= 30) return T975[df - 1];
  return 1.96 + 2.4 / df; // within 0.002 of the exact value for df > 30
}

/** 95% t-interval of the mean of xs: [lo, hi]. */
export function tInterval(xs) {
  const n = xs.length;
  if (n < 2) return [NaN, NaN];
  const h = t975(n - 1) * sd(xs) / Math.sqrt(n);
  const m = mean(xs);
  return [m - h, m + h];
}

/** Deterministic PRNG (mulberry32) so that the bootstrap intervals are reproducible. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Percentile bootstrap 95% interval of stat(xs). */
export function bootstrapInterval(xs, stat = mean, { resamples = 10000, seed = 1 } = {}) {
  if (xs.length < 2) return [NaN, NaN];
  const r = rng(seed);
  const stats = new Float64Array(resamples);
  const buf = new Array(xs.length);
  for (let i = 0; i < resamples; i++) {
    for (let j = 0; j < xs.length; j++) buf[j] = xs[Math.floor(r() * xs.length)];
    stats[i] = stat(buf);
  }
  stats.sort();
  return [stats[Math.floor(0.025 * resamples)], stats[Math.ceil(0.975 * resamples) - 1]];
}

/**
 * Pairs each boot of KERNEL with the BASELINE boot of the same round and workload.
 * Returns [{round, value, base, ratio}].
 */
export function pairs(rows, kernel, workload, baseline = 'vanilla', key = 'value') {
  const base = new Map(rows.filter((r) => r.kernel === baseline && r.workload === workload).map((r) => [r.round, r]));
  return rows
    .filter((r) => r.kernel === kernel && r.workload === workload && base.has(r.round))
    .map((r) => ({ round: r.round, value: r[key], base: base.get(r.round)[key], ratio: r[key] / base.get(r.round)[key] }));
}

/** Per (kernel, workload) cell: boots, median throughput, CPU times, paired ratio to baseline + CIs. */
export function cells(rows, baseline = 'vanilla') {
  const kernels = [...new Set(rows.map((r) => r.kernel))];
  const workloads = [...new Set(rows.map((r) => r.workload))].sort();
  const out = [];
  for (const w of workloads) {
    for (const k of kernels) {
      const rs = rows.filter((r) => r.kernel === k && r.workload === w);
      if (rs.length === 0) continue;
      const cell = {
        kernel: k,
        workload: w,
        boots: rs.length,
        median: median(rs.map((r) => r.value)),
        utime: median(rs.map((r) => r.utime)),
        stime: median(rs.map((r) => r.stime)),
        wall: median(rs.map((r) => r.wall)),
        load1: median(rs.map((r) => r.load1_before)),
      };
      if (k !== baseline) {
        const ps = pairs(rows, k, w, baseline);
        const logs = ps.map((p) => Math.log(p.ratio));
        const ulogs = pairs(rows, k, w, baseline, 'utime').map((p) => Math.log(p.ratio));
        cell.pairs = ps.length;
        cell.faster = ps.filter((p) => p.ratio > 1).length;
        cell.ratio = Math.exp(mean(logs)); // geometric mean of the paired ratios
        cell.ciT = tInterval(logs).map(Math.exp);
        cell.ciBoot = bootstrapInterval(logs, mean, { seed: 12345 }).map(Math.exp);
        cell.medianRatio = median(ps.map((p) => p.ratio));
        cell.utimeRatio = ulogs.length ? Math.exp(mean(ulogs)) : NaN;
        cell.utimeCiT = tInterval(ulogs).map(Math.exp);
      }
      out.push(cell);
    }
  }
  return out;
}

const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const f3 = (x) => (Number.isFinite(x) ? x.toFixed(3) : '–');
const rngTxt = (ci) => (ci && Number.isFinite(ci[0]) ? `${f3(ci[0])}–${f3(ci[1])}` : '–');

export function markdownTable(cs) {
  const lines = [
    '| workload | kernel | boots | median req/s | paired ratio to vanilla (geo. mean) | 95% CI (t, log ratios) | 95% CI (bootstrap) | pairs faster | median user s | median sys s | user-time ratio (95% CI) | median load1 |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const c of cs) {
    lines.push(
      `| ${c.workload} | ${c.kernel} | ${c.boots} | ${f1(c.median)} | ${c.ratio === undefined ? '(baseline)' : f3(c.ratio)} | ` +
        `${c.ratio === undefined ? '' : rngTxt(c.ciT)} | ${c.ratio === undefined ? '' : rngTxt(c.ciBoot)} | ` +
        `${c.ratio === undefined ? '' : `${c.faster}/${c.pairs}`} | ${f2(c.utime)} | ${f2(c.stime)} | ` +
        `${c.ratio === undefined ? '' : `${f3(c.utimeRatio)} (${rngTxt(c.utimeCiT)})`} | ${f2(c.load1)} |`,
    );
  }
  return lines.join('\n');
}

const COLORS = ['#444444', '#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e'];
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** SVG: one panel per workload, throughput of every boot against its sequence number, one colour per kernel. */
export function svgChart(rows, { width = 900, panelHeight = 280, title = 'UML kernel PGO: throughput of every boot' } = {}) {
  const workloads = [...new Set(rows.map((r) => r.workload))].sort();
  const kernels = [...new Set(rows.map((r) => r.kernel))];
  const ml = 70, mr = 150, mt = 40, mb = 40;
  const height = mt + workloads.length * (panelHeight + mb) + 10;
  const seqs = rows.map((r) => r.seq);
  const x0 = Math.min(...seqs), x1 = Math.max(...seqs);
  const sx = (s) => ml + ((s - x0) / Math.max(1, x1 - x0)) * (width - ml - mr);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
  ];
  workloads.forEach((w, wi) => {
    const top = mt + wi * (panelHeight + mb);
    const rs = rows.filter((r) => r.workload === w);
    const vs = rs.map((r) => r.value);
    let lo = Math.min(...vs), hi = Math.max(...vs);
    const pad = (hi - lo) * 0.08 || 1;
    lo -= pad; hi += pad;
    const sy = (v) => top + panelHeight - ((v - lo) / (hi - lo)) * panelHeight;
    out.push(`<rect x="${ml}" y="${top}" width="${width - ml - mr}" height="${panelHeight}" fill="none" stroke="#999"/>`);
    out.push(`<text x="${ml + 5}" y="${top + 15}" font-weight="bold">workload ${esc(w)}</text>`);
    for (let i = 0; i <= 4; i++) {
      const v = lo + ((hi - lo) * i) / 4;
      out.push(`<line x1="${ml - 4}" x2="${width - mr}" y1="${sy(v).toFixed(1)}" y2="${sy(v).toFixed(1)}" stroke="#eee"/>`);
      out.push(`<text x="${ml - 6}" y="${(sy(v) + 4).toFixed(1)}" text-anchor="end">${Math.round(v)}</text>`);
    }
    out.push(`<text transform="translate(15 ${top + panelHeight / 2}) rotate(-90)" text-anchor="middle">requests/s</text>`);
    kernels.forEach((k, ki) => {
      const pts = rs.filter((r) => r.kernel === k).sort((a, b) => a.seq - b.seq);
      if (pts.length === 0) return;
      const c = COLORS[ki % COLORS.length];
      out.push(`<polyline fill="none" stroke="${c}" stroke-opacity="0.35" points="${pts.map((p) => `${sx(p.seq).toFixed(1)},${sy(p.value).toFixed(1)}`).join(' ')}"/>`);
      for (const p of pts) out.push(`<circle cx="${sx(p.seq).toFixed(1)}" cy="${sy(p.value).toFixed(1)}" r="3" fill="${c}"><title>${esc(`${k} round ${p.round}: ${p.value}`)}</title></circle>`);
      const m = median(pts.map((p) => p.value));
      out.push(`<line x1="${ml}" x2="${width - mr}" y1="${sy(m).toFixed(1)}" y2="${sy(m).toFixed(1)}" stroke="${c}" stroke-dasharray="4 3"/>`);
      if (wi === 0) {
        out.push(`<rect x="${width - mr + 12}" y="${top + 10 + ki * 18}" width="10" height="10" fill="${c}"/>`);
        out.push(`<text x="${width - mr + 28}" y="${top + 19 + ki * 18}">${esc(k)}</text>`);
      }
    });
    out.push(`<text x="${(ml + width - mr) / 2}" y="${top + panelHeight + 28}" text-anchor="middle">boot number (time order); dashed: median per kernel</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function main(argv) {
  if (argv.length < 2) {
    console.error('usage: node analyze.mjs RESULTS.tsv OUTDIR [BASELINE]');
    return 2;
  }
  const rows = parseResults(readFileSync(argv[0], 'utf8'));
  const cs = cells(rows, argv[2] ?? 'vanilla');
  const md = markdownTable(cs);
  writeFileSync(join(argv[1], 'results.md'), md + '\n');
  writeFileSync(join(argv[1], 'results.json'), JSON.stringify(cs, null, 1) + '\n');
  writeFileSync(join(argv[1], 'chart.svg'), svgChart(rows));
  console.log(md);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exit(main(process.argv.slice(2)));

// A port of cpuguard.py (../shared/bench/cpuguard.py) for the Node children of the benchmark:
// wait until the machine is idle before a timed iteration, and measure how much CPU other
// processes (and the hypervisor) used during it. The machines are shared; an iteration during
// which others used more than 5% of its wall time (at least 0.02 s) counts as disturbed and is
// left out of the median.
import fs from 'node:fs';

const HZ = 100; // USER_HZ, the unit of /proc/stat on Linux

/** [busy incl. steal, total, steal] in jiffies: user nice system idle iowait irq softirq steal. */
function stat() {
  try {
    const v = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const idle = v[3] + v[4];
    const total = v.reduce((a, b) => a + b, 0);
    return [total - idle, total, v[7]];
  } catch {
    return null; // not Linux: no idle check, nothing counts as disturbed
  }
}

/** CPU seconds this process (all its threads) has used. */
function own() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Foreign CPU seconds above which an iteration of t seconds counts as disturbed: 5% of t, as
 * cpuguard's users do, but never under 2 jiffies (0.02 s), since /proc/stat counts in 10 ms
 * jiffies and one stray jiffy would otherwise flag every short (--quick) iteration.
 */
export const disturbedAbove = (t) => Math.max(0.05 * t, 2 / HZ);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Wait until the whole machine is < thresh busy over a probe window, at most maxWait seconds. Returns seconds waited. */
export async function waitIdle(thresh = 0.1, maxWait = 90, probe = 0.3) {
  const t0 = performance.now();
  if (maxWait <= 0 || !stat()) return 0;
  while ((performance.now() - t0) / 1000 < maxWait) {
    const [b0, a0] = stat();
    await sleep(probe * 1000);
    const [b1, a1] = stat();
    if (a1 > a0 && (b1 - b0) / (a1 - a0) < thresh) break;
  }
  return (performance.now() - t0) / 1000;
}

/** Start measuring; call the returned function after the work: { cpu_s, steal_s } of others meanwhile. */
export function foreign() {
  const s0 = stat();
  const o0 = own();
  return () => {
    const s1 = stat();
    if (!s0 || !s1) return { cpu_s: 0, steal_s: 0 };
    const steal = (s1[2] - s0[2]) / HZ;
    return { cpu_s: Math.max(0, (s1[0] - s0[0] - (s1[2] - s0[2])) / HZ - (own() - o0)), steal_s: steal };
  };
}

/** Peak resident set size of this process so far, in MB (VmHWM), or null where /proc is absent. */
export function peakRssMb() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Time an async step: `warmup` untimed calls, then `iters` timed ones, each after waitIdle.
 * Returns the median over undisturbed iterations (all of them when every one was disturbed: n_clean 0).
 */
export async function timeSteps(step, { warmup, iters, idleWait, idleThresh }) {
  for (let i = 0; i < warmup; i++) await step();
  const ts = [], fs_ = [], ss = [], ws = [];
  for (let i = 0; i < iters; i++) {
    ws.push(await waitIdle(idleThresh, idleWait));
    const done = foreign();
    const t0 = performance.now();
    await step();
    const t = (performance.now() - t0) / 1000;
    const f = done();
    ts.push(t); fs_.push(f.cpu_s); ss.push(f.steal_s);
  }
  const ok = ts.filter((t, i) => fs_[i] + ss[i] < disturbedAbove(t));
  const med = median(ok.length ? ok : ts);
  const r2 = (x) => Math.round(x * 100) / 100;
  return {
    median_s: med,
    all_s: ts.map((t) => Math.round(t * 1e4) / 1e4),
    foreign_cpu_s: fs_.map(r2),
    steal_s: ss.map(r2),
    waited_s: ws.map((w) => Math.round(w * 10) / 10),
    n_clean: ok.length,
    iters: ts.length,
  };
}

/** Parse `--key value` / `--flag` arguments into an object (values are strings or true). */
export function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}"`);
    const eq = a.indexOf('=');
    if (eq > 0) { out[a.slice(2, eq)] = a.slice(eq + 1); continue; }
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) out[a.slice(2)] = true;
    else { out[a.slice(2)] = next; i++; }
  }
  return out;
}

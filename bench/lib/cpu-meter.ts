/**
 * Who used the CPUs during a measured phase: meshd, the harness itself, and everything else on
 * the machine. The last matters on small shared machines: a test suite running alongside can
 * halve the figures, and a result is only worth comparing when "other" stayed near zero.
 */
import { readFileSync } from 'node:fs';
import { MS_PER_TICK, type MeshdProcess } from './meshd-process.js';
import { nowMs } from './stats.js';

/** CPU use over a phase, each as % of one core (so 2 cores fully busy = 200). */
export interface CpuShare {
  meshdCpuPercent: number;
  harnessCpuPercent: number;
  otherCpuPercent: number;
}

/** Busy CPU time of the whole machine (all cores), ms; NaN without /proc/stat. */
function machineBusyMs(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    // cpu user nice system idle iowait irq softirq steal ...: idle and iowait are not busy.
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * MS_PER_TICK;
  } catch {
    return Number.NaN;
  }
}

/** Starts measuring now; call the returned function at the end of the phase. */
export function startCpuMeter(meshd: MeshdProcess): () => CpuShare {
  const meshdBefore = meshd.usage().cpuMs;
  const harnessBefore = process.cpuUsage();
  const machineBefore = machineBusyMs();
  const started = nowMs();
  return () => {
    const elapsed = nowMs() - started;
    const meshdMs = meshd.usage().cpuMs - meshdBefore;
    const harness = process.cpuUsage(harnessBefore);
    const harnessMs = (harness.user + harness.system) / 1000;
    const machineMs = machineBusyMs() - machineBefore;
    const pct = (ms: number): number => (ms / elapsed) * 100;
    // Tick granularity makes this a few percent noisy; clamp so noise never reads as negative load.
    return { meshdCpuPercent: pct(meshdMs), harnessCpuPercent: pct(harnessMs), otherCpuPercent: Math.max(0, pct(machineMs - meshdMs - harnessMs)) };
  };
}

/**
 * Process and machine facts for the end-to-end benchmark, from Linux `/proc` (other systems get
 * `NaN` / "unknown"): CPU time and resident memory of a process, and a description of the machine.
 *
 * @module
 */

/**
 * CPU time used so far by a process (all its threads), or by one of its threads when `tid` is
 * given (a process's main thread has `tid` = `pid`), ms (user + system; NaN when unavailable).
 */
export function cpuTimeMs(pid: number, tid?: number): number {
  try {
    const path = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
    const stat = Deno.readTextFileSync(path);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of the line (11 and 12 after the command name), in
    // clock ticks: 100 per second on Linux.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

/**
 * CPU time of a process's live threads, in ms with nanosecond resolution: the sum of each
 * thread's on-CPU time from `/proc/<pid>/task/<tid>/schedstat` (the scheduler's own count, where
 * `utime` + `stime` are in 10 ms ticks). Threads that exited are not counted, so a sample should
 * span threads that live through it. With `tid`, that thread only. NaN when unavailable.
 *
 * @example
 * ```ts
 * import { cpuTimePreciseMs } from "./e2e_proc.ts";
 * let x = 0;
 * for (let i = 0; i < 1e6; i++) x += i;
 * if (!(cpuTimePreciseMs(Deno.pid) > 0) || x < 0) throw new Error("no CPU time");
 * ```
 */
export function cpuTimePreciseMs(pid: number, tid?: number): number {
  try {
    const tids = tid !== undefined
      ? [tid]
      : [...Deno.readDirSync(`/proc/${pid}/task`)].map((e) => Number(e.name));
    let ns = 0;
    for (const t of tids) {
      try {
        ns += Number(Deno.readTextFileSync(`/proc/${pid}/task/${t}/schedstat`).split(" ")[0]);
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e; // the thread just exited
      }
    }
    return ns / 1e6;
  } catch {
    return NaN;
  }
}

/** Resident memory of a process now and at its peak, MiB (NaN when unavailable). */
export function memoryMiB(pid: number): { rss: number; peak: number } {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const kb = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
    return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
  } catch {
    return { rss: NaN, peak: NaN };
  }
}

/** What the benchmark ran on. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  deno: string;
  v8: string;
  /** 1-minute load average when the run started (other work on the machine). */
  loadAverage: number;
}

/**
 * A description of this machine.
 *
 * @example
 * ```ts
 * import { machineInfo } from "./e2e_proc.ts";
 * const m = machineInfo();
 * if (!(m.cores >= 1)) throw new Error();
 * ```
 */
export function machineInfo(): MachineInfo {
  const read = (path: string) => {
    try {
      return Deno.readTextFileSync(path);
    } catch {
      return "";
    }
  };
  const cpu = /^model name\s*:\s*(.+)$/m.exec(read("/proc/cpuinfo"))?.[1]?.trim() ?? "unknown";
  const memKb = Number(/^MemTotal:\s+(\d+)/m.exec(read("/proc/meminfo"))?.[1]);
  return {
    cpu,
    cores: navigator.hardwareConcurrency,
    memoryGiB: Math.round((memKb / 1024 / 1024) * 10) / 10,
    os: `${Deno.build.os} ${Deno.osRelease()}`,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    loadAverage: Deno.loadavg()[0],
  };
}

/**
 * @module
 * CPU, memory and disk figures for the System page (SPEC §6). CPU load is the busy share
 * of all cores since the previous sample, so it needs two samples; the first call
 * measures since the host booted.
 */
import { cpus, freemem, loadavg, totalmem, uptime as hostUptime } from 'node:os'
import { statfs } from 'node:fs/promises'

/** One snapshot of the host and the process. */
export interface HostStats {
  cpu: {
    cores: number
    /** Busy share of all cores since the previous sample, 0–1. */
    busy: number
    /** 1, 5 and 15 minute load averages. */
    loadAverage: [number, number, number]
    /** CPU time used by this process since the previous sample, as a share of one core. */
    processShare: number
  }
  memory: { totalBytes: number; availableBytes: number; processRssBytes: number; heapUsedBytes: number }
  /**
   * File system holding the data directory, in df's terms (`df -B1 --output=size,used,avail`);
   * `null` when it cannot be read (e.g. missing).
   */
  disk: {
    path: string
    /** Size: all blocks. */
    totalBytes: number
    /** Used: blocks not free, the root reserve excluded from free, as df counts them. */
    usedBytes: number
    /** Available to unprivileged writers (free minus the root reserve). */
    availableBytes: number
    /** df's `Use%`: used / (used + available), rounded up, 0–100. */
    usedPercent: number
  } | null
  processUptimeS: number
  hostUptimeS: number
}

function cpuTimes(): { idle: number; total: number } {
  let idle = 0
  let total = 0
  for (const cpu of cpus()) {
    idle += cpu.times.idle
    total += cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq + cpu.times.idle
  }
  return { idle, total }
}

/**
 * Samples host statistics; keeps the previous CPU sample so each call reports the load
 * since the last one.
 */
export class HostStatsSampler {
  private readonly dataDir: string
  private lastCpu = { idle: 0, total: 0 }
  private lastProcess = { usage: process.cpuUsage(), atUs: process.uptime() * 1e6 }

  /** @param dataDir the log data directory whose file system is reported. */
  constructor(dataDir: string) {
    this.dataDir = dataDir
  }

  /** Takes a sample now. */
  async sample(): Promise<HostStats> {
    const cpu = cpuTimes()
    const deltaTotal = cpu.total - this.lastCpu.total
    const busy = deltaTotal > 0 ? 1 - (cpu.idle - this.lastCpu.idle) / deltaTotal : 0
    this.lastCpu = cpu
    const nowUs = process.uptime() * 1e6
    const usage = process.cpuUsage(this.lastProcess.usage)
    const elapsedUs = nowUs - this.lastProcess.atUs
    const processShare = elapsedUs > 0 ? (usage.user + usage.system) / elapsedUs : 0
    this.lastProcess = { usage: process.cpuUsage(), atUs: nowUs }
    const memory = process.memoryUsage()
    let disk: HostStats['disk'] = null
    try {
      const fs = await statfs(this.dataDir)
      // Node's statfs has no f_frsize; libuv reports f_bsize, which Linux file systems set equal to it.
      const usedBytes = (fs.blocks - fs.bfree) * fs.bsize
      const availableBytes = fs.bavail * fs.bsize
      disk = {
        path: this.dataDir,
        totalBytes: fs.blocks * fs.bsize,
        usedBytes,
        availableBytes,
        // As df computes Use%: the reserve counts as neither, and any fraction rounds up.
        usedPercent: usedBytes + availableBytes > 0 ? Math.ceil((usedBytes * 100) / (usedBytes + availableBytes)) : 0,
      }
    } catch {
      // Before the first engine stores anything the directory may not exist: show "unavailable".
    }
    return {
      cpu: {
        cores: cpus().length,
        busy: Math.min(1, Math.max(0, busy)),
        loadAverage: loadavg() as [number, number, number],
        processShare,
      },
      memory: {
        totalBytes: totalmem(),
        availableBytes: freemem(),
        processRssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
      },
      disk,
      processUptimeS: process.uptime(),
      hostUptimeS: hostUptime(),
    }
  }
}

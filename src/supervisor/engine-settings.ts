/**
 * @module
 * From an engine's plan to the settings the native engine runs with, and the test of
 * whether two plans need the same writer (same files) or a new one.
 */
import type { EnginePlan } from '../config/plan.js'
import type { EngineSettings } from '../engine/engine.js'

/**
 * The native engine's settings for `plan`; `timezone` is the config's (resolved) time zone,
 * in which the engine reads header time stamps that carry none.
 */
export function engineSettings(plan: EnginePlan, timezone: string): EngineSettings {
  return {
    name: plan.name,
    class: { name: plan.className, fields: plan.fields },
    udp: plan.udp,
    ...(plan.tcp && { tcp: plan.tcp }),
    ...(plan.tls && { tls: plan.tls }),
    tcpMaxMessageBytes: plan.tcpLimits.maxMessageBytes,
    tcpIdleTimeoutMs: plan.tcpLimits.idleTimeoutMs,
    tcpMaxConnections: plan.tcpLimits.maxConnections,
    senders: plan.senders,
    threads: plan.threads,
    receiveBufferBytes: plan.receiveBufferBytes,
    keepOriginalLog: plan.keepOriginalLog,
    syslogHeader: plan.syslogHeader,
    structuredData: plan.structuredData,
    timezone,
    ...(plan.journal && { journalDir: plan.journal.dir, journalMaxBytes: plan.journal.maxBytes }),
  }
}

/** True when nothing the running engine sees differs between `a` and `b` (time zones aside). */
export function sameEngine(a: EnginePlan, b: EnginePlan): boolean {
  return JSON.stringify(engineSettings(a, '')) === JSON.stringify(engineSettings(b, ''))
}

/**
 * @module
 * From an engine's plan to the settings the native engine runs with, and the test of
 * whether two plans need the same writer (same files) or a new one.
 */
import type { EnginePlan } from '../config/plan.js'
import type { EngineSettings } from '../engine/engine.js'

/** The native engine's settings for `plan`. */
export function engineSettings(plan: EnginePlan): EngineSettings {
  return {
    name: plan.name,
    class: { name: plan.className, fields: plan.fields },
    udp: plan.udp,
    senders: plan.senders,
    threads: plan.threads,
    receiveBufferBytes: plan.receiveBufferBytes,
    keepOriginalLog: plan.keepOriginalLog,
  }
}

/** True when nothing the running engine sees differs between `a` and `b`. */
export function sameEngine(a: EnginePlan, b: EnginePlan): boolean {
  return JSON.stringify(engineSettings(a)) === JSON.stringify(engineSettings(b))
}

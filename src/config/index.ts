/**
 * @module
 * The config layer: find and load the file (`load.ts`), validate it (`validate.ts`),
 * derive the plan (`plan.ts`), save edits atomically (`save.ts`).
 */

export { ConfigError, type ConfigIssue } from './config-error.js'
export { configPath, DEFAULT_CONFIG_PATH, loadConfig, loadPlan, readConfigDocument, type LoadedConfig } from './load.js'
export {
  planConfig,
  type ClassIssue,
  type ClassPlan,
  type EnginePlan,
  type FieldPlan,
  type HttpPlan,
  type Plan,
  type PlanOptions,
  type SenderPlan,
  type ValidateClass,
} from './plan.js'
export type { RawClass, RawConfig, RawEngine, RawSender } from './raw-config.js'
export { saveConfig } from './save.js'
export { RESERVED_COLUMNS, validateConfig, type Validation } from './validate.js'

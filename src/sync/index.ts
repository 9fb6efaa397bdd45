/** The sync engine: mapping → desired state, delta, plan, guards, state store. No queue wiring here. */
export { asciifold } from "./asciifold.js";
export {
  changeOf,
  computeDelta,
  currentFromApplied,
  currentFromObserved,
  type DeltaContext,
  deltaFields,
} from "./delta.js";
export { digestDesired, loginProfileChanged, stableJson } from "./digest.js";
export { type CompiledGroupMapping, compileGroupMapping, compilePattern, type MappedGroup } from "./group-mapping.js";
export { type GroupPlan, type GroupStateEntry, isManagedGroupPath, planGroups } from "./group-plan.js";
export { guardReasons, removalLimit } from "./guards.js";
export {
  type CompiledMapping,
  compileMapping,
  isInvalid,
  type MapOptions,
  type MapResult,
  mappingAttributes,
  mapUser,
  templateProblems,
} from "./mapping.js";
export { indexObserved, ownership, rebuildAppliedFromObserved } from "./observed-index.js";
export { type PlanInput, type PlanResult, type PlanSource, planRun } from "./plan.js";
export { type PlanJson, planJsonSchema, toPlanJson } from "./plan-json.js";
export { renderPlanText } from "./plan-text.js";
export { decryptSecret, encryptSecret, parseSecretKey, secretHmac } from "./secrets.js";
export { type ObservedSummary, StateStore, type StateStoreOptions } from "./state-store.js";
export { type CompiledTemplate, FILTER_NAMES, parseTemplate } from "./template.js";

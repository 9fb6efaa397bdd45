export { jitteredDelay } from "./backoff.js";
export { applyGroupChange } from "./groups.js";
export { processProvisionUser, startProvisionWorker } from "./provision.js";
export { Runtime } from "./runtime.js";
export { reconcileSchedulers, schedulerIds } from "./scheduler.js";
export { processSnapshot, startSnapshotWorker } from "./snapshot.js";
export { closeOnSignals, type Roles, type RunningWorkers, startWorkers } from "./start.js";

// The engine's public surface: everything else in src/engine is how it decides.
export { reconcile, reconcileDelete } from './reconcile.ts';
export { worldOf } from './world.ts';
export { profileSpecHash, stagesHash } from './hash.ts';
export { mainProfileName, verificationProfileName } from './names.ts';
export * as descriptions from './description.ts';
export type * from './types.ts';

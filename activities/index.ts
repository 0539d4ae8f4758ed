// Every side effect of the deployer, one file per verb over one kit (activities/kit.ts) built from injected
// dependencies (activities/deps.ts). createActivities(deps) is called once by the worker with real clients; the
// workflows only see the types.
import type { ActivityDeps } from './deps.js';
import { createInstallActivities } from './install.js';
import { createKit } from './kit.js';
import { createPreviewActivities } from './preview.js';
import { createRegistryActivities } from './registry.js';
import { createReleaseStatusActivities } from './release-status.js';
import { createRollbackActivities } from './rollback.js';
import { createUninstallActivities } from './uninstall.js';
import { createUpgradeActivities } from './upgrade.js';

export type { ActivityDeps, BackboneRegistry, HelmReleaseResult, HelmSettings, ReleaseState } from './deps.js';
export { DEFAULT_REGISTRY_RETRY_WINDOW_MS } from './deps.js';

export function createActivities(deps: ActivityDeps) {
  const kit = createKit(deps);
  return {
    ...createReleaseStatusActivities(kit),
    ...createInstallActivities(kit),
    ...createUpgradeActivities(kit),
    ...createUninstallActivities(kit),
    ...createRollbackActivities(kit),
    ...createPreviewActivities(kit),
    ...createRegistryActivities(kit),
  };
}

export type Activities = ReturnType<typeof createActivities>;

// Outages while a deploy runs: the Backbone Registry (60 s, and for good), the Temporal server (20 s) and the
// target cluster's kube-apiserver (30 s). Each case has a stack (and a server) of its own, so they run side by
// side: their waits overlap and the file takes about as long as its longest case.
import { registryDownForGood, registryOutage, registryOutage30sSync } from './cases/registry.js';
import { kubeApiServerOutage } from './cases/kube-apiserver.js';
import { temporalRestart } from './cases/temporal.js';
import { faultCase } from './report.js';

describe('outages during a deploy', () => {
  it.concurrent('registry unavailable for 60 s: ridden out, the deploy succeeds once', () => faultCase('registry down 60 s during a deploy', registryOutage), 300_000);
  it.concurrent('registry unavailable for 30 s while the caller waits: success:true, one record, one release', () => faultCase('registry down 30 s, synchronous POST', registryOutage30sSync), 240_000);
  it.concurrent('registry down for good: compensated once the 10 s window is used up', () => faultCase('registry down for good (retry window 10 s)', registryDownForGood), 180_000);
  it.concurrent('Temporal server stopped for 20 s mid-workflow: resumes after the restart', () => faultCase('Temporal server down 20 s mid-deploy', temporalRestart), 300_000);
  it.concurrent('kube-apiserver stopped for 30 s mid-deploy: finishes after it returns', () => faultCase('kube-apiserver down 30 s mid-deploy', kubeApiServerOutage), 420_000);
});

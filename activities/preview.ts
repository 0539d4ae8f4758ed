// helmPreview: what a POST or PUT would do, without doing it. The values are merged exactly as helmUpgrade /
// helmUpgradeInstall merge them, helm renders them against the cluster (`--dry-run=server`: lookups and
// capabilities, nothing stored), and every rendered object is sent to the API server as a server-side apply with
// dryRun=All, which runs the validation and admission the real change would meet (helm's own server dry run does
// not send the objects, so an immutable StatefulSet field would pass it). For a PUT the render is compared with
// the deployed revision's manifest, object by object. The manifest text is never logged.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { chartFullname, immutableChanges } from '../src/domain/chart-rules.js';
import { diffManifests, ManifestError, parseManifest, withoutSecretData, type RenderedObject } from '../src/domain/manifest-diff.js';
import type { ImpliedSwitch } from '../src/domain/chart-rules.js';
import { FailureType, type PreviewExchangeInput, type PreviewExchangeResult, type RefusedObject } from '../workflows/shared.js';
import { previewArgs } from './helm-args.js';
import type { Discovery, StoredRelease } from './kube-api.js';
import type { ActivityKit } from './kit.js';
import { deepMerge, isPlainObject, retainedOverrides, type Values } from '../src/domain/values.js';

function rendered(stdout: string): { manifest: string; chartVersion: string | null } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw ApplicationFailure.nonRetryable('helm printed no JSON for the dry run', FailureType.helmRejected);
  }
  const p = isPlainObject(parsed) ? parsed : {};
  const chart = isPlainObject(p.chart) && isPlainObject(p.chart.metadata) ? p.chart.metadata : {};
  return { manifest: typeof p.manifest === 'string' ? p.manifest : '', chartVersion: typeof chart.version === 'string' ? chart.version : null };
}

function objectsOf(manifest: string, what: string): RenderedObject[] {
  try {
    return parseManifest(manifest);
  } catch (err) {
    if (err instanceof ManifestError) throw ApplicationFailure.nonRetryable(`${what}: ${err.message}`, FailureType.helmRejected);
    throw err;
  }
}

export function createPreviewActivities(kit: ActivityKit) {
  return {
    async helmPreview(input: PreviewExchangeInput): Promise<PreviewExchangeResult> {
      const requested = kit.expand(input.helmValues);
      const base = await kit.baseValues();
      const { releaseName, namespace } = input;
      return kit.withRelease(input, async ({ target, opts, dir, kube }) => {
        const records = await kit.readReleaseRecords(kube, namespace, releaseName);
        const refused: RefusedObject[] = [];
        let overrides: Values;
        let implied: ImpliedSwitch[] = [];
        let live: StoredRelease | undefined;
        const resolve = (retained: Values) => {
          const r = kit.guardValues(requested, retained);
          implied = r.implied;
          return r.overrides;
        };
        if (input.mode === 'install') {
          // as the deploy would: a release this exchange did not create is never adopted
          if (records.length)
            throw ApplicationFailure.nonRetryable(`Release '${releaseName}' already exists in namespace '${namespace}' (status ${records[0]!.status})`, FailureType.releaseAlreadyExists);
          overrides = resolve({});
        } else {
          live = records.find((r) => r.status === 'deployed');
          if (!live) {
            const why = records.length ? `has no deployed revision (newest: ${records[0]!.status})` : 'not found';
            throw ApplicationFailure.nonRetryable(`Release '${releaseName}' ${why}`, FailureType.releaseNotFound);
          }
          // the same merge and the same checks as helmUpgrade: a preview that passes is the upgrade that would run
          overrides = resolve(retainedOverrides(live.config, base));
          const after = deepMerge(base, overrides);
          const keys = immutableChanges(deepMerge(base, live.config), after);
          if (keys.length) {
            const name = chartFullname(releaseName, after);
            refused.push({
              kind: 'StatefulSet',
              name,
              source: 'chart-rules',
              reason:
                `${keys.join(', ')} would change StatefulSet ${name}'s volumeClaimTemplates/selector/serviceName, which Kubernetes does not allow ` +
                'on an existing StatefulSet: the PUT would be refused (422 ImmutableField) and change nothing. Re-create the exchange to apply it.',
            });
          }
        }

        const overridesPath = join(dir, 'overrides.json');
        await writeFile(overridesPath, JSON.stringify(overrides), { mode: 0o600 });
        const args = previewArgs({
          ...target,
          source: await kit.chartSource(opts.heartbeat),
          valuesFiles: [kit.deps.helm.baseValuesPath, overridesPath],
          install: input.mode === 'install',
          timeoutSeconds: kit.deps.helm.timeoutSeconds,
          historyMax: kit.deps.helm.historyMax,
        });
        const { manifest, chartVersion } = rendered((await kit.fx.runHelm(args, opts)).stdout);
        const objects = objectsOf(manifest, 'the dry run rendered an unreadable manifest');

        // the API server's verdict on each object, as for the real apply
        const unchecked: PreviewExchangeResult['unchecked'] = [];
        const discovery: Discovery = new Map();
        for (const o of objects) {
          const verdict = await kit.fx.kube.dryRunApply(kube, namespace, o.object, discovery).catch((err: unknown) => {
            throw kit.clusterFailure(err, `dry-run apply of ${o.kind} ${o.name}`);
          });
          if (verdict.outcome === 'skipped') unchecked.push({ kind: o.kind, name: o.name, reason: verdict.reason });
          else if (verdict.outcome === 'refused' && !refused.some((r) => r.kind === o.kind && r.name === o.name)) {
            refused.push({ kind: o.kind, name: o.name, reason: `the API server refused it (HTTP ${verdict.status}): ${verdict.reason}`, source: 'api-server' });
          }
        }

        const result: PreviewExchangeResult = {
          systemId: input.systemId,
          releaseName,
          namespace,
          mode: input.mode,
          chartVersion,
          values: deepMerge(base, overrides),
          objects: objects.map((o) => ({ kind: o.kind, name: o.name, digest: o.digest, ...(input.manifests ? { manifest: withoutSecretData(o.object) } : {}) })),
          refused,
          unchecked,
          implied,
        };
        if (live) {
          result.baseRevision = live.revision;
          result.diff = diffManifests(objectsOf(live.manifest, `revision ${live.revision}'s manifest is unreadable`), objects);
        }
        return result;
      });
    },
  };
}

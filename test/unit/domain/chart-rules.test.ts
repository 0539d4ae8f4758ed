import { chartFullname, chartReplicas, immutableChanges, impliedSwitches, withImplied } from '../../../src/domain/chart-rules.js';
import { deepMerge, expandDottedKeys } from '../../../src/domain/values.js';

const base = expandDottedKeys({ 'config.cluster.enabled': false, 'config.cluster.replicas': 3, 'config.jetstream.enabled': false, 'config.jetstream.fileStore.pvc.size': '10Gi', 'promExporter.enabled': false });

describe('impliedSwitches', () => {
  const implied = (v: Record<string, unknown>, current = base) => {
    const req = expandDottedKeys(v);
    return impliedSwitches(req, deepMerge(current, req));
  };

  it('replicas > 1 needs clustering: the switch is implied, and why', () => {
    expect(implied({ 'config.cluster.replicas': 5, 'promExporter.enabled': true })).toEqual({
      implied: [{ key: 'config.cluster.enabled', value: true, because: 'config.cluster.replicas > 1' }],
      contradictions: [],
    });
  });

  it('one replica needs nothing; a switch sent with the key or already on is not implied', () => {
    expect(implied({ 'config.cluster.replicas': 1 })).toEqual({ implied: [], contradictions: [] });
    expect(implied({ 'config.cluster.enabled': true, 'config.cluster.replicas': 5 })).toEqual({ implied: [], contradictions: [] });
    expect(implied({ 'config.cluster.replicas': 4 }, deepMerge(base, expandDottedKeys({ 'config.cluster.enabled': true })))).toEqual({ implied: [], contradictions: [] });
  });

  it('knows the chart default for sections the base values do not mention', () => {
    expect(implied({ 'config.websocket.port': 8080 }).implied).toEqual([{ key: 'config.websocket.enabled', value: true, because: 'config.websocket.port is set' }]);
  });

  it('a nested key implies every switch above it that is off, outermost first', () => {
    expect(implied({ 'config.jetstream.memoryStore.maxSize': '1Gi' }).implied.map((s) => s.key)).toEqual(['config.jetstream.enabled', 'config.jetstream.memoryStore.enabled']);
    expect(implied({ 'config.cluster.tls.enabled': true }).implied).toEqual([{ key: 'config.cluster.enabled', value: true, because: 'config.cluster.tls.enabled is true' }]);
  });

  it('a switch turned off asks for nothing; a top-level switch needs nothing', () => {
    expect(implied({ 'config.cluster.tls.enabled': false, 'promExporter.enabled': true })).toEqual({ implied: [], contradictions: [] });
  });

  it('the same request switching the section off contradicts itself: both are named', () => {
    expect(implied({ 'config.cluster.enabled': false, 'config.cluster.replicas': 5 })).toEqual({
      implied: [],
      contradictions: [{ key: 'config.cluster.replicas', switch: 'config.cluster.enabled' }],
    });
  });

  it('keys without a section switch imply nothing; withImplied sets the switches', () => {
    expect(implied({ 'container.resources.requests.cpu': '2', 'config.monitor.port': 9000 }).implied).toEqual([]);
    const req = expandDottedKeys({ 'config.cluster.replicas': 5 });
    expect(withImplied(req, implied({ 'config.cluster.replicas': 5 }).implied)).toEqual({ config: { cluster: { replicas: 5, enabled: true } } });
    expect(req).toEqual({ config: { cluster: { replicas: 5 } } });
  });
});

describe('immutableChanges', () => {
  const on = deepMerge(base, expandDottedKeys({ 'config.jetstream.enabled': true }));

  it('turning JetStream file storage on or off changes the claim templates', () => {
    expect(immutableChanges(base, on)).toEqual(['config.jetstream.enabled']);
    expect(immutableChanges(on, base)).toEqual(['config.jetstream.enabled']);
  });

  it('a new claim size while JetStream is on is refused; while it is off it renders nothing', () => {
    const bigger = deepMerge(on, expandDottedKeys({ 'config.jetstream.fileStore.pvc.size': '20Gi' }));
    expect(immutableChanges(on, bigger)).toEqual(['config.jetstream.fileStore.pvc']);
    const offBigger = deepMerge(base, expandDottedKeys({ 'config.jetstream.fileStore.pvc.size': '20Gi' }));
    expect(immutableChanges(base, offBigger)).toEqual([]);
  });

  it('replicas, clustering and the exporter are fine', () => {
    const after = deepMerge(on, expandDottedKeys({ 'config.cluster.enabled': true, 'config.cluster.replicas': 5, 'promExporter.enabled': true }));
    expect(immutableChanges(on, after)).toEqual([]);
  });

  it('memory storage does not touch the claims', () => {
    const mem = deepMerge(on, expandDottedKeys({ 'config.jetstream.memoryStore.enabled': true }));
    expect(immutableChanges(on, mem)).toEqual([]);
  });

  it('renaming (nameOverride) changes the selector', () => {
    expect(immutableChanges(base, deepMerge(base, { nameOverride: 'x' }))).toEqual(['nameOverride']);
  });
});

describe('chart names and replicas', () => {
  it('fullname is the release when it contains "nats", else <release>-nats', () => {
    expect(chartFullname('nats-global-exchange')).toBe('nats-global-exchange');
    expect(chartFullname('orders')).toBe('orders-nats');
    expect(chartFullname('orders', { fullnameOverride: 'bus' })).toBe('bus');
    expect(chartFullname('orders', { nameOverride: 'mq' })).toBe('orders-mq');
  });

  it('replicas count only while clustering is on', () => {
    expect(chartReplicas(deepMerge(base, expandDottedKeys({ 'config.cluster.replicas': 5 })))).toBe(1);
    expect(chartReplicas(deepMerge(base, expandDottedKeys({ 'config.cluster.enabled': true, 'config.cluster.replicas': 5 })))).toBe(5);
  });
});

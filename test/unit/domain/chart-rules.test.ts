import { chartFullname, chartReplicas, immutableChanges, ineffectiveOverrides } from '../../../src/domain/chart-rules.js';
import { deepMerge, expandDottedKeys } from '../../../src/domain/values.js';

const base = expandDottedKeys({ 'config.cluster.enabled': false, 'config.cluster.replicas': 3, 'config.jetstream.enabled': false, 'config.jetstream.fileStore.pvc.size': '10Gi', 'promExporter.enabled': false });

describe('ineffectiveOverrides', () => {
  it('names the switch a key needs when its section is off', () => {
    const req = expandDottedKeys({ 'config.cluster.replicas': 5 });
    expect(ineffectiveOverrides(req, deepMerge(base, req))).toEqual([{ key: 'config.cluster.replicas', requires: 'config.cluster.enabled' }]);
  });

  it('accepts the key together with its switch, or under a section switched on earlier', () => {
    const req = expandDottedKeys({ 'config.cluster.enabled': true, 'config.cluster.replicas': 5 });
    expect(ineffectiveOverrides(req, deepMerge(base, req))).toEqual([]);
    const current = deepMerge(base, expandDottedKeys({ 'config.cluster.enabled': true }));
    const later = expandDottedKeys({ 'config.cluster.replicas': 4 });
    expect(ineffectiveOverrides(later, deepMerge(current, later))).toEqual([]);
  });

  it('knows the chart default for sections the base values do not mention', () => {
    const req = expandDottedKeys({ 'config.websocket.port': 8080 });
    expect(ineffectiveOverrides(req, deepMerge(base, req))).toEqual([{ key: 'config.websocket.port', requires: 'config.websocket.enabled' }]);
  });

  it('a nested store under a section that is off names the outermost switch that is off', () => {
    const req = expandDottedKeys({ 'config.jetstream.fileStore.pvc.size': '5Gi' });
    expect(ineffectiveOverrides(req, deepMerge(base, req))).toEqual([{ key: 'config.jetstream.fileStore.pvc.size', requires: 'config.jetstream.enabled' }]);
  });

  it('a switch under a section that is off is itself ineffective; a top-level switch never is', () => {
    const req = expandDottedKeys({ 'config.cluster.tls.enabled': true, 'promExporter.enabled': true });
    expect(ineffectiveOverrides(req, deepMerge(base, req))).toEqual([{ key: 'config.cluster.tls', requires: 'config.cluster.enabled' }]);
  });

  it('keys without a section switch always count', () => {
    const req = expandDottedKeys({ 'container.resources.requests.cpu': '2', 'config.monitor.port': 9000 });
    expect(ineffectiveOverrides(req, deepMerge(base, req))).toEqual([]);
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

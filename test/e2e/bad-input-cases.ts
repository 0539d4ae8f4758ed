// The case table of bad-input.test.ts: malformed and hostile requests to the exchange API and the registry, each
// with the status and the error it must be refused with.
import { randomUUID } from 'node:crypto';
import {
  AUTH_PROVIDER_MARKER,
  deepArray,
  EXEC_MARKER,
  HOSTILE_TOKEN,
  kc,
  nestedObject,
  REAL_KC,
  REAL_TOKEN,
  SYSTEM_ID,
  validBackbone,
  validDelete,
  validPost,
  validPut,
  without,
  withRaw,
  YAML_BOMB,
  type Case,
  type Method,
  type Obj,
} from './bad-input-fixtures.js';

const postCase = (name: string, body: Obj, status: number, error: Case['error']): Case => ({
  name: `POST /exchange: ${name}`,
  method: 'POST',
  path: '/exchange',
  body: JSON.stringify(body),
  status,
  error,
});
const postRaw = (name: string, body: string, status: number, error: Case['error'], contentType?: string, headers?: Record<string, string>): Case => ({
  name: `POST /exchange: ${name}`,
  method: 'POST',
  path: '/exchange',
  body,
  contentType,
  headers,
  status,
  error,
});
const kcCase = (name: string, kubeconfig: unknown, error: Case['error']): Case => postCase(`kubeconfig ${name}`, validPost({ kubeconfig }), 400, error);
const valuesCase = (name: string, helm_values: unknown, error: Case['error']): Case => postCase(`helm_values ${name}`, validPost({ helm_values }), 400, error);

const exchangePost: Case[] = [
  // shape of the body
  postCase('empty object', {}, 400, 'Invalid request: kubeconfig is required'),
  postCase('missing release_name', without(validPost(), 'release_name'), 400, 'release_name is required'),
  postCase('missing kubeconfig', without(validPost(), 'kubeconfig'), 400, 'kubeconfig is required'),
  postCase('missing helm_values', without(validPost(), 'helm_values'), 400, 'helm_values must be an object'),
  postCase('missing org_ids', without(validPost(), 'org_ids'), 400, 'org_ids'),
  postCase('an extra field (replicas)', validPost({ replicas: 3 }), 400, 'unknown field(s): replicas'),
  postCase('an extra field (system_id chosen by the caller)', validPost({ system_id: randomUUID() }), 400, 'unknown field(s): system_id'),
  postCase('release_name as a number', validPost({ release_name: 7 }), 400, 'release_name must be a string'),
  postCase('release_name null', validPost({ release_name: null }), 400, 'release_name must be a string'),
  postCase('helm_values as an array', validPost({ helm_values: [{ 'config.cluster.replicas': 3 }] }), 400, 'helm_values must be an object'),
  postCase('helm_values as a string', validPost({ helm_values: 'config.cluster.replicas=3' }), 400, 'helm_values must be an object'),
  postCase('metadata as a string', validPost({ metadata: 'team=infra' }), 400, 'metadata must be an object'),
  postCase('org_ids as a number', validPost({ org_ids: 42 }), 400, 'org_ids must be a string'),
  postCase('name as an object', validPost({ name: { en: 'x' } }), 400, 'name must be a string'),
  // Kubernetes names
  postCase('release_name empty', validPost({ release_name: '' }), 400, 'release_name must not be empty'),
  postCase('release_name upper-case', validPost({ release_name: 'Nats-Exchange' }), 400, 'release_name must be a Kubernetes name'),
  postCase('release_name with an underscore', validPost({ release_name: 'nats_exchange' }), 400, 'release_name must be a Kubernetes name'),
  postCase('release_name of 54 characters', validPost({ release_name: 'n'.repeat(54) }), 400, 'release_name must be at most 53 characters'),
  postCase('release_name with a leading dash', validPost({ release_name: '-nats' }), 400, 'release_name must be a Kubernetes name'),
  postCase('release_name with dots', validPost({ release_name: 'nats.exchange' }), 400, 'release_name must be a Kubernetes name'),
  postCase('release_name ../etc', validPost({ release_name: '../etc' }), 400, 'release_name must be a Kubernetes name'),
  postCase('release_name ..%2f', validPost({ release_name: '..%2f' }), 400, 'release_name must be a Kubernetes name'),
  postCase('release_name nats-ü', validPost({ release_name: 'nats-ü' }), 400, 'release_name must be a Kubernetes name'),
  postCase('release_name with a right-to-left override', validPost({ release_name: 'nats-\u202Eevil' }), 400, 'release_name must be a Kubernetes name'),
  postCase('namespace %2e%2e%2f', validPost({ namespace: '%2e%2e%2f' }), 400, 'namespace must be a Kubernetes name'),
  postCase('namespace with a zero-width space', validPost({ namespace: 'ns\u200Bx' }), 400, 'namespace must be a Kubernetes name'),
  postCase('namespace of 64 characters', validPost({ namespace: 'n'.repeat(64) }), 400, 'namespace must be at most 63 characters'),
  postCase('namespace kube-system/../default', validPost({ namespace: 'kube-system/../default' }), 400, 'namespace must be a Kubernetes name'),
  // ids and display fields
  postCase('org_ids empty', validPost({ org_ids: '' }), 400, 'org_ids must name at least one organization'),
  postCase('org_ids ",,,"', validPost({ org_ids: ',,,' }), 400, 'org_ids must name at least one organization'),
  postCase('org_ids with 101 entries', validPost({ org_ids: Array.from({ length: 101 }, (_, i) => `org${i}`).join(',') }), 400, 'org_ids must name at most 100 organizations'),
  postCase('org_ids with a space inside an id', validPost({ org_ids: 'org 001,org002' }), 400, 'org_ids[0] each org id must be letters'),
  postCase('org_ids with ../etc', validPost({ org_ids: ['org001', '../etc'] }), 400, 'org_ids[1] each org id must be letters'),
  postCase('cluster_id empty', validPost({ cluster_id: '' }), 400, 'cluster_id must not be empty'),
  postCase('cluster_id ../../x', validPost({ cluster_id: '../../x' }), 400, 'cluster_id must be letters'),
  postCase('name of 201 characters', validPost({ name: 'x'.repeat(201) }), 400, 'name must be at most 200 characters'),
  postCase('name of only blanks', validPost({ name: '   ' }), 400, 'name must not be empty'),
  // hostile kubeconfigs
  kcCase(
    'with an exec user that would create a marker file',
    kc({ user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'sh', args: ['-c', `touch ${EXEC_MARKER}`] } } }),
    'kubeconfig.users[0].user.exec credential plugins are not allowed',
  ),
  kcCase(
    'with an auth-provider user',
    kc({ user: { 'auth-provider': { name: 'gcp', config: { 'cmd-path': 'sh', 'cmd-args': `-c "touch ${AUTH_PROVIDER_MARKER}"` } } } }),
    'kubeconfig.users[0].user.auth-provider credential plugins are not allowed',
  ),
  kcCase('with tokenFile /etc/passwd', kc({ user: { tokenFile: '/etc/passwd' } }), 'kubeconfig.users[0].user.tokenFile file references are not allowed'),
  kcCase(
    'with client-key /root/.ssh/id_rsa',
    kc({ user: { 'client-certificate-data': 'Zm9v', 'client-key-data': 'YmFy', 'client-key': '/root/.ssh/id_rsa' } }),
    'kubeconfig.users[0].user.client-key file references are not allowed',
  ),
  kcCase(
    'with a certificate-authority path',
    kc({ cluster: { 'certificate-authority': '/etc/kubernetes/pki/ca.crt' } }),
    'kubeconfig.clusters[0].cluster.certificate-authority file references are not allowed',
  ),
  kcCase('with server file:///etc/passwd', kc({ cluster: { server: 'file:///etc/passwd' } }), 'kubeconfig.clusters[0].cluster.server must be an http(s) URL'),
  kcCase('with server unix:///var/run/x', kc({ cluster: { server: 'unix:///var/run/x' } }), 'kubeconfig.clusters[0].cluster.server must be an http(s) URL'),
  kcCase('with current-context pointing nowhere', kc({ top: { 'current-context': 'nowhere' } }), "kubeconfig.current-context names context 'nowhere'"),
  kcCase('as a YAML string with a billion-laughs alias bomb', YAML_BOMB, 'kubeconfig has more than 10000 nodes'),
  // the network is closed: internal addresses in any spelling, refused before anything connects (the test stack
  // allow-lists only 127.0.0.1, its own cluster)
  kcCase('with the cloud metadata address', kc({ cluster: { server: 'http://169.254.169.254/latest/meta-data' } }), 'kubeconfig.clusters[0].cluster.server 169.254.169.254 is'),
  kcCase('with server [::1]', kc({ cluster: { server: 'https://[::1]:6443' } }), 'kubeconfig.clusters[0].cluster.server [::1] is'),
  kcCase('with server 0x7f.2 (hex loopback)', kc({ cluster: { server: 'https://0x7f.2:6443' } }), 'kubeconfig.clusters[0].cluster.server 127.0.0.2 is'),
  kcCase('with server 2130706434 (decimal loopback)', kc({ cluster: { server: 'https://2130706434:6443' } }), 'kubeconfig.clusters[0].cluster.server 127.0.0.2 is'),
  kcCase('with server [::ffff:10.0.0.1] (IPv4-mapped private)', kc({ cluster: { server: 'https://[::ffff:10.0.0.1]' } }), 'kubeconfig.clusters[0].cluster.server'),
  kcCase('with a proxy-url to the metadata address', kc({ cluster: { 'proxy-url': 'http://169.254.169.254:80' } }), 'kubeconfig.clusters[0].cluster.proxy-url 169.254.169.254 is'),
  kcCase('with a 900 KB server URL (regex tarpit)', kc({ cluster: { server: `https://127.0.0.1/${'-/'.repeat(450_000)}` } }), 'kubeconfig.clusters[0].cluster.server must be at most'),
  kcCase('as a broken YAML string holding a token', `users: [{name: u, user: {token: "${HOSTILE_TOKEN}"`, 'kubeconfig is not valid YAML or JSON'),
  kcCase('as YAML with a !!js/function tag', `users: [{name: u, user: {token: "${HOSTILE_TOKEN}"}}]\ncurrent-context: !!js/function 'function () {}'`, 'kubeconfig is not valid YAML or JSON'),
  kcCase('as a YAML scalar', HOSTILE_TOKEN, 'kubeconfig must be a kubeconfig object'),
  kcCase('as a number', 42, 'kubeconfig must be an object'),
  kcCase('as an array', [REAL_KC], 'kubeconfig must be an object'),
  kcCase('nested 40 levels deep inside the user', kc({ user: { extra: nestedObject(40) } }), 'kubeconfig is nested deeper than 32 levels'),
  // helm values that must be refused (commas and `=` in keys or values are fine: they go to a values file)
  valuesCase('with key __proto__.polluted', { '__proto__.polluted': true }, "helm_values.__proto__.polluted key segment '__proto__' is not allowed"),
  valuesCase('with an own __proto__ key', JSON.parse('{"__proto__":{"polluted":true}}'), "helm_values.__proto__ key segment '__proto__' is not allowed"),
  valuesCase('with key constructor.prototype.x', { 'constructor.prototype.x': 1 }, "helm_values.constructor.prototype.x key segment 'constructor' is not allowed"),
  valuesCase('with key a..b', { 'a..b': 1 }, 'helm_values.a..b empty key segment'),
  valuesCase('with key .a', { '.a': 1 }, 'helm_values..a empty key segment'),
  valuesCase('with conflicting a and a.b', { a: 1, 'a.b': 2 }, "helm_values.a.b conflicts with a non-object value set for 'a'"),
  valuesCase('nested 40 levels deep', nestedObject(40), ['helm_values.n.n.n', 'nesting deeper than 32 levels']),
  valuesCase('larger than 256 KiB as JSON', { 'config.blob': 'x'.repeat(300 * 1024) }, 'helm_values must be at most 262144 bytes'),
  postRaw('helm_values with a 100000-deep array', withRaw(validPost({ helm_values: { x: 'DEEP' } }), 'DEEP', deepArray(100_000)), 400, [
    'helm_values.x[0][0]',
    'nesting deeper than 32 levels',
  ]),
  postRaw('helm_values with 1e400 (parses as Infinity)', withRaw(validPost({ helm_values: { 'config.cluster.replicas': 'INF' } }), 'INF', '1e400'), 400, [
    'helm_values.config.cluster.replicas must be a finite number',
  ]),
  postRaw('metadata with -1e400', withRaw(validPost({ metadata: { weight: 'INF' } }), 'INF', '-1e400'), 400, 'metadata.weight must be a finite number'),
  // the body itself
  postCase('a body over 1 MB', validPost({ name: 'x'.repeat(1_100_000) }), 413, 'Request body is too large'),
  postCase(
    'helm_values with so many keys the body is over 1 MB',
    validPost({ helm_values: Object.fromEntries(Array.from({ length: 40_000 }, (_, i) => [`config.generated.key${i}`, `value-${i}`])) }),
    413,
    'Request body is too large',
  ),
  postRaw('a text/plain body', 'release_name=nats', 415, 'Content-Type must be application/json', 'text/plain'),
  postRaw('a form-encoded body', 'release_name=nats&org_ids=a', 415, 'Content-Type must be application/json', 'application/x-www-form-urlencoded'),
  postRaw('a JSON body declared as latin1', JSON.stringify(validPost()), 415, 'Unsupported request body encoding', 'application/json; charset=latin1'),
  postRaw('an unknown Content-Encoding', JSON.stringify(validPost()), 415, 'Unsupported request body encoding', undefined, { 'Content-Encoding': 'x-evil' }),
  postRaw('broken JSON holding the token', `{"kubeconfig": {"users": [{"user": {"token": "${REAL_TOKEN}"`, 400, 'Request body is not valid JSON'),
  postRaw('a JSON array', JSON.stringify([validPost()]), 400, 'Invalid request: body must be a JSON object'),
  postRaw('JSON null', 'null', 400, 'Request body is not valid JSON'),
  postRaw('a JSON number', '42', 400, 'Request body is not valid JSON'),
  postRaw('a JSON string', '"kubeconfig"', 400, 'Request body is not valid JSON'),
];

const putPath = (id: string) => `/exchange/${id}`;
const putCase = (name: string, path: string, body: Obj | string, status: number, error: Case['error'], contentType?: string): Case => ({
  name: `PUT /exchange/:id: ${name}`,
  method: 'PUT',
  path,
  body: typeof body === 'string' ? body : JSON.stringify(body),
  contentType,
  status,
  error,
});
const exchangePut: Case[] = [
  putCase('system_id not-a-uuid', putPath('not-a-uuid'), validPut(), 400, 'params.system_id must be a UUID'),
  putCase('system_id ..%2F..%2Fx', putPath('..%2F..%2Fx'), validPut(), 400, 'params.system_id must be a UUID'),
  putCase('system_id %2e%2e%2f', putPath('%2e%2e%2f'), validPut(), 400, 'params.system_id must be a UUID'),
  putCase('system_id with a trailing newline', putPath(`${SYSTEM_ID}%0A`), validPut(), 400, 'params.system_id must be a UUID'),
  putCase('a raw ../etc path', '/exchange/../etc', validPut(), 404, 'No route for PUT /exchange/../etc'),
  putCase('missing helm_values', putPath(SYSTEM_ID), without(validPut(), 'helm_values'), 400, 'helm_values must be an object'),
  putCase('an extra field (org_ids)', putPath(SYSTEM_ID), validPut({ org_ids: 'org001' }), 400, 'unknown field(s): org_ids'),
  putCase('release_name as a number', putPath(SYSTEM_ID), validPut({ release_name: 7 }), 400, 'release_name must be a string'),
  putCase('namespace upper-case', putPath(SYSTEM_ID), validPut({ namespace: 'Communication' }), 400, 'namespace must be a Kubernetes name'),
  putCase('helm_values as a string', putPath(SYSTEM_ID), validPut({ helm_values: 'a=b' }), 400, 'helm_values must be an object'),
  putCase('kubeconfig with tokenFile', putPath(SYSTEM_ID), validPut({ kubeconfig: kc({ user: { tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' } }) }), 400, 'kubeconfig.users[0].user.tokenFile'),
  putCase('a text/plain body', putPath(SYSTEM_ID), 'replicas=3', 415, 'Content-Type must be application/json', 'text/plain'),
  putCase('a body over 1 MB', putPath(SYSTEM_ID), validPut({ helm_values: { blob: 'x'.repeat(1_100_000) } }), 413, 'Request body is too large'),
];

const deleteCase = (name: string, path: string, body: Obj | string | undefined, status: number, error: Case['error']): Case => ({
  name: `DELETE /exchange/:id: ${name}`,
  method: 'DELETE',
  path,
  body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body),
  status,
  error,
});
const exchangeDelete: Case[] = [
  deleteCase('system_id not-a-uuid', putPath('not-a-uuid'), validDelete(), 400, 'params.system_id must be a UUID'),
  deleteCase('system_id ../../x, escaped', putPath('..%2F..%2Fx'), validDelete(), 400, 'params.system_id must be a UUID'),
  deleteCase('no body', putPath(SYSTEM_ID), undefined, 400, 'body must be a JSON object'),
  deleteCase('missing kubeconfig', putPath(SYSTEM_ID), without(validDelete(), 'kubeconfig'), 400, 'kubeconfig is required'),
  deleteCase('an extra field (helm_values)', putPath(SYSTEM_ID), validDelete({ helm_values: {} }), 400, 'unknown field(s): helm_values'),
  deleteCase('release_name upper-case', putPath(SYSTEM_ID), validDelete({ release_name: 'NATS' }), 400, 'release_name must be a Kubernetes name'),
  deleteCase('kubeconfig with an exec user', putPath(SYSTEM_ID), validDelete({ kubeconfig: kc({ user: { exec: { command: 'sh', args: ['-c', `touch ${EXEC_MARKER}`] } } }) }), 400, 'kubeconfig.users[0].user.exec'),
  deleteCase('broken JSON', putPath(SYSTEM_ID), '{"release_name": ', 400, 'Request body is not valid JSON'),
];

// the registry router answers 400 with error "Invalid request" and names the fields in details
const registryCase = (name: string, method: Method, path: string, body: Obj | string | undefined, status: number, error: string, contentType?: string): Case => ({
  name: `${method} ${/^\/backbones(\?|$)/.test(path) ? '/backbones' : '/backbones/:id'}: ${name}`,
  method,
  path,
  body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body),
  contentType,
  status,
  error,
  inDetails: status === 400,
});
const registry: Case[] = [
  registryCase('missing system_id', 'POST', '/backbones', without(validBackbone(), 'system_id'), 400, 'system_id'),
  registryCase('system_id not-a-uuid', 'POST', '/backbones', validBackbone({ system_id: 'not-a-uuid' }), 400, 'system_id'),
  registryCase('system_id ../../x', 'POST', '/backbones', validBackbone({ system_id: '../../x' }), 400, 'system_id'),
  registryCase('org_ids as a string', 'POST', '/backbones', validBackbone({ org_ids: 'org001,org002' }), 400, 'org_ids'),
  registryCase('org_ids empty', 'POST', '/backbones', validBackbone({ org_ids: [] }), 400, 'org_ids'),
  registryCase('public_url javascript:', 'POST', '/backbones', validBackbone({ public_url: 'javascript:alert(1)' }), 400, 'public_url'),
  registryCase('public_url file:///etc/passwd', 'POST', '/backbones', validBackbone({ public_url: 'file:///etc/passwd' }), 400, 'public_url'),
  registryCase('metadata as a string', 'POST', '/backbones', validBackbone({ metadata: 'team=infra' }), 400, 'metadata'),
  registryCase('name of only blanks', 'POST', '/backbones', validBackbone({ name: '   ' }), 400, 'name'),
  registryCase('release_name as a number', 'POST', '/backbones', validBackbone({ release_name: 7 }), 400, 'release_name'),
  registryCase('broken JSON', 'POST', '/backbones', '{"system_id": ', 400, 'body'),
  registryCase('a JSON array', 'POST', '/backbones', JSON.stringify([validBackbone()]), 400, 'body'),
  registryCase('JSON null', 'POST', '/backbones', 'null', 400, 'body'),
  // the registry router parses only JSON and validates what it got; without a JSON body that is "body: required"
  registryCase('a text/plain body', 'POST', '/backbones', 'name=x', 400, 'body', 'text/plain'),
  registryCase('a body over its 256 KB limit', 'POST', '/backbones', validBackbone({ metadata: { blob: 'x'.repeat(300 * 1024) } }), 413, 'Request body too large'),
  registryCase('limit=0', 'GET', '/backbones?limit=0', undefined, 400, 'limit'),
  registryCase('limit=abc', 'GET', '/backbones?limit=abc', undefined, 400, 'limit'),
  registryCase('limit=1e9', 'GET', '/backbones?limit=1e9', undefined, 400, 'limit'),
  registryCase('a forged cursor', 'GET', `/backbones?cursor=${Buffer.from('["../etc"]').toString('base64url')}`, undefined, 400, 'cursor'),
  registryCase('an empty org_id filter', 'GET', '/backbones?org_id=', undefined, 400, 'org_id'),
  registryCase('org_id given twice', 'GET', '/backbones?org_id=a&org_id=b', undefined, 400, 'org_id'),
  registryCase('id %2e%2e%2fetc', 'GET', '/backbones/%2e%2e%2fetc', undefined, 404, 'backbone ../etc not found'),
  registryCase('a raw ../etc path', 'GET', '/backbones/../etc', undefined, 404, 'No route for GET /backbones/../etc'),
  registryCase('id ..%2f', 'DELETE', '/backbones/..%2f', undefined, 404, 'backbone ../ not found'),
  registryCase('a raw ../../etc path', 'DELETE', '/backbones/../../etc', undefined, 404, 'No route for DELETE /backbones/../../etc'),
];

export const cases: Case[] = [...exchangePost, ...exchangePut, ...exchangeDelete, ...registry];

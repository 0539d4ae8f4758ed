// The recorded histories' file format: protobufjs' own JSON of the History message (enum names, int64 and
// timestamps as strings/objects, payload bytes base64), read back with History.fromObject. The SDK's
// historyToJSON/historyFromJSON (the CLI's proto3 JSON) would be the natural choice, but in this install they
// throw "type must be a Type": @temporalio/common and @temporalio/proto each get their own nested copy of
// protobufjs 8 (the top level holds grpc's protobufjs 7), and the one's Type is not the other's.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import proto from '@temporalio/proto';

const { History } = proto.temporal.api.history.v1;

export const historiesDir = fileURLToPath(new URL('../histories/', import.meta.url));

export function historyFileText(history: proto.temporal.api.history.v1.IHistory): string {
  const object = History.toObject(History.fromObject(history), { longs: String, enums: String, bytes: String });
  return `${JSON.stringify(object, null, 2)}\n`;
}

/** Every recorded history, named after its file (deploy-succeeded.json → deploy-succeeded). */
export function recordedHistories(): Array<{ name: string; history: proto.temporal.api.history.v1.History }> {
  return readdirSync(historiesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: f.replace(/\.json$/, ''), history: History.fromObject(JSON.parse(readFileSync(`${historiesDir}${f}`, 'utf8')) as Record<string, unknown>) }));
}

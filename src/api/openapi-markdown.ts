/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-base-to-string -- walks a generated JSON document */
// docs/api.md from the OpenAPI document the service serves: one section per operation (what the route declares in
// documented-router.ts) and one table per schema component. Pure: document in, markdown out; scripts/api-doc.ts
// writes the file and a unit test fails when the committed file differs.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a walk through a generated JSON document
type Json = Record<string, any>;

const METHODS = ['get', 'post', 'put', 'delete', 'patch'];
const oneLine = (s: unknown) => String(s ?? '').replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();

function typeOf(schema: Json | undefined): string {
  if (!schema) return '';
  if (typeof schema.$ref === 'string') {
    const name = String(schema.$ref.split('/').pop());
    return `[${name}](#${name.toLowerCase()})`;
  }
  if (Array.isArray(schema.anyOf ?? schema.oneOf)) return (schema.anyOf ?? schema.oneOf).map((s: Json) => typeOf(s)).join(' \\| ');
  if (schema.type === 'array') return `${typeOf(schema.items)}[]`;
  if (Array.isArray(schema.enum)) return schema.enum.map((v: unknown) => `\`${JSON.stringify(v)}\``).join(' \\| ');
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  return Array.isArray(schema.type) ? schema.type.join(' \\| ') : String(schema.type ?? 'object');
}

function propertiesTable(schema: Json): string[] {
  const props = (schema.properties ?? {}) as Record<string, Json>;
  const required = new Set<string>((schema.required ?? []) as string[]);
  if (!Object.keys(props).length) return [`A ${typeOf(schema)}.`, ''];
  return [
    '| field | type | required | description |',
    '|---|---|---|---|',
    ...Object.entries(props).map(([k, v]) => `| \`${k}\` | ${typeOf(v)} | ${required.has(k) ? 'yes' : ''} | ${oneLine(v.description)} |`),
    '',
  ];
}

export function renderApiMarkdown(doc: Json): string {
  const out = [
    '# API reference',
    '',
    '<!-- generated from the OpenAPI document by `npm run docs`; test/unit/docs/api-doc.test.ts fails when it drifts -->',
    '',
    `${oneLine(doc.info?.description)} The prose guide is [usage.md](usage.md).`,
    '',
  ];
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Json>)) {
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      out.push(`## ${method.toUpperCase()} ${path}`, '', `**${oneLine(op.summary)}**${op.operationId ? ` (\`${op.operationId}\`)` : ''}`, '');
      if (op.description) out.push(oneLine(op.description), '');
      const params = (op.parameters ?? []) as Json[];
      if (params.length) {
        out.push('| parameter | in | type | description |', '|---|---|---|---|');
        for (const p of params) out.push(`| \`${p.name}\` | ${p.in} | ${typeOf(p.schema)} | ${oneLine(p.description ?? p.schema?.description)} |`);
        out.push('');
      }
      const body = op.requestBody?.content?.['application/json']?.schema as Json | undefined;
      if (body) out.push(`Body: ${typeOf(body)}`, '');
      out.push('| status | answer |', '|---|---|');
      for (const [status, r] of Object.entries((op.responses ?? {}) as Record<string, Json>)) {
        const ref = typeof r.$ref === 'string' ? (r.$ref.split('/').pop() as string) : undefined;
        const schema = r.content?.['application/json']?.schema as Json | undefined;
        const what = ref ? `${ref} ([ErrorResponse](#errorresponse))` : `${oneLine(r.description)}${schema ? ` ${typeOf(schema)}` : ''}`;
        out.push(`| ${status} | ${what} |`);
      }
      out.push('');
    }
  }
  out.push('# Schemas', '');
  for (const [name, schema] of Object.entries((doc.components?.schemas ?? {}) as Record<string, Json>)) {
    out.push(`## ${name}`, '');
    if (schema.description) out.push(oneLine(schema.description), '');
    out.push(...propertiesTable(schema));
  }
  return `${out.join('\n').trimEnd()}\n`;
}

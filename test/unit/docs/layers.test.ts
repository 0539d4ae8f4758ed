// The layer rules (eslint.layers.js) refuse a wrong-way import in each zone: lint is run on a one-line file placed
// (virtually) in each layer, importing from the layer it must not reach.
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { layerRules } from '../../../eslint.layers.js';

const eslint = new ESLint({
  overrideConfigFile: true,
  overrideConfig: [
    {
      files: ['**/*.ts'],
      languageOptions: { parser: tseslint.parser },
      plugins: { 'import-x': importX },
      settings: { ...importX.flatConfigs.typescript.settings, 'import-x/resolver-next': [createTypeScriptImportResolver({ alwaysTryTypes: true })] },
    },
    ...layerRules(),
  ],
});

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

describe('layer rules', () => {
  it.each([
    ['src/api/wrong.ts', "import { createActivities } from '../../activities/index.js';\nvoid createActivities;\n", 'import-x/no-restricted-paths', 'never imports activities'],
    ['src/domain/wrong.ts', "import { startStack } from '../api/app.js';\nvoid startStack;\n", 'import-x/no-restricted-paths', 'pure core'],
    ['src/domain/wrong2.ts', "import { FailureType } from '../../workflows/shared.js';\nvoid FailureType;\n", 'import-x/no-restricted-paths', 'pure core'],
    ['src/domain/wrong3.ts', "import { readFileSync } from 'node:fs';\nvoid readFileSync;\n", 'no-restricted-imports', 'does no I/O'],
    ['src/registry/wrong.ts', "import { createApp } from '../api/app.js';\nvoid createApp;\n", 'import-x/no-restricted-paths', 'does not import the API'],
  ])('%s importing the wrong way is refused', async (file, code, rule, words) => {
    const found = await problems(file, code);
    expect(found).toEqual([expect.stringContaining(`${rule}:`)]);
    expect(found[0]).toContain(words);
  });

  it('the right way passes', async () => {
    expect(await problems('src/api/right.ts', "import { deepMerge } from '../domain/values.js';\nvoid deepMerge;\n")).toEqual([]);
    expect(await problems('src/domain/right.ts', "import { createHash } from 'node:crypto';\nimport { deepMerge } from './values.js';\nvoid createHash; void deepMerge;\n")).toEqual([]);
  });
});

import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// Plants small files in each layer (never written to disk: ESLint lints the text as if it were
// at that path) and expects every upward import to be reported, and every downward one allowed.

const eslint = new ESLint({ cwd: process.cwd() });

async function restrictedImports(filePath: string, specifier: string): Promise<string[]> {
  const [result] = await eslint.lintText(`import '${specifier}';\n`, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

/** A file in each layer, lowest first, and how a file in another folder of src/main imports it. */
const LAYERS = [
  { name: 'shared', file: 'src/shared/planted.ts', importFromMain: '../../shared/model' },
  { name: 'core', file: 'src/main/core/planted.ts', importFromMain: '../core/broker' },
  { name: 'things', file: 'src/main/things/planted.ts', importFromMain: '../things/thing' },
  { name: 'drivers', file: 'src/main/drivers/planted.ts', importFromMain: '../drivers/http' },
  { name: 'services', file: 'src/main/services/planted.ts', importFromMain: '../services/service' },
  { name: 'composition', file: 'src/main/app/planted.ts', importFromMain: '../app/lab-core' },
  { name: 'transports', file: 'src/main/ipc/planted.ts', importFromMain: '../ipc/ws-server' },
  { name: 'edge', file: 'src/main/planted-edge/planted.ts', importFromMain: '../ipc/electron-ipc' },
] as const;

describe('layer rules (eslint.config.mjs)', () => {
  it('reports electron imported by the composition root', async () => {
    const messages = await restrictedImports('src/main/app/lab-core.ts', 'electron');
    expect(messages.join('\n')).toMatch(/Only the Electron edge/);
  });

  it('reports drivers imported from things', async () => {
    expect(await restrictedImports('src/main/things/thing.ts', '../drivers/http')).not.toEqual([]);
  });

  it('reports the composition root imported from drivers', async () => {
    expect(await restrictedImports('src/main/drivers/http.ts', '../app/lab-core')).not.toEqual([]);
  });

  it('reports every import of a higher layer, from every layer', async () => {
    const missed: string[] = [];
    // The edge file is planted at a real edge path: ipc/electron-*.ts is the edge.
    const files = LAYERS.map((layer) => (layer.name === 'edge' ? 'src/main/ipc/electron-planted.ts' : layer.file));
    for (let low = 0; low < LAYERS.length; low++) {
      for (let high = low + 1; high < LAYERS.length; high++) {
        const from = files[low] as string;
        const specifier = LAYERS[low]?.name === 'shared' ? '../main/app/lab-core' : (LAYERS[high]?.importFromMain as string);
        if (LAYERS[low]?.name === 'shared' && high !== 5) continue; // shared: one sample, all of main is refused
        if ((await restrictedImports(from, specifier)).length === 0) missed.push(`${from} → ${specifier}`);
      }
    }
    expect(missed).toEqual([]);
  });

  it('reports root files importing upwards: cli (composition) must not import transports or the edge', async () => {
    expect(await restrictedImports('src/main/cli.ts', './ipc/ws-server')).not.toEqual([]);
    expect(await restrictedImports('src/main/cli.ts', './window')).not.toEqual([]);
    expect(await restrictedImports('src/main/serve.ts', './security')).not.toEqual([]);
    expect(await restrictedImports('src/main/app/lab-core.ts', '../serve')).not.toEqual([]);
  });

  it('allows a layer to import the ones below it', async () => {
    expect(await restrictedImports('src/main/drivers/http.ts', '../things/thing')).toEqual([]);
    expect(await restrictedImports('src/main/services/service.ts', '../drivers/http')).toEqual([]);
    expect(await restrictedImports('src/main/app/lab-core.ts', '../services/service')).toEqual([]);
    expect(await restrictedImports('src/main/serve.ts', './app/lab-core')).toEqual([]);
    expect(await restrictedImports('src/main/index.ts', './ipc/electron-ipc')).toEqual([]);
    expect(await restrictedImports('src/main/index.ts', 'electron')).toEqual([]);
  });

  it('keeps the renderer to src/shared and shared free of Node built-ins', async () => {
    expect(await restrictedImports('src/renderer/App.tsx', '../main/app/lab-core')).not.toEqual([]);
    expect(await restrictedImports('src/shared/model.ts', 'node:fs')).not.toEqual([]);
    expect(await restrictedImports('src/renderer/App.tsx', '../shared/contract')).toEqual([]);
  });
});

// Packaging checks that need no Electron download: electron-builder's own validation of
// electron-builder.yml, the icon set, and an unpacked Linux build made with a stand-in
// Electron whose app.asar is inspected file by file.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Configuration } from 'electron-builder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ASAR_BUDGET_BYTES, BINDING_BUDGET_BYTES, PROJECT_DIR, REQUIRED_FUSES, bindingDir, loadDuckDbFromAsar, createAsar, createStandInElectron, electronVersion, ensureBuilt, formatMB,
  listAsar, loadBuilderConfig, loadRequiredPackages, packWithStandIn, packageNameOf, readAsarText, readFuses, requiredPackages, resolveBuilderIcons,
  validateBuilderConfig, verifyAsar, verifyFuses,
} from '../../scripts/package-check.mjs';

const PACK_TIMEOUT = 180_000;

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function pngSize(path: string): { width: number; height: number } {
  const data = readFileSync(path);
  expect(data.subarray(1, 4).toString('ascii')).toBe('PNG');
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}

function targetNames(targets: unknown): string[] {
  const list = Array.isArray(targets) ? targets : [targets];
  return list.map((t: unknown) => (typeof t === 'string' ? t : typeof t === 'object' && t !== null && 'target' in t ? String(t.target) : '?'));
}

describe('electron-builder configuration', () => {
  let config: Configuration;

  beforeAll(async () => {
    config = await loadBuilderConfig();
  });

  it('passes electron-builder validation', async () => {
    await expect(validateBuilderConfig(config)).resolves.toBeUndefined();
  });

  it('rejects deliberately broken copies', async () => {
    const copy = (): Configuration => structuredClone(config);

    const misspelt = copy() as Configuration & { linux: Record<string, unknown> };
    misspelt.linux = { ...misspelt.linux, categroy: 'Science' };
    await expect(validateBuilderConfig(misspelt)).rejects.toThrow(/configuration\.linux/);

    const wrongType = copy() as Record<string, unknown>;
    wrongType['npmRebuild'] = 'no';
    await expect(validateBuilderConfig(wrongType as Configuration)).rejects.toThrow(/configuration\.npmRebuild should be a boolean/);

    const unknownTop = copy() as Record<string, unknown>;
    unknownTop['productname'] = 'Lab Monitor';
    await expect(validateBuilderConfig(unknownTop as Configuration)).rejects.toThrow(/unknown property 'productname'/);
  });

  it('names the app and its installers', () => {
    expect(config.appId).toBe('org.labmonitor.app');
    expect(config.productName).toBe('Lab Monitor');
    expect(config.npmRebuild).toBe(false);
    expect(config.asar).toBe(true);
    expect(config.linux?.category).toBe('Science');
    expect(targetNames(config.linux?.target)).toEqual(['AppImage', 'deb']);
    expect(config.linux?.maintainer).toMatch(/<[^@\s]+@[^>\s]+>/); // deb needs a maintainer e-mail
    expect(targetNames(config.win?.target)).toEqual(['nsis']);
    expect(targetNames(config.mac?.target)).toEqual(['dmg']);
    expect(config.mac?.hardenedRuntime).toBe(true);
  });

  it('ships the built app and the default instruments, nothing else, by whitelist', () => {
    // electron-builder normalises the list into one file set: [{ filter: [...] }]
    const sets = (Array.isArray(config.files) ? config.files : [config.files]) as unknown[];
    const files = sets.flatMap((set) =>
      typeof set === 'string' ? [set] : typeof set === 'object' && set !== null && 'filter' in set && Array.isArray(set.filter) ? (set.filter as unknown[]) : [],
    );
    expect(files).toEqual(expect.arrayContaining(['package.json', 'out/**/*', 'config/**/*.json', '!**/*.map']));
    for (const pattern of files) {
      expect(typeof pattern).toBe('string');
      expect(String(pattern)).not.toMatch(/^(src|tests|scripts|build|docs)\b/);
    }
  });

  it('hardens the packaged binary with Electron fuses', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
    expect(config.electronFuses).toEqual(REQUIRED_FUSES);
  });

  it('has the macOS entitlements it points to: JIT only', () => {
    const plist = readFileSync(join(PROJECT_DIR, 'build', 'entitlements.mac.plist'), 'utf8');
    expect(config.mac?.entitlements).toBe('build/entitlements.mac.plist');
    expect(plist).toContain('<key>com.apple.security.cs.allow-jit</key>');
    expect(plist.match(/<key>/g)).toHaveLength(1);
  });
});

describe('icons', () => {
  const build = join(PROJECT_DIR, 'build');

  it('has the 1024×1024 master and the Linux set', () => {
    expect(readFileSync(join(build, 'icon.svg'), 'utf8')).toContain('<svg');
    expect(pngSize(join(build, 'icon.png'))).toEqual({ width: 1024, height: 1024 });
    for (const size of [16, 24, 32, 48, 64, 128, 256, 512]) {
      expect(pngSize(join(build, 'icons', `${size}x${size}.png`))).toEqual({ width: size, height: size });
    }
  });

  it('has a Windows .ico and a macOS .icns with PNG entries', () => {
    const ico = readFileSync(join(build, 'icon.ico'));
    expect(ico.readUInt16LE(2)).toBe(1);
    const count = ico.readUInt16LE(4);
    expect(count).toBeGreaterThanOrEqual(5);
    const widths = Array.from({ length: count }, (_, i) => ico.readUInt8(6 + 16 * i) || 256);
    expect(widths).toEqual(expect.arrayContaining([16, 32, 48, 256]));

    const icns = readFileSync(join(build, 'icon.icns'));
    expect(icns.subarray(0, 4).toString('ascii')).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    expect(icns.includes(Buffer.from('ic10'))).toBe(true); // 1024 px (512@2x)
  });

  it('are the files electron-builder uses for each installer, without conversion', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'lab-monitor-icons-'));
    try {
      const { linux, win, mac } = await resolveBuilderIcons(undefined, tmp);
      const names = (r: { icons: { file: string }[] }): string[] => r.icons.map((i) => i.file.slice(PROJECT_DIR.length + 1).split('\\').join('/'));
      expect(linux.isFallback).toBe(false);
      expect(linux.icons.map((i) => i.size)).toEqual([16, 24, 32, 48, 64, 128, 256, 512]);
      expect(names(win)).toEqual(['build/icon.ico']);
      expect(names(mac)).toEqual(['build/icon.icns']);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});

describe('finding what main and preload load', () => {
  it('keeps bare package names, drops builtins, electron and relative paths', () => {
    expect(packageNameOf('ws')).toBe('ws');
    expect(packageNameOf('@scope/pkg/sub/path')).toBe('@scope/pkg');
    expect(packageNameOf('zod/v4')).toBe('zod');
    expect(packageNameOf('node:fs')).toBeNull();
    expect(packageNameOf('fs/promises')).toBeNull();
    expect(packageNameOf('electron')).toBeNull();
    expect(packageNameOf('./chunks/a.js')).toBeNull();
    const source = [
      'const a = require("ws"); const b = require(\'zod/v4\'); require("node:path"); require("path");',
      'require("electron"); require("./chunks/x.js"); import("mqtt"); const t = "require is a word";',
    ].join('\n');
    expect(requiredPackages(source)).toEqual(['mqtt', 'ws', 'zod']);
  });
});

describe('the checker itself', () => {
  let tmp: string;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'lab-monitor-check-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('reports sources, maps, dev packages, missing modules and a blown budget', async () => {
    const app = join(tmp, 'bad');
    const files: Record<string, string> = {
      'package.json': JSON.stringify({ name: 'lab-monitor', version: '0.0.0', main: './out/main/missing.js' }),
      'out/main/index.js': 'require("ws"); require("not-installed-anywhere");',
      'out/main/index.js.map': '{}',
      'src/main/index.ts': 'export {};',
      'tsconfig.node.json': '{}',
      'node_modules/react/package.json': JSON.stringify({ name: 'react', version: '19.0.0' }),
      'node_modules/ws/package.json': JSON.stringify({ name: 'ws', version: '8.0.0', dependencies: { 'ws-helper': '1' } }),
    };
    for (const [name, text] of Object.entries(files)) {
      await mkdir(join(app, name, '..'), { recursive: true });
      await writeFile(join(app, name), text);
    }
    const asar = join(tmp, 'bad.asar');
    await createAsar(app, asar);

    const { problems } = verifyAsar(asar, { budgetBytes: 10 });
    const text = problems.join('\n');
    expect(text).toMatch(/main entry out\/main\/missing\.js is missing/);
    expect(text).toMatch(/"main" is \.\/out\/main\/missing\.js/);
    expect(text).toMatch(/out\/preload\/index\.js is missing/);
    expect(text).toMatch(/not-installed-anywhere .*not in app\.asar/);
    expect(text).toMatch(/ws-helper .*not in app\.asar/);
    expect(text).toMatch(/out\/main\/index\.js\.map: source maps/);
    expect(text).toMatch(/src\/main\/index\.ts must not be packaged/);
    expect(text).toMatch(/tsconfig\.node\.json must not be packaged/);
    expect(text).toMatch(/node_modules\/react is a development package/);
    expect(text).toMatch(/over the budget/);
  });

  it('reads fuse wires and reports fuses that are not as required', async () => {
    const dist = await createStandInElectron(join(tmp, 'unflipped'), '1.0.0');
    const unflipped = verifyFuses(join(dist, 'electron'));
    expect(unflipped.fuses).toMatchObject({ runAsNode: true, enableCookieEncryption: false, onlyLoadAppFromAsar: false });
    expect(unflipped.problems).toEqual(expect.arrayContaining(['fuse runAsNode is true, expected false', 'fuse onlyLoadAppFromAsar is false, expected true']));
    await writeFile(join(tmp, 'not-electron'), '#!/bin/sh\n');
    expect(verifyFuses(join(tmp, 'not-electron')).problems).toEqual([expect.stringMatching(/fuses could not be read: .*no Electron fuse wire/)]);
  });
});

describe('unpacked Linux build with a stand-in Electron', () => {
  let tmp: string;
  let asarPath: string;
  let executablePath: string;
  let electronDist: string;

  beforeAll(async () => {
    ensureBuilt(); // out/ as `npm run build` makes it, unless it is there already
    tmp = await mkdtemp(join(tmpdir(), 'lab-monitor-pack-'));
    electronDist = await createStandInElectron(join(tmp, 'electron'), electronVersion());
    try {
      ({ asarPath, executablePath } = await packWithStandIn({ outDir: join(tmp, 'dist'), electronDist }));
    } catch {
      // out/ may have been rebuilt underneath the packer (a parallel `electron-vite build`): once more
      await new Promise((r) => setTimeout(r, 3000));
      ensureBuilt();
      ({ asarPath, executablePath } = await packWithStandIn({ outDir: join(tmp, 'dist-retry'), electronDist }));
    }
  }, PACK_TIMEOUT);

  it('has the fuses of electron-builder.yml flipped in the packed binary', () => {
    // Electron's defaults before packing, so the flip is the packager's doing.
    expect(readFuses(join(electronDist, 'electron'))).toMatchObject({ runAsNode: true, enableNodeOptionsEnvironmentVariable: true, onlyLoadAppFromAsar: false });
    const { fuses, problems } = verifyFuses(executablePath);
    expect(problems).toEqual([]);
    expect(fuses).toMatchObject(REQUIRED_FUSES);
  });

  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('passes every check of scripts/package-check.mjs', () => {
    const report = verifyAsar(asarPath);
    expect(report.problems).toEqual([]);
    expect(report.bytes).toBeLessThanOrEqual(ASAR_BUDGET_BYTES);
  }, PACK_TIMEOUT);

  it('starts at package.json "main", which loads its packages from inside the archive', () => {
    const projectPkg = readJson(join(PROJECT_DIR, 'package.json')) as { main: string; version: string; dependencies: Record<string, string> };
    const files = new Set(listAsar(asarPath));
    const main = projectPkg.main.replace(/^\.\//, '');
    expect(files.has(main)).toBe(true);
    const shippedPkg = JSON.parse(readAsarText(asarPath, 'package.json')) as { main: string; version: string };
    expect(shippedPkg.main).toBe(projectPkg.main);
    expect(shippedPkg.version).toBe(projectPkg.version);
    for (const name of requiredPackages(readAsarText(asarPath, main))) {
      expect(Object.keys(projectPkg.dependencies), `${name} is loaded by main`).toContain(name);
      expect(files.has(`node_modules/${name}/package.json`), `${name} in app.asar`).toBe(true);
    }
  });

  it('loads every package main and preload need, from inside the archive, in plain Node', async () => {
    const { requiredPackages: needed } = verifyAsar(asarPath);
    expect(needed.length).toBeGreaterThan(0);
    const { loaded, failures } = await loadRequiredPackages(asarPath, needed, tmp);
    expect(failures).toEqual([]);
    expect(loaded).toEqual(needed);
    const missing = await loadRequiredPackages(asarPath, ['not-shipped-anywhere'], join(tmp, 'negative'));
    expect(missing.failures).toEqual([expect.stringMatching(/^not-shipped-anywhere: Cannot find module/)]);
  }, PACK_TIMEOUT);

  it('has a preload that needs nothing but electron (a sandboxed preload cannot require packages)', () => {
    const preload = readAsarText(asarPath, 'out/preload/index.js');
    expect([...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1])).toEqual(['electron']);
  });

  it('holds no sources, tests, maps, build resources or development packages', () => {
    const entries = listAsar(asarPath);
    expect(entries.filter((e) => /^(src|tests|scripts|build|docs)(\/|$)/.test(e))).toEqual([]);
    expect(entries.filter((e) => /\.(map|ts|tsx|mts|cts)$/.test(e))).toEqual([]);
    for (const dev of ['react', 'react-dom', 'vite', 'typescript', 'electron', 'electron-builder', 'vitest', 'zustand', 'uplot']) {
      expect(entries, dev).not.toContain(`node_modules/${dev}`);
    }
    for (const config of ['electron.vite.config.ts', 'tsconfig.base.json', 'eslint.config.mjs', 'electron-builder.yml', 'package-lock.json']) {
      expect(entries).not.toContain(config);
    }
  });

  it('ships the default instrument configuration inside the archive', () => {
    const shipped = readAsarText(asarPath, 'config/instruments.json');
    expect(shipped).toBe(readFileSync(join(PROJECT_DIR, 'config', 'instruments.json'), 'utf8'));
  });

  it('stays within the size budget stated in the README', () => {
    const docs = readFileSync(join(PROJECT_DIR, 'README.md'), 'utf8');
    expect(docs).toContain(`${ASAR_BUDGET_BYTES / (1024 * 1024)} MB`);
    const { bytes } = verifyAsar(asarPath);
    expect(bytes, `app.asar is ${formatMB(bytes)}`).toBeLessThanOrEqual(ASAR_BUDGET_BYTES);
  });

  it('unpacks the DuckDB binding for this platform next to app.asar, within its own budget, and it loads', async () => {
    const docs = readFileSync(join(PROJECT_DIR, 'README.md'), 'utf8');
    expect(docs).toContain(`${BINDING_BUDGET_BYTES / (1024 * 1024)} MB`);
    const report = verifyAsar(asarPath);
    expect(report.binding).toBe(bindingDir());
    expect(existsSync(join(`${asarPath}.unpacked`, bindingDir(), 'duckdb.node'))).toBe(true);
    expect(report.bindingBytes).toBeGreaterThan(1024 * 1024);
    expect(report.bindingBytes).toBeLessThanOrEqual(BINDING_BUDGET_BYTES);
    // The recorder's own worker is a built file of the app.
    expect(listAsar(asarPath)).toContain('out/main/recorder-worker.js');
    const loaded = await loadDuckDbFromAsar(asarPath, tmp);
    expect(loaded.answer).toBe(42);
    // A budget too small for it, or a missing binding, is reported.
    expect(verifyAsar(asarPath, { bindingBudgetBytes: 1024 }).problems.join('\n')).toMatch(/DuckDB binding is .* over its budget/);
    expect(verifyAsar(asarPath, { bindingPlatform: 'plan9-mips' }).problems.join('\n')).toMatch(/node-bindings-plan9-mips\/duckdb\.node is not unpacked/);
  }, PACK_TIMEOUT);
});

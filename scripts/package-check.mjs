// Checks of the packaged app, shared by scripts/check-package.mjs and tests/build.
//  - validateBuilderConfig: electron-builder's own schema validation of electron-builder.yml
//  - createStandInElectron + packWithStandIn: an unpacked (--dir) Linux build that needs no
//    Electron download (the stand-in only has to look like an Electron distribution)
//  - verifyAsar: what app.asar must and must not contain, and the size budget
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

/** app.asar (plus app.asar.unpacked, if any) may not grow beyond this. Measured: 5.75 MB (0.1.0). */
export const ASAR_BUDGET_BYTES = 12 * 1024 * 1024;

/** Never shipped, even if something in the dependency tree asked for them. */
export const ALWAYS_FORBIDDEN_PACKAGES = [
  'electron', 'electron-builder', 'electron-vite', 'vite', 'vitest', 'typescript', 'eslint', 'tsx',
  'react', 'react-dom', 'zustand', 'uplot', '@playwright/test', 'playwright', 'playwright-core',
];

/** Top-level paths of the project that must not appear in app.asar. */
export const FORBIDDEN_TOP_LEVEL = [
  'src', 'tests', 'test', 'scripts', 'build', 'docs', 'dist', 'bench', 'coverage', '.git', '.github', '.ci',
  '.vite', 'test-results', 'playwright-report',
  'electron.vite.config.ts', 'electron-builder.yml', 'vitest.config.mts', 'playwright.config.ts',
  'eslint.config.mjs', 'package-lock.json', '.npmrc', '.gitignore', 'README.md',
];

const requireFromBuilder = createRequire(createRequire(join(PROJECT_DIR, 'package.json')).resolve('electron-builder/package.json'));

function loadAsar() {
  return requireFromBuilder('@electron/asar');
}

// ---------------------------------------------------------------- configuration validation

/** Loads electron-builder.yml the way electron-builder does (merged with package.json metadata). */
export async function loadBuilderConfig(projectDir = PROJECT_DIR) {
  const { getConfig } = requireFromBuilder('app-builder-lib/out/util/config/config');
  return getConfig(projectDir, null, null);
}

/** Runs electron-builder's own validation; rejects with its message when the configuration is invalid. */
export async function validateBuilderConfig(config) {
  const { validateConfiguration } = requireFromBuilder('app-builder-lib/out/util/config/config');
  const { DebugLogger } = requireFromBuilder('builder-util');
  await validateConfiguration(config, new DebugLogger(false));
}

// ---------------------------------------------------------------- stand-in Electron and --dir build

/**
 * Writes a directory that electron-builder accepts as an unpacked Linux Electron distribution
 * (config `electronDist`): an `electron` executable, `resources/`, LICENSE and version.
 * Its executable only prints a line; the result is for inspecting app.asar, not for running.
 */
export async function createStandInElectron(dir, version) {
  await mkdir(join(dir, 'resources'), { recursive: true });
  await writeFile(join(dir, 'electron'), '#!/bin/sh\necho "stand-in Electron: inspect resources/app.asar only"\nexit 1\n');
  await chmod(join(dir, 'electron'), 0o755);
  await writeFile(join(dir, 'LICENSE'), 'Stand-in for the Electron LICENSE file.\n');
  await writeFile(join(dir, 'LICENSES.chromium.html'), '<!doctype html><title>stand-in</title>\n');
  await writeFile(join(dir, 'version'), `${version}\n`);
  return dir;
}

/** Installed Electron version (the binary itself need not be installed). */
export function electronVersion(projectDir = PROJECT_DIR) {
  const pkg = JSON.parse(readFileSync(join(projectDir, 'node_modules', 'electron', 'package.json'), 'utf8'));
  return String(pkg.version);
}

/**
 * `electron-builder --linux dir --x64` with the stand-in Electron, output in outDir.
 * Resolves with the path of the app.asar it produced and the builder's log.
 */
export async function packWithStandIn({ projectDir = PROJECT_DIR, outDir, electronDist }) {
  const cli = requireFromBuilder.resolve('electron-builder/cli.js');
  const args = [
    cli, '--linux', 'dir', '--x64', '--publish', 'never',
    `--config.electronDist=${electronDist}`,
    `--config.directories.output=${outDir}`,
  ];
  const log = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: projectDir,
      env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`electron-builder exited with ${code}:\n${out}`));
    });
  });
  const asarPath = join(outDir, 'linux-unpacked', 'resources', 'app.asar');
  if (!existsSync(asarPath)) throw new Error(`electron-builder finished but ${asarPath} is missing:\n${log}`);
  return { asarPath, log };
}

/** Finds app.asar files under a dist folder (linux-unpacked, win-unpacked, mac*.app). */
export function findAsars(distDir) {
  const found = [];
  const walk = (dir, depth) => {
    if (depth > 5 || !existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full, depth + 1);
      else if (entry.name === 'app.asar' && /[\\/](resources|Resources)$/.test(dir)) found.push(full);
    }
  };
  walk(distDir, 0);
  return found;
}

// ---------------------------------------------------------------- asar contents

/** Entries of an archive as posix paths without a leading slash ("out/main/index.js"). */
export function listAsar(asarPath) {
  const asar = loadAsar();
  asar.uncache(asarPath);
  return asar.listPackage(asarPath, { isPack: false }).map((p) => p.split(sep).join('/').replace(/^\/+/, ''));
}

/** Packs a folder into an archive (used to test the checks themselves). */
export async function createAsar(srcDir, asarPath) {
  await loadAsar().createPackage(srcDir, asarPath);
}

export function readAsarText(asarPath, file) {
  return loadAsar().extractFile(asarPath, file).toString('utf8');
}

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Package name of a bare specifier ("@scope/pkg/sub" → "@scope/pkg"), or null for relative, builtin, electron. */
export function packageNameOf(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return null;
  if (/^[a-zA-Z]:[\\/]/.test(specifier) || specifier.includes(':')) return null;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  if (!name || BUILTINS.has(name) || BUILTINS.has(specifier)) return null;
  if (name === 'electron') return null;
  return name;
}

/** Bare package names a built CommonJS/ESM file loads: require("x"), import("x"), import … from "x". */
export function requiredPackages(source) {
  const names = new Set();
  const patterns = [
    /\brequire\s*\(\s*(['"`])([^'"`]+)\1\s*\)/g,
    /\bimport\s*\(\s*(['"`])([^'"`]+)\1\s*\)/g,
    /\bimport\s[^'"`;]*?\bfrom\s*(['"])([^'"]+)\1/g,
    /\bimport\s*(['"])([^'"]+)\1/g,
  ];
  for (const re of patterns) {
    for (const m of source.matchAll(re)) {
      const name = m[2] === undefined ? null : packageNameOf(m[2]);
      if (name) names.add(name);
    }
  }
  return [...names].sort();
}

/** Node's lookup of `name` from inside package directory `fromDir` ("node_modules/a"), within a file set. */
function resolveInSet(files, fromDir, name) {
  let dir = fromDir;
  for (;;) {
    const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (files.has(`${candidate}/package.json`)) return candidate;
    if (!dir) return null;
    const idx = dir.lastIndexOf('/node_modules/');
    dir = idx === -1 ? '' : dir.slice(0, idx);
  }
}

/** Production dependency closure of the project (names), following the installed node_modules. */
export function productionClosure(projectDir = PROJECT_DIR) {
  const pkg = JSON.parse(readFileSync(join(projectDir, 'package.json'), 'utf8'));
  const seen = new Set();
  const queue = Object.keys(pkg.dependencies ?? {}).map((name) => ({ name, from: projectDir }));
  while (queue.length > 0) {
    const next = queue.shift();
    if (!next) break;
    const pkgJsonPath = findPackageJson(next.name, next.from);
    // a missing one is an optional dependency not installed for this platform
    if (!pkgJsonPath || seen.has(pkgJsonPath)) continue;
    seen.add(pkgJsonPath);
    const dep = JSON.parse(readFileSync(pkgJsonPath, 'utf8'));
    for (const child of Object.keys({ ...dep.dependencies, ...dep.optionalDependencies })) {
      queue.push({ name: child, from: dirname(pkgJsonPath) });
    }
  }
  return new Set([...seen].map((p) => JSON.parse(readFileSync(p, 'utf8')).name));
}

/** Node's lookup of a package's package.json from a directory, on disk. */
function findPackageJson(name, fromDir) {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** Files of the project's out/ folder (posix, relative to the project), without source maps. */
export function builtOutputFiles(projectDir = PROJECT_DIR) {
  const outDir = join(projectDir, 'out');
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (!entry.name.endsWith('.map')) files.push(relative(projectDir, full).split(sep).join('/'));
    }
  };
  if (existsSync(outDir)) walk(outDir);
  return files.sort();
}

function asarBytes(asarPath) {
  let total = statSync(asarPath).size;
  const unpacked = `${asarPath}.unpacked`;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else total += statSync(full).size;
    }
  };
  if (existsSync(unpacked)) walk(unpacked);
  return total;
}

/**
 * Verifies an app.asar against the project: returns { problems, ... }; problems is empty when it passes.
 * budgetBytes defaults to ASAR_BUDGET_BYTES.
 */
export function verifyAsar(asarPath, { projectDir = PROJECT_DIR, budgetBytes = ASAR_BUDGET_BYTES } = {}) {
  const problems = [];
  const entries = listAsar(asarPath);
  const files = new Set(entries);
  const projectPkg = JSON.parse(readFileSync(join(projectDir, 'package.json'), 'utf8'));

  // 1. package.json and its main entry
  let mainEntry = null;
  if (!files.has('package.json')) {
    problems.push('package.json is missing');
  } else {
    const pkg = JSON.parse(readAsarText(asarPath, 'package.json'));
    mainEntry = posix.normalize(String(pkg.main ?? 'index.js')).replace(/^\.\//, '');
    if (pkg.main !== projectPkg.main) problems.push(`package.json "main" is ${pkg.main}, expected ${projectPkg.main}`);
    if (!files.has(mainEntry)) problems.push(`main entry ${mainEntry} is missing`);
    if (pkg.version !== projectPkg.version) problems.push(`version ${pkg.version} differs from package.json ${projectPkg.version}`);
  }

  // 2. the built app: everything electron-vite wrote to out/ (maps aside), and at least main, preload, renderer
  for (const required of ['out/preload/index.js', 'out/renderer/index.html']) {
    if (!files.has(required)) problems.push(`${required} is missing`);
  }
  for (const built of builtOutputFiles(projectDir)) {
    if (!files.has(built)) problems.push(`built file ${built} is missing`);
  }
  if (existsSync(join(projectDir, 'config', 'instruments.json')) && !files.has('config/instruments.json')) {
    problems.push('config/instruments.json (default instruments) is missing');
  }

  // 3. every package main and preload load at run time, and their dependencies, transitively
  const runtimeFiles = entries.filter((f) => /^out\/(main|preload)\/.*\.(c|m)?js$/.test(f));
  const required = new Map(); // package name → first file that loads it
  for (const file of runtimeFiles) {
    for (const name of requiredPackages(readAsarText(asarPath, file))) {
      if (!required.has(name)) required.set(name, file);
    }
  }
  const shipped = new Set();
  const queue = [...required].map(([name, by]) => ({ name, from: '', by }));
  while (queue.length > 0) {
    const next = queue.shift();
    if (!next) break;
    const dir = resolveInSet(files, next.from, next.name);
    if (!dir) {
      if (!next.optional) problems.push(`${next.name} (needed by ${next.by}) is not in app.asar`);
      continue;
    }
    if (shipped.has(dir)) continue;
    shipped.add(dir);
    const dep = JSON.parse(readAsarText(asarPath, `${dir}/package.json`));
    for (const child of Object.keys(dep.dependencies ?? {})) queue.push({ name: child, from: dir, by: dir });
    for (const child of Object.keys(dep.optionalDependencies ?? {})) queue.push({ name: child, from: dir, by: dir, optional: true });
  }

  // 4. nothing that is not part of the app
  for (const entry of entries) {
    const top = entry.split('/')[0] ?? '';
    if (FORBIDDEN_TOP_LEVEL.includes(top)) problems.push(`${entry} must not be packaged`);
    if (/\.map$/.test(entry)) problems.push(`${entry}: source maps must not be packaged`);
    if (/\.(ts|mts|cts|tsx)$/.test(entry)) problems.push(`${entry}: TypeScript sources must not be packaged`);
  }
  const closure = productionClosure(projectDir);
  const devOnly = Object.keys(projectPkg.devDependencies ?? {}).filter((name) => !closure.has(name));
  for (const name of new Set([...devOnly, ...ALWAYS_FORBIDDEN_PACKAGES])) {
    if (files.has(`node_modules/${name}/package.json`) || files.has(`node_modules/${name}`)) {
      problems.push(`node_modules/${name} is a development package and must not be packaged`);
    }
  }

  // 5. size budget
  const bytes = asarBytes(asarPath);
  if (bytes > budgetBytes) {
    problems.push(`app.asar is ${formatMB(bytes)}, over the budget of ${formatMB(budgetBytes)}`);
  }

  return {
    problems,
    bytes,
    budgetBytes,
    mainEntry,
    entries,
    requiredPackages: [...required.keys()].sort(),
    shippedPackages: [...shipped].sort(),
  };
}

export function formatMB(bytes) {
  return `${(bytes / (1024 * 1024)).toFixed(2)} MB`;
}

// Types for scripts/package-check.mjs (used from tests/build).
import type { Configuration } from 'electron-builder';

export declare const PROJECT_DIR: string;
export declare const ASAR_BUDGET_BYTES: number;
export declare const BINDING_BUDGET_BYTES: number;
export declare function bindingDir(platform?: string): string;
export declare const ALWAYS_FORBIDDEN_PACKAGES: readonly string[];
export declare const FORBIDDEN_TOP_LEVEL: readonly string[];

export declare const BUILT_ENTRIES: readonly string[];
export declare function ensureBuilt(projectDir?: string): boolean;

export declare function loadBuilderConfig(projectDir?: string): Promise<Configuration>;
export declare function validateBuilderConfig(config: Configuration): Promise<void>;

export interface ResolvedIcons {
  icons: { file: string; size: number }[];
  isFallback: boolean;
}
export declare function resolveBuilderIcons(
  projectDir: string | undefined,
  outDir: string,
): Promise<{ linux: ResolvedIcons; win: ResolvedIcons; mac: ResolvedIcons }>;

export declare function createStandInElectron(dir: string, version: string): Promise<string>;
export declare function electronVersion(projectDir?: string): string;
export declare function packWithStandIn(options: {
  projectDir?: string;
  outDir: string;
  electronDist: string;
}): Promise<{ asarPath: string; executablePath: string; log: string }>;

export declare const FUSE_NAMES: readonly string[];
export declare const REQUIRED_FUSES: Readonly<Record<string, boolean>>;
export type FuseStates = Record<string, boolean | string>;
export declare function readFuses(executablePath: string): FuseStates;
export declare function verifyFuses(executablePath: string, required?: Readonly<Record<string, boolean>>): { fuses: FuseStates; problems: string[] };
export declare function executableForAsar(asarPath: string, executableNames: readonly string[]): string | undefined;
export declare function findAsars(distDir: string): string[];

export declare function listAsar(asarPath: string): string[];
export declare function createAsar(srcDir: string, asarPath: string): Promise<void>;
export declare function readAsarText(asarPath: string, file: string): string;
export declare function packageNameOf(specifier: string): string | null;
export declare function requiredPackages(source: string): string[];
export declare function productionClosure(projectDir?: string): Set<string>;
export declare function builtOutputFiles(projectDir?: string): string[];

export interface AsarReport {
  problems: string[];
  bytes: number;
  budgetBytes: number;
  bindingBytes: number;
  bindingBudgetBytes: number;
  /** The binding's folder under app.asar.unpacked/ when main loads DuckDB, else null. */
  binding: string | null;
  mainEntry: string | null;
  entries: string[];
  requiredPackages: string[];
  shippedPackages: string[];
}
export declare function verifyAsar(
  asarPath: string,
  options?: { projectDir?: string; budgetBytes?: number; bindingBudgetBytes?: number; bindingPlatform?: string },
): AsarReport;
export declare function loadRequiredPackages(
  asarPath: string,
  packages: readonly string[],
  workDir: string,
): Promise<{ loaded: string[]; failures: string[] }>;
export declare function loadDuckDbFromAsar(asarPath: string, workDir: string): Promise<{ answer: number; resolved: string }>;
export declare function formatMB(bytes: number): string;

import { isIPv6 } from 'node:net';
/** Command-line options shared by the desktop app and browser mode. */
export interface CliOptions {
  port: number;
  host: string;
  config?: string;
  connect: string[];
  token?: string;
  settings?: string;
  /** The viewer's token (watch only) instead of a random one. */
  viewerToken?: string;
  /** Serve only the viewer URL: nobody can operate through browser mode. */
  viewerOnly?: boolean;
  /** Keep the browser-mode tokens in this file (stable URLs); `true` for the default place in the data folder. */
  tokenFile?: string | true;
  /** Longest wait between reconnect attempts of a remote instrument, in ms (`--retry-max-sec`). */
  retryMaxMs?: number;
  /** The data folder (alarm rules and other operator configuration); nothing is kept on disk without it in browser mode. */
  data?: string;
  /** `--publish mqtt://broker[:port][/prefix]`: share this Lab Monitor's Things through a broker. */
  publish?: string;
  /** `--publish-writable`: peers on the broker may write properties and invoke actions. */
  publishWritable: boolean;
  /** `--host-name NAME` (repeatable): more names this machine is reached by, for the Host check of `--host 0.0.0.0`. */
  hostNames: string[];
  /** `--alarm-reminder-min`: an unacknowledged major alarm is announced again this often, in s (0: never). */
  alarmReminderSec?: number;
}

export const DEFAULT_PORT = 5190;
export const DEFAULT_HOST = '127.0.0.1';

export class CliError extends Error {
  override readonly name = 'CliError';
}

const DNS_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;
/** A DNS name, an IPv4 address, or an IPv6 address (bare or in brackets). */
const isHostName = (value: string): boolean => DNS_NAME.test(value) || isIPv6(/^\[(.*)\]$/.exec(value)?.[1] ?? value);
const VALUE_OPTIONS = new Set(['--port', '--host', '--config', '--connect', '--token', '--settings', '--viewer-token', '--data', '--publish', '--retry-max-sec', '--alarm-reminder-min', '--host-name']);
const FLAG_OPTIONS = new Set(['--viewer-only']);
/** Options whose value may be left out (then the next argument is another option, or none). */
const OPTIONAL_VALUE_OPTIONS = new Set(['--token-file']);

/**
 * Parses `--publish URL`, `--publish-writable`, `--port N`, `--host H`, `--config FILE`, `--connect URL` (repeatable), `--token T`,
 * `--settings FILE` and `--data DIR`, as `--name value` or `--name=value`; `--viewer-token T`, `--viewer-only`, `--token-file [FILE]`. Bad values throw CliError;
 * other arguments (Electron's and Chromium's own switches) are ignored.
 */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  const options: CliOptions = { port: DEFAULT_PORT, host: DEFAULT_HOST, connect: [], publishWritable: false, hostNames: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    if (FLAG_OPTIONS.has(name)) {
      if (name === '--viewer-only') options.viewerOnly = true;
      continue;
    }
    if (OPTIONAL_VALUE_OPTIONS.has(name)) {
      const next = argv[i + 1];
      if (eq >= 0) options.tokenFile = arg.slice(eq + 1) || true;
      else if (next === undefined || next.startsWith('--')) options.tokenFile = true;
      else {
        options.tokenFile = next;
        i += 1;
      }
      continue;
    }
    if (name === '--publish-writable') {
      if (eq >= 0) throw new CliError('--publish-writable takes no value');
      options.publishWritable = true;
      continue;
    }
    if (!VALUE_OPTIONS.has(name)) {
      // Chromium and Electron switches (--inspect, --no-sandbox...) pass through untouched.
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      i += 1;
    }
    if (value === undefined || value === '') throw new CliError(`${name} needs a value`);
    switch (name) {
      case '--port': {
        const port = Number(value);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be 0–65535, got "${value}"`);
        options.port = port;
        break;
      }
      case '--host':
        options.host = value;
        break;
      case '--host-name':
        // A DNS name or an address, without a port or a scheme: what a browser puts in Host.
        if (!isHostName(value)) throw new CliError(`--host-name needs a host name or address without port or scheme (lab-pc.example.org, 10.0.0.5), got "${value}"`);
        options.hostNames.push(value.toLowerCase());
        break;
      case '--config':
        options.config = value;
        break;
      case '--connect':
        try {
          new URL(value);
        } catch {
          throw new CliError(`--connect needs a URL, got "${value}"`);
        }
        options.connect.push(value);
        break;
      case '--token':
        if (value.length < 16) throw new CliError('--token must be at least 16 characters');
        options.token = value;
        break;
      case '--settings':
        options.settings = value;
        break;
      case '--viewer-token':
        if (value.length < 16) throw new CliError('--viewer-token must be at least 16 characters');
        options.viewerToken = value;
        break;
      case '--retry-max-sec': {
        const seconds = Number(value);
        if (!Number.isFinite(seconds) || seconds < 0.1 || seconds > 3600) throw new CliError(`--retry-max-sec must be 0.1–3600, got "${value}"`);
        options.retryMaxMs = Math.round(seconds * 1000);
        break;
      }
      case '--data':
        options.data = value;
        break;
      case '--alarm-reminder-min': {
        const minutes = Number(value);
        // 0 turns reminders off; anything else is at least 6 s, so a typo never means "never".
        if (!Number.isFinite(minutes) || minutes < 0 || minutes > 24 * 60 || (minutes > 0 && minutes < 0.1)) {
          throw new CliError(`--alarm-reminder-min must be 0 (never) or 0.1 to 1440, got "${value}"`);
        }
        options.alarmReminderSec = Math.round(minutes * 60);
        break;
      }
      case '--publish': {
        let url: URL;
        try {
          url = new URL(value);
        } catch {
          throw new CliError(`--publish needs an mqtt:// URL, got "${value}"`);
        }
        if (url.protocol !== 'mqtt:' && url.protocol !== 'mqtts:') throw new CliError(`--publish needs an mqtt:// or mqtts:// URL, got "${value}"`);
        options.publish = value;
        break;
      }
    }
  }
  return options;
}

/** True for addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

/**
 * The user's data folder, where Electron keeps `userData` for "Lab Monitor": browser mode uses
 * the same place for what it keeps (its token file).
 */
export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = env.HOME ?? env.USERPROFILE ?? '.'): string {
  const product = 'Lab Monitor';
  if (platform === 'win32') return `${env.APPDATA ?? `${home}\\AppData\\Roaming`}\\${product}`;
  if (platform === 'darwin') return `${home}/Library/Application Support/${product}`;
  return `${env.XDG_CONFIG_HOME ?? `${home}/.config`}/${product}`;
}

/** Default file name of the browser-mode tokens in the data folder. */
export const TOKEN_FILE_NAME = 'browser-tokens.json';

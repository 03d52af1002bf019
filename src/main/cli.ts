/** Command-line options shared by the desktop app and browser mode. */
export interface CliOptions {
  port: number;
  host: string;
  config?: string;
  connect: string[];
  token?: string;
  settings?: string;
  /** The data folder (alarm rules and other operator configuration); nothing is kept on disk without it in browser mode. */
  data?: string;
  /** `--publish mqtt://broker[:port][/prefix]`: share this Lab Monitor's Things through a broker. */
  publish?: string;
  /** `--publish-writable`: peers on the broker may write properties and invoke actions. */
  publishWritable: boolean;
}

export const DEFAULT_PORT = 5190;
export const DEFAULT_HOST = '127.0.0.1';

export class CliError extends Error {
  override readonly name = 'CliError';
}

const VALUE_OPTIONS = new Set(['--port', '--host', '--config', '--connect', '--token', '--settings', '--data', '--publish']);

/**
 * Parses `--publish URL`, `--publish-writable`, `--port N`, `--host H`, `--config FILE`, `--connect URL` (repeatable), `--token T`,
 * `--settings FILE` and `--data DIR`, as `--name value` or `--name=value`. Bad values throw CliError;
 * other arguments (Electron's and Chromium's own switches) are ignored.
 */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  const options: CliOptions = { port: DEFAULT_PORT, host: DEFAULT_HOST, connect: [], publishWritable: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
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
      case '--data':
        options.data = value;
        break;
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

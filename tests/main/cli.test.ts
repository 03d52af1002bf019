import { describe, expect, it } from 'vitest';
import { CliError, isLoopbackHost, parseCliArgs, userDataDir } from '../../src/main/cli';

describe('parseCliArgs', () => {
  it('has safe defaults', () => {
    expect(parseCliArgs([])).toEqual({ port: 5190, host: '127.0.0.1', connect: [], publishWritable: false, hostNames: [] });
  });

  it('reads every option, in both spellings, and repeats --connect', () => {
    expect(
      parseCliArgs(['--port', '0', '--host=::1', '--config', 'lab.json', '--connect', 'http://a:5000/', '--connect=mqtt://b/', '--token', 'x'.repeat(32), '--no-sandbox']),
    ).toEqual({ port: 0, host: '::1', config: 'lab.json', connect: ['http://a:5000/', 'mqtt://b/'], token: 'x'.repeat(32), publishWritable: false, hostNames: [] });
  });

  it('shares through a broker with --publish, writable only with --publish-writable', () => {
    expect(parseCliArgs(['--publish', 'mqtt://broker:1884/lab1'])).toMatchObject({ publish: 'mqtt://broker:1884/lab1', publishWritable: false });
    expect(parseCliArgs(['--publish-writable', '--publish=mqtts://broker'])).toMatchObject({ publish: 'mqtts://broker', publishWritable: true });
    expect(() => parseCliArgs(['--publish', 'http://broker'])).toThrow(/mqtt/);
    expect(() => parseCliArgs(['--publish', 'broker'])).toThrow(/mqtt/);
    expect(() => parseCliArgs(['--publish-writable=yes'])).toThrow(/no value/);
  });

  it('refuses bad values with a clear message', () => {
    expect(() => parseCliArgs(['--port', 'abc'])).toThrow(CliError);
    expect(() => parseCliArgs(['--port', '70000'])).toThrow('--port');
    expect(() => parseCliArgs(['--connect', 'not a url'])).toThrow('--connect needs a URL');
    expect(() => parseCliArgs(['--config'])).toThrow('--config needs a value');
    expect(() => parseCliArgs(['--token', 'short'])).toThrow('--token');
    expect(() => parseCliArgs(['--retry-max-sec', '0'])).toThrow('--retry-max-sec must be 0.1–3600');
  });

  it('reads --host-name (repeatable) and refuses what is not a bare host name or address', () => {
    expect(parseCliArgs(['--host', '0.0.0.0', '--host-name', 'Lab-PC.example.org', '--host-name=10.0.0.5', '--host-name', '[fe80::1]']).hostNames).toEqual([
      'lab-pc.example.org',
      '10.0.0.5',
      '[fe80::1]',
    ]);
    for (const bad of ['http://lab-pc', 'lab-pc:5190', 'cafe:5190', ':', '[::1', '::1]', 'lab pc', 'lab-pc/x', '-lab', 'a'.repeat(64)]) expect(() => parseCliArgs(['--host-name', bad]), bad).toThrow('--host-name needs');
  });

  it('reads how often an unacknowledged alarm is announced again, in minutes', () => {
    expect(parseCliArgs(['--alarm-reminder-min', '15']).alarmReminderSec).toBe(900);
    expect(parseCliArgs(['--alarm-reminder-min=0']).alarmReminderSec).toBe(0);
    expect(() => parseCliArgs(['--alarm-reminder-min', '-1'])).toThrow('--alarm-reminder-min must be');
    expect(() => parseCliArgs(['--alarm-reminder-min', 'soon'])).toThrow('--alarm-reminder-min must be');
    expect(() => parseCliArgs(['--alarm-reminder-min', '0.001'])).toThrow('--alarm-reminder-min must be');
  });

  it('reads the longest wait between reconnect attempts, in seconds', () => {
    expect(parseCliArgs(['--retry-max-sec', '30']).retryMaxMs).toBe(30_000);
    expect(parseCliArgs(['--retry-max-sec=0.5']).retryMaxMs).toBe(500);
  });
});

describe('access options', () => {
  it('reads --viewer-only, --viewer-token and --token-file with or without a file', () => {
    expect(parseCliArgs(['--viewer-only', '--viewer-token', 'v'.repeat(20)])).toMatchObject({ viewerOnly: true, viewerToken: 'v'.repeat(20) });
    expect(parseCliArgs(['--token-file'])).toMatchObject({ tokenFile: true });
    expect(parseCliArgs(['--token-file', '--port', '1'])).toMatchObject({ tokenFile: true, port: 1 });
    expect(parseCliArgs(['--token-file', 'tokens.json'])).toMatchObject({ tokenFile: 'tokens.json' });
    expect(parseCliArgs(['--token-file=t.json'])).toMatchObject({ tokenFile: 't.json' });
    expect(() => parseCliArgs(['--viewer-token', 'short'])).toThrow('--viewer-token');
  });

  it('finds the data folder where Electron keeps it', () => {
    expect(userDataDir({ HOME: '/home/op' }, 'linux')).toBe('/home/op/.config/Lab Monitor');
    expect(userDataDir({ HOME: '/home/op', XDG_CONFIG_HOME: '/cfg' }, 'linux')).toBe('/cfg/Lab Monitor');
    expect(userDataDir({ HOME: '/Users/op' }, 'darwin')).toBe('/Users/op/Library/Application Support/Lab Monitor');
    expect(userDataDir({ APPDATA: 'C:\\Users\\op\\AppData\\Roaming' }, 'win32')).toBe('C:\\Users\\op\\AppData\\Roaming\\Lab Monitor');
  });
});

describe('isLoopbackHost', () => {
  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.5', 'example.org']) expect(isLoopbackHost(host), host).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { CliError, defaultDataDir, isLoopbackHost, parseCliArgs } from '../../src/main/cli';

describe('parseCliArgs', () => {
  it('has safe defaults', () => {
    expect(parseCliArgs([])).toEqual({ port: 5190, host: '127.0.0.1', connect: [], publishWritable: false });
  });

  it('reads every option, in both spellings, and repeats --connect', () => {
    expect(
      parseCliArgs(['--port', '0', '--host=::1', '--config', 'lab.json', '--connect', 'http://a:5000/', '--connect=mqtt://b/', '--token', 'x'.repeat(32), '--no-sandbox']),
    ).toEqual({ port: 0, host: '::1', config: 'lab.json', connect: ['http://a:5000/', 'mqtt://b/'], token: 'x'.repeat(32), publishWritable: false });
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
  });
});

describe('isLoopbackHost', () => {
  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.5', 'example.org']) expect(isLoopbackHost(host), host).toBe(false);
  });
});

describe('the data folder', () => {
  it('is --data DIR when given', () => {
    expect(parseCliArgs(['--data', '/srv/lab']).data).toBe('/srv/lab');
    expect(parseCliArgs(['--data=/srv/lab']).data).toBe('/srv/lab');
    expect(() => parseCliArgs(['--data'])).toThrow(CliError);
  });

  it('is otherwise the desktop app\'s user data folder', () => {
    expect(defaultDataDir({}, 'linux', '/home/op')).toBe(join('/home/op', '.config', 'Lab Monitor'));
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/cfg' }, 'linux', '/home/op')).toBe(join('/cfg', 'Lab Monitor'));
    expect(defaultDataDir({}, 'darwin', '/Users/op')).toBe(join('/Users/op', 'Library', 'Application Support', 'Lab Monitor'));
    expect(defaultDataDir({ APPDATA: 'C:/Users/op/AppData/Roaming' }, 'win32', 'C:/Users/op')).toBe(join('C:/Users/op/AppData/Roaming', 'Lab Monitor'));
  });
});

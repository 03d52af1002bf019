import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { allowedHosts, hostAllowed, originAllowed, roleOfToken } from '../../../src/main/ipc/access-token';

describe('access checks', () => {
  it('knows the Host names of a loopback server, and only those', () => {
    const allowed = allowedHosts('127.0.0.1', 5190);
    for (const host of ['127.0.0.1:5190', 'localhost:5190', 'LOCALHOST:5190', '[::1]:5190']) expect(hostAllowed(host, allowed), host).toBe(true);
    for (const host of ['evil.example:5190', '127.0.0.1:5191', '127.0.0.1', undefined, '10.0.0.1:5190']) expect(hostAllowed(host, allowed), String(host)).toBe(false);
  });

  it('accepts every local address when bound to all interfaces, plus names given', () => {
    const allowed = allowedHosts('0.0.0.0', 8080, ['lab-pc.example.org']);
    const local = Object.values(networkInterfaces()).flat().find((address) => address?.family === 'IPv4')?.address ?? '127.0.0.1';
    expect(hostAllowed(`${local}:8080`, allowed)).toBe(true);
    expect(hostAllowed('lab-pc.example.org:8080', allowed)).toBe(true);
    expect(hostAllowed('evil.example:8080', allowed)).toBe(false);
    // Browsers leave port 80 out.
    expect(hostAllowed('localhost', allowedHosts('127.0.0.1', 80))).toBe(true);
  });

  it('takes a WebSocket Origin only from this server; none means not a browser', () => {
    const allowed = allowedHosts('127.0.0.1', 5190);
    expect(originAllowed(undefined, allowed)).toBe(true);
    expect(originAllowed('http://127.0.0.1:5190', allowed)).toBe(true);
    expect(originAllowed('http://127.0.0.1:5191', allowed)).toBe(false);
    expect(originAllowed('null', allowed)).toBe(false);
    expect(originAllowed('file://', allowed)).toBe(false);
    expect(originAllowed('http://evil.example:5190', allowed)).toBe(false);
  });

  it('gives each token its role; without an operator token nobody operates', () => {
    const tokens = { operator: 'o'.repeat(32), viewer: 'v'.repeat(32) };
    expect(roleOfToken('o'.repeat(32), tokens)).toBe('operator');
    expect(roleOfToken('v'.repeat(32), tokens)).toBe('viewer');
    expect(roleOfToken('x'.repeat(32), tokens)).toBeUndefined();
    expect(roleOfToken('', tokens)).toBeUndefined();
    expect(roleOfToken(null, tokens)).toBeUndefined();
    expect(roleOfToken('o'.repeat(32), { viewer: 'v'.repeat(32) })).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { formatBytes, jsonDepthProblem, MAX_JSON_DEPTH, safeStringify } from '../../src/shared/bounded-json';

const nested = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);

describe('bounded JSON', () => {
  it('accepts values up to the depth limit and refuses deeper ones, without recursing', () => {
    expect(jsonDepthProblem({ a: [1, { b: 'c' }] })).toBeUndefined();
    expect(jsonDepthProblem(nested(MAX_JSON_DEPTH))).toBeUndefined();
    expect(jsonDepthProblem(nested(MAX_JSON_DEPTH + 1))).toBe(`nested deeper than ${MAX_JSON_DEPTH} levels`);
    expect(jsonDepthProblem(nested(100_000))).toBe(`nested deeper than ${MAX_JSON_DEPTH} levels`);
    expect(jsonDepthProblem(42)).toBeUndefined();
  });

  it('refuses cycles (they never end)', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(jsonDepthProblem(cyclic)).toMatch(/nested deeper/);
  });

  it('serialises safely: deep, cyclic and unserialisable values say why instead of throwing', () => {
    expect(safeStringify({ a: 1 })).toEqual({ ok: true, text: '{"a":1}' });
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i += 1) deep = [deep];
    expect(safeStringify(deep)).toEqual({ ok: false, reason: 'the value nests too deeply to be sent' });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(safeStringify(cyclic)).toMatchObject({ ok: false, reason: expect.stringMatching(/circular/i) });
    expect(safeStringify({ n: 1n })).toMatchObject({ ok: false });
    expect(safeStringify(undefined)).toEqual({ ok: false, reason: 'the value cannot be written as JSON' });
  });

  it('formats sizes for messages', () => {
    expect(formatBytes(8 * 1024 * 1024)).toBe('8 MiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(12)).toBe('12 bytes');
  });
});

// Every end-to-end spec must take `test` from tests/e2e/fixtures.ts: a spec that imports it from
// @playwright/test gets a plain browser page on the desktop project too, and would run browser
// mode twice instead of the desktop app.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const E2E = join(__dirname, '..', 'e2e');
const specs = readdirSync(E2E).filter((name) => name.endsWith('.spec.ts'));

describe('end-to-end specs', () => {
  it('exist', () => {
    expect(specs.length).toBeGreaterThan(0);
  });

  it.each(specs)('%s takes test and expect from ./fixtures', (name) => {
    const source = readFileSync(join(E2E, name), 'utf8');
    expect(source).toMatch(/import \{[^}]*\btest\b[^}]*\} from '\.\/fixtures';/);
    expect(source).not.toMatch(/from '@playwright\/test'/);
  });
});

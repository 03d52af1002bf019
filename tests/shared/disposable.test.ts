import { describe, expect, it } from 'vitest';
import { AsyncDisposableStore, DisposableStore, once } from '../../src/shared/disposable';

describe('DisposableStore', () => {
  it('disposes in reverse order of adding, once', () => {
    const store = new DisposableStore();
    const order: string[] = [];
    store.add(() => order.push('first'));
    store.add(() => order.push('second'));
    store.add(() => order.push('third'));
    store.dispose();
    store.dispose();
    expect(order).toEqual(['third', 'second', 'first']);
    expect(store.isDisposed).toBe(true);
  });

  it('runs every disposer when some throw, and rethrows the first error at the end', () => {
    const store = new DisposableStore();
    const order: string[] = [];
    store.add(() => order.push('a'));
    store.add(() => {
      order.push('b');
      throw new Error('b failed');
    });
    store.add(() => order.push('c'));
    store.add(() => {
      order.push('d');
      throw new Error('d failed');
    });
    expect(() => store.dispose()).toThrow('d failed');
    expect(order).toEqual(['d', 'c', 'b', 'a']);
  });

  it('runs a disposer added after disposal (or during it) at once', () => {
    const store = new DisposableStore();
    const order: string[] = [];
    store.add(() => {
      order.push('outer');
      store.add(() => order.push('added while disposing'));
    });
    store.dispose();
    store.add(() => order.push('late'));
    expect(order).toEqual(['outer', 'added while disposing', 'late']);
  });

  it('the disposer add returns runs it early, once, and the store forgets it', () => {
    const store = new DisposableStore();
    let runs = 0;
    const release = store.add(() => runs++);
    release();
    release();
    store.dispose();
    expect(runs).toBe(1);
  });

  it('once() makes a disposer idempotent', () => {
    let runs = 0;
    const dispose = once(() => runs++);
    dispose();
    dispose();
    expect(runs).toBe(1);
  });
});

describe('AsyncDisposableStore', () => {
  it('disposes in reverse order, waiting for each before the next', async () => {
    const store = new AsyncDisposableStore(() => undefined);
    const order: string[] = [];
    store.add(() => void order.push('first'));
    store.add(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push('second (slow)');
    });
    store.add(() => void order.push('third'));
    await store.dispose();
    expect(order).toEqual(['third', 'second (slow)', 'first']);
  });

  it('isolates throwing and rejecting disposers, rethrowing the first failure after all ran', async () => {
    const store = new AsyncDisposableStore(() => undefined);
    const order: string[] = [];
    store.add(() => void order.push('a'));
    store.add(async () => {
      order.push('b');
      throw new Error('b rejected');
    });
    store.add(() => {
      order.push('c');
      throw new Error('c threw');
    });
    store.add(() => void order.push('d'));
    await expect(store.dispose()).rejects.toThrow('c threw');
    expect(order).toEqual(['d', 'c', 'b', 'a']);
  });

  it('dispose twice returns the same teardown', async () => {
    const store = new AsyncDisposableStore(() => undefined);
    let runs = 0;
    store.add(async () => {
      runs++;
    });
    const first = store.dispose();
    const second = store.dispose();
    expect(second).toBe(first);
    await first;
    await store.dispose();
    expect(runs).toBe(1);
    expect(store.isDisposed).toBe(true);
  });

  it('runs what is added during or after disposal at once; its failure goes to onLateError', async () => {
    const late: unknown[] = [];
    const store = new AsyncDisposableStore((error) => late.push(error));
    const order: string[] = [];
    store.add(() => {
      order.push('outer');
      store.add(() => void order.push('added while disposing'));
    });
    await store.dispose();
    store.add(async () => {
      order.push('late');
      throw new Error('late failed');
    });
    store.add(() => {
      throw new Error('late threw');
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(order).toEqual(['outer', 'added while disposing', 'late']);
    expect(late.map((error) => (error as Error).message)).toEqual(['late threw', 'late failed']);
  });

  it('the function add returns runs that disposer early, once', async () => {
    const store = new AsyncDisposableStore(() => undefined);
    let runs = 0;
    const release = store.add(async () => {
      runs++;
    });
    await release();
    await release();
    await store.dispose();
    expect(runs).toBe(1);
  });
});

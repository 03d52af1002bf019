/** Every subscribe returns one of these; calling it twice is harmless. */
export type Disposer = () => void;

/**
 * One store of disposables per owner (window, driver, React effect): tear down in one call.
 * A disposer that throws does not stop the others; the first error is rethrown at the end.
 */
export class DisposableStore {
  private readonly disposers = new Set<Disposer>();
  private disposed = false;

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Adds a disposer; if the store is already disposed, runs it at once. */
  add(disposer: Disposer): Disposer {
    if (this.disposed) {
      disposer();
      return disposer;
    }
    this.disposers.add(disposer);
    return () => {
      if (this.disposers.delete(disposer)) disposer();
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    let first: unknown;
    for (const disposer of [...this.disposers].reverse()) {
      try {
        disposer();
      } catch (error) {
        first ??= error;
      }
    }
    this.disposers.clear();
    if (first !== undefined) throw first;
  }
}

/** Wraps a disposer so it runs at most once. */
export function once(disposer: Disposer): Disposer {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    disposer();
  };
}

/** A disposer whose work may end later (a socket closing, a driver stopping). */
export type AsyncDisposer = () => void | PromiseLike<unknown>;

/**
 * A DisposableStore for owners whose teardown waits (sockets, drivers): `dispose()` runs the
 * disposers one after another in reverse order of adding, waiting for each; one that throws
 * or rejects does not stop the others, and the first error is rethrown at the end. Calling
 * `dispose()` again returns the same promise. A disposer added after disposal runs at once;
 * its failure goes to `onLateError`, as nobody waits for it.
 */
export class AsyncDisposableStore {
  private readonly disposers = new Set<AsyncDisposer>();
  private disposed = false;
  private disposing: Promise<void> | undefined;

  constructor(private readonly onLateError: (error: unknown) => void) {}

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Adds a disposer; returns the function that runs it early (and forgets it). */
  add(disposer: AsyncDisposer): () => Promise<void> {
    if (this.disposed) {
      this.runLate(disposer);
      return () => Promise.resolve();
    }
    this.disposers.add(disposer);
    return async () => {
      if (this.disposers.delete(disposer)) await disposer();
    };
  }

  dispose(): Promise<void> {
    if (this.disposing === undefined) {
      this.disposed = true; // before the first disposer runs: what it adds runs at once
      this.disposing = this.disposeAll();
    }
    return this.disposing;
  }

  private async disposeAll(): Promise<void> {
    const disposers = [...this.disposers].reverse();
    this.disposers.clear();
    let failed = false;
    let first: unknown;
    for (const disposer of disposers) {
      try {
        await disposer();
      } catch (error) {
        if (!failed) first = error;
        failed = true;
      }
    }
    if (failed) throw first;
  }

  private runLate(disposer: AsyncDisposer): void {
    try {
      const result = disposer();
      if (result !== undefined) Promise.resolve(result).catch(this.onLateError);
    } catch (error) {
      this.onLateError(error);
    }
  }
}

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

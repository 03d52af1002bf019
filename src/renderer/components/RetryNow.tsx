import { useEffect, useRef, useState } from 'react';
import { useLabContext } from '../ui/lab-context';

/** "next attempt in 4 s" for a due time (ISO), rewritten by the shared ticker, not by re-rendering. */
export function NextAttempt({ at, testId }: { at: string | undefined; testId: string }) {
  const { ticker } = useLabContext();
  const ref = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    const due = at === undefined ? Number.NaN : Date.parse(at);
    const update = () => {
      if (!ref.current) return;
      if (Number.isNaN(due)) ref.current.textContent = '';
      else {
        const seconds = Math.ceil((due - Date.now()) / 1000);
        ref.current.textContent = seconds > 0 ? `Next attempt in ${seconds} s.` : 'Trying again now…';
      }
    };
    update();
    return ticker.subscribe(update);
  }, [at, ticker]);
  return <span ref={ref} className="next-attempt" data-testid={testId} />;
}

/**
 * Retry now: a disconnected Thing (or instrument) tries at once instead of at its next
 * attempt. Says so when there was nothing to retry.
 */
export function RetryNow({ target, testId }: { target: { thing: string } | { id: string }; testId: string }) {
  const { client } = useLabContext();
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const retry = async () => {
    setBusy(true);
    setNote(null);
    const result = await client.call('lab:instruments:retry', target);
    setBusy(false);
    if (!result.ok) setNote(result.error.message);
    else if (!result.value.retried) setNote('not waiting for an attempt');
  };
  return (
    <>
      <button type="button" className="small" data-testid={testId} disabled={busy} onClick={() => void retry()}>
        Retry now
      </button>
      {note !== null && <span className="muted retry-note">{note}</span>}
    </>
  );
}

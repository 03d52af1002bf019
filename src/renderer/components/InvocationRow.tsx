import { useEffect, useRef, useState } from 'react';
import { TERMINAL_STATUSES } from '../../shared/model';
import { formatIsoClock } from '../ui/format';
import { useLab, useLabContext } from '../ui/lab-context';

const stringify = (value: unknown): string => {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 1);
  return text.length > 400 ? `${text.slice(0, 397)}…` : text;
};

/** A run's inputs in one line: "target = 30, ratePerMin = 120"; '' for none. */
export function describeInputs(input: unknown): string {
  if (input === undefined || input === null) return '';
  if (typeof input !== 'object' || Array.isArray(input)) return stringify(input);
  const entries = Object.entries(input);
  if (entries.length === 0) return '';
  const text = entries.map(([key, value]) => `${key} = ${typeof value === 'string' ? value : JSON.stringify(value)}`).join(', ');
  return text.length > 200 ? `${text.slice(0, 197)}…` : text;
}

export function InvocationRow({ id, thing }: { id: string; thing: string }) {
  const { client, store } = useLabContext();
  const status = useLab((state) => state.invocations[id]?.status ?? 'pending');
  const progress = useLab((state) => state.invocations[id]?.progress ?? null);
  const requested = useLab((state) => state.invocations[id]?.timeRequested ?? null);
  const output = useLab((state) => stringify(state.invocations[id]?.output));
  const inputs = useLab((state) => describeInputs(state.invocations[id]?.input));
  const errorText = useLab((state) => {
    const error = state.invocations[id]?.error;
    return error ? `${error.title}${error.detail ? `: ${error.detail}` : ''}` : '';
  });
  const log = useLab((state) => state.invocations[id]?.log);
  const [cancelError, setCancelError] = useState<string | null>(null);
  const [cancelling, setCancelling] = useState(false);
  const canOperate = useLab((state) => state.role === 'operator');
  const logRef = useRef<HTMLOListElement>(null);
  const active = !TERMINAL_STATUSES.includes(status);
  // A bar without a value is indeterminate and animates: only a run still going may do that.
  // A finished one stands still where it stopped (full when completed).
  const barValue = active ? (progress ?? undefined) : status === 'completed' ? 100 : (progress ?? 0);

  // Newest last: follow the end unless the operator scrolled up to read.
  useEffect(() => {
    const element = logRef.current;
    if (!element) return;
    const nearEnd = element.scrollHeight - element.scrollTop - element.clientHeight < 40;
    if (nearEnd || element.dataset['followed'] !== 'yes') {
      element.scrollTop = element.scrollHeight;
      element.dataset['followed'] = 'yes';
    }
  }, [log]);

  const cancel = async () => {
    setCancelling(true);
    const result = await client.cancel(thing, id);
    setCancelling(false);
    if (result.ok) store.getState().putInvocations([result.value]);
    else setCancelError(result.error.message);
  };

  return (
    <li className={`invocation status-${status}`} data-testid={`invocation-${id}`} data-status={status}>
      <div className="invocation-head">
        <span className={`badge badge-${status}`} data-testid={`status-${id}`}>
          {status}
        </span>
        <span className="muted">{formatIsoClock(requested)}</span>
        <progress max={100} value={barValue} data-testid={`progress-${id}`} aria-label="progress" />
        <span className="progress-text">{progress !== null ? `${Math.round(progress)} %` : ''}</span>
        {active && canOperate && (
          <button type="button" className="danger small" data-testid={`cancel-${id}`} disabled={cancelling} onClick={() => void cancel()}>
            Cancel
          </button>
        )}
      </div>
      {inputs !== '' && (
        <div className="inputs muted" data-testid={`inputs-${id}`}>
          Inputs: {inputs}
        </div>
      )}
      {log && log.length > 0 && (
        <ol className="log" ref={logRef} data-testid={`log-${id}`}>
          {log.map((record, index) => (
            <li key={index} className={`log-${record.level}`}>
              <span className="muted">{formatIsoClock(record.time)}</span> {record.message}
            </li>
          ))}
        </ol>
      )}
      {status === 'completed' && output !== '' && (
        <pre className="output" data-testid={`output-${id}`}>
          {output}
        </pre>
      )}
      {errorText !== '' && (
        <div className="field-error" data-testid={`error-${id}`}>
          {errorText}
        </div>
      )}
      {cancelError !== null && active && <div className="field-error">{cancelError}</div>}
    </li>
  );
}

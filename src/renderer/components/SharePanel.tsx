import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { PublisherStatus } from '../../shared/contract';
import { useLabContext } from '../ui/lab-context';

const REFRESH_MS = 2000;

/**
 * Share this Lab Monitor's Things through an MQTT broker (the same as `--publish URL` and
 * `--publish-writable`): other Lab Monitors, node-wot or any MQTT client can then watch them.
 */
export function SharePanel({ onClose }: { onClose: () => void }) {
  const { client } = useLabContext();
  const [status, setStatus] = useState<PublisherStatus | null>(null);
  const [url, setUrl] = useState('');
  const [writable, setWritable] = useState(false);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The form starts from what is in force, until the operator edits it.
  const edited = useRef(false);
  const setEdited = (value: boolean): void => {
    edited.current = value;
  };

  const refresh = useCallback(async () => {
    const result = await client.call('lab:publisher:status', {});
    if (!result.ok) {
      setError(`${result.error.code}: ${result.error.message}`);
      return;
    }
    setStatus(result.value);
    if (!edited.current) {
      setUrl(result.value.url ?? '');
      setWritable(result.value.writable);
    }
  }, [client]);

  // Polled while open (the state of the broker connection changes on its own).
  useEffect(() => {
    const first = setTimeout(() => void refresh(), 0);
    const timer = setInterval(() => void refresh(), REFRESH_MS);
    return () => {
      clearTimeout(first);
      clearInterval(timer);
    };
  }, [refresh]);

  const apply = async (next: string | null) => {
    setBusy(true);
    setError(null);
    const credentials = username !== '' ? { scheme: 'basic' as const, username, password } : undefined;
    const result = await client.call('lab:publisher:configure', { url: next, writable, ...(credentials ? { credentials } : {}) });
    setBusy(false);
    if (!result.ok) {
      setError(`${result.error.code}: ${result.error.message}`);
      return;
    }
    setPassword('');
    setEdited(false);
    setStatus(result.value);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = url.trim();
    if (!/^mqtts?:\/\//.test(trimmed) || !URL.canParse(trimmed)) {
      setError('Enter a broker URL, e.g. mqtt://broker.lab:1883/lab1');
      return;
    }
    void apply(trimmed);
  };

  const connection = status?.connection;
  return (
    <div className="popover" role="dialog" aria-label="Share through a broker" data-testid="share-panel">
      <div className="popover-head">
        <h2>Share through an MQTT broker</h2>
        <button type="button" className="link" onClick={onClose} data-testid="share-close">
          Close
        </button>
      </div>
      <p className="muted">
        Publishes every simulated and remote Thing as a W3C WoT Thing: a retained Thing Description, retained last values, and a
        Last Will that marks them disconnected when this Lab Monitor goes away.
      </p>
      <form noValidate onSubmit={submit} className="instrument-form">
        <label className="field">
          <span className="field-label">Broker</span>
          <input
            type="url"
            placeholder="mqtt://broker:1883/lab1"
            value={url}
            onChange={(event) => {
              setEdited(true);
              setUrl(event.target.value);
            }}
            data-testid="share-url"
          />
        </label>
        <label className="field checkbox">
          <input
            type="checkbox"
            checked={writable}
            onChange={(event) => {
              setEdited(true);
              setWritable(event.target.checked);
            }}
            data-testid="share-writable"
          />
          <span>Let peers on the broker write properties and run actions</span>
        </label>
        <label className="field">
          <span className="field-label">User</span>
          <input autoComplete="off" placeholder="(if the broker needs one)" value={username} onChange={(event) => setUsername(event.target.value)} data-testid="share-username" />
        </label>
        {username !== '' && (
          <label className="field">
            <span className="field-label">Password</span>
            <input type="password" autoComplete="off" value={password} onChange={(event) => setPassword(event.target.value)} data-testid="share-password" />
          </label>
        )}
        <div className="row-buttons">
          <button type="submit" className="primary" disabled={busy} data-testid="share-submit">
            {busy ? 'Applying…' : 'Publish'}
          </button>
          {status?.url && (
            <button type="button" disabled={busy} onClick={() => void apply(null)} data-testid="share-stop">
              Stop sharing
            </button>
          )}
        </div>
        {error !== null && (
          <p className="field-error" role="alert" data-testid="share-error">
            {error}
          </p>
        )}
      </form>
      {status && (
        <p data-testid="share-status" data-status={connection?.status ?? 'disconnected'}>
          <span className={`dot dot-${connection?.status ?? 'disconnected'}`} role="img" aria-label={connection?.status ?? 'disconnected'} />{' '}
          {status.url === null
            ? 'Not sharing.'
            : `${connection?.status ?? ''}${connection?.reason ? ` — ${connection.reason}` : ''}: ${status.things.length} Thing(s) under ${status.prefix ?? ''}/` +
              `${status.writable ? ', writable' : ', read-only'}${status.protocolVersion === 4 ? ' (MQTT 3.1.1: writes get no replies)' : ''}` +
              `${status.source === 'command-line' ? ' (from the command line, for this run)' : ''}.`}
        </p>
      )}
    </div>
  );
}

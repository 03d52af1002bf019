import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { Credentials } from '../../shared/contract';
import { NextAttempt, RetryNow } from './RetryNow';
import { useLab, useLabContext } from '../ui/lab-context';

type Scheme = Credentials['scheme'];

const REFRESH_MS = 2000;

function credentialsOf(scheme: Scheme, username: string, password: string, token: string): Credentials | undefined {
  if (scheme === 'basic') return { scheme, username, password };
  if (scheme === 'bearer') return { scheme, token };
  return undefined;
}

/** Add a remote instrument by URL (with optional credentials) and list/remove the added ones. */
export function InstrumentsPanel({ onClose }: { onClose: () => void }) {
  const { client, store } = useLabContext();
  const instruments = useLab((state) => state.instruments);
  const [url, setUrl] = useState('');
  const [scheme, setScheme] = useState<Scheme>('nosec');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const refresh = useCallback(async () => {
    const listed = await client.listInstruments();
    if (listed.ok) store.getState().setInstruments(listed.value);
  }, [client, store]);

  // While the panel is open, connection states of the added instruments stay current.
  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = url.trim();
    if (!URL.canParse(trimmed)) {
      setError('Enter a full URL, e.g. http://192.168.1.20:5000/');
      return;
    }
    setBusy(true);
    setError(null);
    setNotice(null);
    const result = await client.addInstrument(trimmed, credentialsOf(scheme, username, password, token));
    setBusy(false);
    if (!result.ok) {
      setError(`${result.error.code}: ${result.error.message}`);
      return;
    }
    setUrl('');
    setPassword('');
    setToken('');
    const { status, reason } = result.value.connection;
    // Kept and retried, but an operator who mistyped the address must see it now.
    if (status !== 'connected') setNotice(`Added, but not reachable yet${reason ? `: ${reason}` : ''}. Lab Monitor keeps trying.`);
    await refresh();
  };

  const remove = async (id: string) => {
    const result = await client.removeInstrument(id);
    if (result.ok) {
      setError(null);
      setNotice(null);
    } else {
      setError(`${result.error.code}: ${result.error.message}`);
    }
    await refresh();
  };

  return (
    <div className="popover" role="dialog" aria-label="Instruments" data-testid="instruments-panel">
      <div className="popover-head">
        <h2>Remote instruments</h2>
        <button type="button" className="link" onClick={onClose} data-testid="instruments-close">
          Close
        </button>
      </div>
      <form noValidate onSubmit={(event) => void add(event)} className="instrument-form">
        <label className="field">
          <span className="field-label">URL</span>
          <input type="url" required placeholder="http://host:5000/" value={url} onChange={(event) => setUrl(event.target.value)} data-testid="instrument-url" />
        </label>
        <label className="field">
          <span className="field-label">Security</span>
          <select value={scheme} onChange={(event) => setScheme(event.target.value === 'basic' ? 'basic' : event.target.value === 'bearer' ? 'bearer' : 'nosec')} data-testid="instrument-scheme">
            <option value="nosec">none</option>
            <option value="basic">basic (user + password)</option>
            <option value="bearer">bearer token</option>
          </select>
        </label>
        {scheme === 'basic' && (
          <>
            <label className="field">
              <span className="field-label">User</span>
              <input autoComplete="off" value={username} onChange={(event) => setUsername(event.target.value)} data-testid="instrument-username" />
            </label>
            <label className="field">
              <span className="field-label">Password</span>
              <input type="password" autoComplete="off" value={password} onChange={(event) => setPassword(event.target.value)} data-testid="instrument-password" />
            </label>
          </>
        )}
        {scheme === 'bearer' && (
          <label className="field">
            <span className="field-label">Token</span>
            <input type="password" autoComplete="off" value={token} onChange={(event) => setToken(event.target.value)} data-testid="instrument-token" />
          </label>
        )}
        <button type="submit" className="primary" disabled={busy} data-testid="instrument-submit">
          {busy ? 'Adding…' : 'Add'}
        </button>
        {error !== null && (
          <p className="field-error" role="alert" data-testid="instrument-error">
            {error}
          </p>
        )}
        {notice !== null && (
          <p className="field-notice" role="status" data-testid="instrument-notice">
            {notice}
          </p>
        )}
      </form>
      <ul className="instrument-list" data-testid="instrument-list">
        {instruments.length === 0 && <li className="muted">No remote instruments added.</li>}
        {instruments.map((instrument) => (
          <li key={instrument.id} data-testid={`instrument-${instrument.id}`} data-status={instrument.connection.status}>
            <span className={`dot dot-${instrument.connection.status}`} role="img" aria-label={instrument.connection.status} />
            <span className="instrument-url" title={instrument.connection.reason ?? instrument.connection.status}>
              {instrument.url}
              <span className="muted"> · {instrument.kind} · {instrument.things.length > 0 ? instrument.things.join(', ') : instrument.connection.status}</span>
              {instrument.connection.status !== 'connected' && instrument.connection.reason && (
                <span className="instrument-reason">{instrument.connection.reason}</span>
              )}
              {instrument.connection.status === 'disconnected' && (
                <span className="instrument-retry">
                  <NextAttempt at={instrument.connection.nextAttempt} testId={`instrument-next-attempt-${instrument.id}`} />{' '}
                  <RetryNow target={{ id: instrument.id }} testId={`retry-instrument-${instrument.id}`} />
                </span>
              )}
            </span>
            <button type="button" className="danger small" onClick={() => void remove(instrument.id)} data-testid={`remove-instrument-${instrument.id}`}>
              Remove
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

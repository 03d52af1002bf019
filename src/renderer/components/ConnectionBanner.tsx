import { useLab } from '../ui/lab-context';

/** Shown while the link to the host is down; values on screen are the last received. */
export function ConnectionBanner() {
  const status = useLab((state) => state.link.status);
  const reason = useLab((state) => state.link.reason ?? '');
  const attempt = useLab((state) => state.link.attempt);
  if (status === 'refused') {
    return (
      <div className="banner banner-error global-banner" role="alert" data-testid="connection-banner" data-reason="refused">
        Lab Monitor refused this page’s access token: it was probably restarted, and made a new one. Open the new URL it printed when it
        started (<span className="refused-url">{window.location.origin}/?token=…</span>) — or ask whoever runs it.
      </div>
    );
  }
  if (status !== 'reconnecting') return null;
  return (
    <div className="banner banner-error global-banner" role="alert" data-testid="connection-banner">
      Connection to Lab Monitor lost — reconnecting…
      <span className="muted">
        {' '}
        ({reason}
        {attempt > 1 ? `, attempt ${attempt}` : ''})
      </span>
    </div>
  );
}

import { useEffect, useRef, useState } from 'react';
import { useLab } from '../ui/lab-context';
import { modLabel } from '../ui/shortcuts';
import { THEME_CHOICES, type ThemeChoice } from '../ui/theme';
import { InstrumentsPanel } from './InstrumentsPanel';
import { RecorderBadge } from './RecorderBadge';
import { AlarmAlertControls, Annunciator } from './Annunciator';
import { SharePanel } from './SharePanel';

export interface HeaderProps {
  theme?: ThemeChoice;
  onTheme?(theme: ThemeChoice): void;
  onPalette?(): void;
  onHelp?(): void;
}

export function Header({ theme, onTheme, onPalette, onHelp }: HeaderProps = {}) {
  const host = useLab((state) => state.link.host);
  const status = useLab((state) => state.link.status);
  // Conflated property updates are by design; only real losses are flagged.
  const lost = useLab((state) => state.stats.dropped + state.stats.skipped + state.stats.missedBatches);
  const problems = useLab((state) => state.problemCount);
  const wrongThings = useLab((state) => Object.keys(state.problems).join(', '));
  const setView = useLab((state) => state.setView);
  const [open, setOpen] = useState(false);
  const role = useLab((state) => state.role);
  const [sharing, setSharing] = useState(false);
  const statusText =
    status === 'connected' ? 'connected' : status === 'connecting' ? 'connecting…' : status === 'refused' ? 'access refused' : 'reconnecting…';
  return (
    <header className="app-header">
      <div className="header-status">
        <span className="app-name">Lab Monitor</span>
        <span className="host" data-testid="link-status" data-status={status} title={`via ${host === 'electron' ? 'desktop IPC' : 'WebSocket'}`}>
          <span className={`dot dot-${status === 'connected' ? 'connected' : status === 'connecting' ? 'connecting' : 'disconnected'}`} aria-hidden="true" />
          {statusText} · {host === 'electron' ? 'desktop' : window.location.host}
        </span>
        {lost > 0 && (
          <span className="tag warn-tag" data-testid="live-drops" title="Live messages lost on the way: dropped in main, missing batches or missing action transitions">
            {lost} live {lost === 1 ? 'message' : 'messages'} lost
          </span>
        )}
        <button
          type="button"
          className={problems > 0 ? 'problem-count has-problems' : 'problem-count'}
          data-testid="problem-count"
          data-count={problems}
          title={problems > 0 ? `Something is wrong on: ${wrongThings}. Show the overview.` : 'Nothing wrong on any Thing'}
          onClick={() => setView('overview')}
        >
          {problems > 0 ? `${problems} ${problems === 1 ? 'problem' : 'problems'}` : 'no problems'}
        </button>
        <RecorderBadge />
        {role === 'viewer' && (
          <span className="tag" data-testid="view-only" title="This address only watches: writing, running and adding instruments need the operator's address">
            view only
          </span>
        )}
        <Annunciator controls={false} />
      </div>
      <div className="header-actions">
        {onPalette && (
          <button type="button" data-testid="open-palette" aria-label="Command palette" title={`Command palette (${modLabel()} K)`} onClick={onPalette}>
            <span className="find-label">Find… </span>
            <kbd>{modLabel()} K</kbd>
          </button>
        )}
        {role === 'operator' && (
          <>
            <button
              type="button"
              data-testid="add-instrument"
              aria-expanded={open}
              onClick={() => {
                setOpen(!open);
                setSharing(false);
              }}
            >
              Add instrument
            </button>
            <button
              type="button"
              data-testid="share"
              aria-expanded={sharing}
              onClick={() => {
                setSharing(!sharing);
                setOpen(false);
              }}
            >
              Share
            </button>
          </>
        )}
        <HeaderMenu theme={theme} onTheme={onTheme} onHelp={onHelp} />
      </div>
      {role === 'operator' && open && <InstrumentsPanel onClose={() => setOpen(false)} />}
      {role === 'operator' && sharing && <SharePanel onClose={() => setSharing(false)} />}
    </header>
  );
}

/** What the header keeps out of its row: the theme, alarm sound and notifications, the shortcuts. */
function HeaderMenu({ theme, onTheme, onHelp }: Pick<HeaderProps, 'theme' | 'onTheme' | 'onHelp'>) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const away = (event: MouseEvent): void => {
      if (root.current && !root.current.contains(event.target as Node)) setOpen(false);
    };
    const escape = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') setOpen(false);
    };
    document.addEventListener('mousedown', away);
    document.addEventListener('keydown', escape);
    return () => {
      document.removeEventListener('mousedown', away);
      document.removeEventListener('keydown', escape);
    };
  }, [open]);
  return (
    <div className="header-menu-wrap" ref={root}>
      <button type="button" data-testid="header-menu" aria-haspopup="true" aria-expanded={open} aria-label="More: theme, alarm sound, shortcuts" title="Theme, alarm sound and notifications, keyboard shortcuts" onClick={() => setOpen(!open)}>
        ⋯
      </button>
      {open && (
        <div className="header-menu" data-testid="header-menu-panel" role="group" aria-label="More">
          {theme && onTheme && (
            <label className="theme-switch">
              Theme
              <select data-testid="theme" value={theme} onChange={(event) => onTheme(event.target.value as ThemeChoice)}>
                {THEME_CHOICES.map((choice) => (
                  <option key={choice} value={choice}>
                    {choice === 'system' ? 'System' : choice === 'light' ? 'Light' : 'Dark'}
                  </option>
                ))}
              </select>
            </label>
          )}
          <div className="header-menu-row">
            <span className="muted">New alarms</span>
            <AlarmAlertControls />
          </div>
          {onHelp && (
            <button
              type="button"
              data-testid="open-help"
              title="Keyboard shortcuts (?)"
              onClick={() => {
                setOpen(false);
                onHelp();
              }}
            >
              Keyboard shortcuts <kbd>?</kbd>
            </button>
          )}
        </div>
      )}
    </div>
  );
}

import { useLab } from '../ui/lab-context';

const megabytes = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;

/** The recorder's state in the header: a quiet "recording", a warning when it is paused. */
export function RecorderBadge() {
  const state = useLab((s) => s.recorder?.state ?? null);
  const reason = useLab((s) => s.recorder?.reason ?? '');
  const bytes = useLab((s) => s.recorder?.bytes ?? 0);
  const since = useLab((s) => s.recorder?.since ?? null);
  const dropped = useLab((s) => s.recorder?.details?.dropped ?? 0);
  if (state === null) return null;
  if (state === 'recording') {
    const title = `Recording every value, action, write and connection change${since ? ` since ${new Date(since).toLocaleString()}` : ''} (${megabytes(bytes)} on disk)`;
    return (
      <span className="tag recorder-tag" data-testid="recorder-status" data-state={state} title={title}>
        <span className="rec-dot" aria-hidden="true" />
        recording{dropped > 0 ? ` · ${dropped} lost` : ''}
      </span>
    );
  }
  return (
    <span className={`tag ${state === 'paused' ? 'warn-tag' : 'muted-tag'}`} data-testid="recorder-status" data-state={state} title={reason}>
      {state === 'paused' ? `Recording paused: ${reason}` : 'not recording'}
    </span>
  );
}

import type { LiveBatch, LiveItem } from '../../src/shared/contract';
import type { Invocation } from '../../src/shared/model';

export const item = (over: Partial<LiveItem> & Pick<LiveItem, 'thing' | 'affordance' | 'seq'>): LiveItem => ({
  messageType: 'property',
  payload: 0,
  time: 1_000,
  ...over,
});

export const batch = (seq: number, items: LiveItem[], extra: Partial<LiveBatch> = {}): LiveBatch => ({
  seq,
  items,
  conflated: 0,
  dropped: 0,
  ...extra,
});

export const invocation = (over: Partial<Invocation> = {}): Invocation => ({
  id: 'inv-1',
  thing: 'thermo',
  action: 'rampTo',
  status: 'running',
  progress: 10,
  timeRequested: '2025-01-01T10:00:00.000Z',
  timeStarted: '2025-01-01T10:00:00.100Z',
  timeCompleted: null,
  input: { target: 50, ratePerMin: 10 },
  output: null,
  log: [],
  error: null,
  ...over,
});

export const record = (n: number) => ({ time: `2025-01-01T10:00:0${n}.000Z`, level: 'info' as const, message: `step ${n}` });

/** The `action` live item for an invocation: its fields without the log, plus new records. */
export const actionItem = (seq: number, inv: Invocation, newLog: ReturnType<typeof record>[]): LiveItem => {
  const { log: _log, ...withoutLog } = inv;
  return item({ thing: inv.thing, affordance: inv.action, seq, messageType: 'action', payload: { invocation: withoutLog, newLog } });
};

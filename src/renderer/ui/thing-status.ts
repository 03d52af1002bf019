import type { ConnectionStatus } from '../../shared/model';
import { useLab } from './lab-context';

/** What the window can say about a Thing: its own state, or `unknown` while the link to Lab Monitor is down. */
export type ThingStatus = ConnectionStatus | 'unknown';

const LINK_DOWN_REASON = 'no connection to Lab Monitor';

/**
 * A Thing's connection as the operator should see it. While this window's link to Lab Monitor
 * is down nothing about the instrument is known, so it must not look connected (and Set and
 * Run must not look usable).
 */
export function useThingStatus(thing: string): { status: ThingStatus; reason: string } {
  const linkUp = useLab((state) => state.link.status === 'connected');
  const status = useLab((state) => state.things.find((each) => each.name === thing)?.connection.status ?? 'disconnected');
  const reason = useLab((state) => state.things.find((each) => each.name === thing)?.connection.reason ?? '');
  return linkUp ? { status, reason } : { status: 'unknown', reason: LINK_DOWN_REASON };
}

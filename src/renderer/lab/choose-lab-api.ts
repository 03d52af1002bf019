import type { LabApi } from '../../shared/contract';
import { createWsLabApi, wsUrlFromLocation, type AccessCheck, type WsLabApi, type WsLinkState } from './ws-lab-api';

/**
 * Asks the server for this page with its token: 401 means the token is refused (the server
 * restarted and made a new one); anything else, or no answer, is some other failure.
 */
export async function checkPageAccess(location: Pick<Location, 'origin' | 'pathname' | 'search'>): Promise<AccessCheck> {
  try {
    const response = await fetch(`${location.origin}${location.pathname}${location.search}`, { method: 'HEAD', cache: 'no-store', credentials: 'same-origin' });
    return response.status === 401 ? 'refused' : 'other';
  } catch {
    return 'other';
  }
}

/** The preload's object is checked for shape, not trusted by cast. */
export function isLabApi(value: unknown): value is LabApi {
  if (typeof value !== 'object' || value === null) return false;
  const call: unknown = Reflect.get(value, 'call');
  const onLiveBatch: unknown = Reflect.get(value, 'onLiveBatch');
  const host: unknown = Reflect.get(value, 'host');
  return typeof call === 'function' && typeof onLiveBatch === 'function' && (host === 'electron' || host === 'browser');
}

/**
 * `window.lab` in the desktop app (the preload exposes it); otherwise the same LabApi over the
 * browser-mode WebSocket. One bundle serves both.
 */
export function chooseLabApi(onState: (state: WsLinkState) => void): { api: LabApi; ws: WsLabApi | undefined } {
  const exposed: unknown = Reflect.get(window, 'lab');
  if (isLabApi(exposed)) return { api: exposed, ws: undefined };
  const ws = createWsLabApi({ url: wsUrlFromLocation(window.location), onState, checkAccess: () => checkPageAccess(window.location) });
  return { api: ws, ws };
}

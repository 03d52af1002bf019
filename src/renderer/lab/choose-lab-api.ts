import { ACCESS_HEADER, ACCESS_PATH, TOKEN_PARAM, type LabApi } from '../../shared/contract';
import { createWsLabApi, wsUrlFromLocation, type AccessCheck, type WsLabApi, type WsLinkState } from './ws-lab-api';

/**
 * Asks the server whether this tab's token still holds: 401 means it is refused (the server
 * restarted and made new ones); anything else, or no answer, is some other failure.
 */
export async function checkAccess(origin: string, token: string): Promise<AccessCheck> {
  try {
    const response = await fetch(`${origin}${ACCESS_PATH}`, { cache: 'no-store', credentials: 'omit', headers: { [ACCESS_HEADER]: token } });
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

const TOKEN_KEY = 'lab-monitor-token';

/**
 * The browser-mode access token: taken from the page's URL (`?token=`) once, kept in session
 * storage (which, unlike a cookie, no other port of this host can read), and removed from the
 * address bar so it does not linger in history, screenshots or shoulder-surfing. A reload of the
 * tab finds it in session storage.
 */
export function takeAccessToken(
  location: Pick<Location, 'search' | 'pathname' | 'hash'>,
  history: Pick<History, 'replaceState' | 'state'>,
  storage: Pick<Storage, 'getItem' | 'setItem'> | undefined,
): string {
  const params = new URLSearchParams(location.search);
  const given = params.get(TOKEN_PARAM);
  if (given) {
    try {
      storage?.setItem(TOKEN_KEY, given);
      params.delete(TOKEN_PARAM);
      const search = params.toString();
      history.replaceState(history.state, '', `${location.pathname}${search ? `?${search}` : ''}${location.hash}`);
    } catch {
      // No storage (a locked-down browser): the token stays in the address bar.
    }
    return given;
  }
  try {
    return storage?.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

const sessionStore = (): Storage | undefined => {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
};

/**
 * `window.lab` in the desktop app (the preload exposes it); otherwise the same LabApi over the
 * browser-mode WebSocket. One bundle serves both.
 */
export function chooseLabApi(onState: (state: WsLinkState) => void): { api: LabApi; ws: WsLabApi | undefined } {
  const exposed: unknown = Reflect.get(window, 'lab');
  if (isLabApi(exposed)) return { api: exposed, ws: undefined };
  const token = takeAccessToken(window.location, window.history, sessionStore());
  const ws = createWsLabApi({ url: wsUrlFromLocation(window.location, token), onState, checkAccess: () => checkAccess(window.location.origin, token) });
  return { api: ws, ws };
}

import { pathToFileURL } from 'node:url';
import type { BrowserWindowConstructorOptions } from 'electron';

/**
 * The Electron security policy as plain functions over small interfaces, so it is tested in
 * Node: which URLs are the app's own, the CSP, the window's web preferences, and the
 * handlers that block navigation, new windows and permission requests.
 */

export interface AppLocation {
  /** The dev server URL (ELECTRON_RENDERER_URL) in development. */
  devServerUrl?: string;
  /** The built renderer's index.html, in production. */
  rendererFile: string;
}

/** Predicate for "this URL is one of the app's own pages". */
export function createAppUrlCheck(location: AppLocation): (url: string) => boolean {
  const devOrigin = location.devServerUrl ? new URL(location.devServerUrl).origin : undefined;
  const fileHref = pathToFileURL(location.rendererFile).href;
  return (url) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return false;
    }
    if (devOrigin !== undefined && (parsed.protocol === 'http:' || parsed.protocol === 'https:')) {
      return parsed.origin === devOrigin;
    }
    if (parsed.protocol !== 'file:') return false;
    parsed.hash = '';
    parsed.search = '';
    return parsed.href === fileHref;
  };
}

/** The app's CSP. Development adds what Vite's dev server needs (HMR socket, React refresh preamble). */
export function appCsp(devServerUrl?: string): string {
  const dev = devServerUrl ? new URL(devServerUrl) : undefined;
  const devSocket = dev ? ` ws://${dev.host}` : '';
  return [
    "default-src 'self'",
    `script-src 'self'${dev ? " 'unsafe-inline'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    `connect-src 'self'${devSocket}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function secureWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 800,
    minWidth: 800,
    minHeight: 500,
    show: false,
    title: 'Lab Monitor',
    backgroundColor: '#1e1e1e',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  };
}

export interface PreventableEvent {
  preventDefault(): void;
}

export interface HardenableContents {
  getURL(): string;
  on(event: 'will-navigate', listener: (event: PreventableEvent, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/** Blocks navigation away from the current page, new windows and webviews. */
export function hardenWebContents(contents: HardenableContents, log: (message: string) => void = console.warn): void {
  contents.on('will-navigate', (event, url) => {
    if (url === contents.getURL()) return; // a reload
    event.preventDefault();
    log(`blocked navigation to ${url}`);
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    log(`blocked a new window for ${url}`);
    return { action: 'deny' };
  });
}

export interface HeadersDetails {
  url: string;
  responseHeaders?: Record<string, string[] | string>;
}

export interface SessionLike {
  setPermissionRequestHandler(handler: ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | null): void;
  setPermissionCheckHandler(handler: ((contents: unknown, permission: string) => boolean) | null): void;
  webRequest: {
    onHeadersReceived(listener: (details: HeadersDetails, callback: (response: { responseHeaders?: Record<string, string[] | string> }) => void) => void): void;
  };
}

/** Denies every permission and adds the CSP header to every response of the app's session. */
export function secureSession(session: SessionLike, csp: string): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    const responseHeaders = { ...details.responseHeaders };
    for (const name of Object.keys(responseHeaders)) {
      if (name.toLowerCase() === 'content-security-policy') delete responseHeaders[name];
    }
    responseHeaders['Content-Security-Policy'] = [csp];
    callback({ responseHeaders });
  });
}

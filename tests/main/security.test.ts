import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import {
  appCsp,
  createAppUrlCheck,
  hardenWebContents,
  secureSession,
  secureWindowOptions,
  type HardenableContents,
  type HeadersDetails,
  type PreventableEvent,
  type SessionLike,
} from '../../src/main/security';

const rendererFile = '/opt/lab-monitor/resources/app/out/renderer/index.html';
const fileUrl = pathToFileURL(rendererFile).href;

describe('createAppUrlCheck', () => {
  it('accepts only the built page in production', () => {
    const check = createAppUrlCheck({ rendererFile });
    expect(check(fileUrl)).toBe(true);
    expect(check(`${fileUrl}#/things/thermo`)).toBe(true);
    expect(check(pathToFileURL('/tmp/evil.html').href)).toBe(false);
    expect(check('http://localhost:5173/')).toBe(false);
    expect(check('https://example.org/')).toBe(false);
    expect(check('not a url')).toBe(false);
  });

  it('accepts the dev server origin in development', () => {
    const check = createAppUrlCheck({ rendererFile, devServerUrl: 'http://localhost:5173' });
    expect(check('http://localhost:5173/')).toBe(true);
    expect(check('http://localhost:5173/src/main.tsx')).toBe(true);
    expect(check('http://localhost:5174/')).toBe(false);
    expect(check('http://evil.example/')).toBe(false);
  });
});

describe('window policy', () => {
  it('isolates the renderer', () => {
    const prefs = secureWindowOptions('/app/out/preload/index.js').webPreferences;
    expect(prefs).toMatchObject({
      preload: '/app/out/preload/index.js',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    });
  });

  it('has a strict CSP, loosened only for the dev server', () => {
    expect(appCsp()).toContain("script-src 'self';");
    expect(appCsp()).not.toContain('unsafe-eval');
    expect(appCsp('http://localhost:5173')).toContain('ws://localhost:5173');
  });

  it('blocks navigation, new windows and webviews', () => {
    const handlers = new Map<string, (event: PreventableEvent, url: string) => void>();
    let openHandler: ((details: { url: string }) => { action: 'deny' }) | undefined;
    const contents: HardenableContents = {
      getURL: () => fileUrl,
      on: (event: string, listener: (event: PreventableEvent, url: string) => void) => handlers.set(event, listener),
      setWindowOpenHandler: (handler) => {
        openHandler = handler;
      },
    };
    hardenWebContents(contents, () => undefined);
    const navigate = (url: string) => {
      const event = { preventDefault: vi.fn() };
      handlers.get('will-navigate')?.(event, url);
      return event.preventDefault.mock.calls.length > 0;
    };
    expect(navigate('https://evil.example/')).toBe(true);
    expect(navigate(fileUrl)).toBe(false);
    expect(openHandler?.({ url: 'https://example.org/' })).toEqual({ action: 'deny' });
    const webview = { preventDefault: vi.fn() };
    handlers.get('will-attach-webview')?.(webview, '');
    expect(webview.preventDefault).toHaveBeenCalled();
  });

  it('denies permissions and sets the CSP header on every response', () => {
    const handlers: {
      request?: ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | null;
      check?: ((contents: unknown, permission: string) => boolean) | null;
    } = {};
    let headers: ((details: HeadersDetails, callback: (response: { responseHeaders?: Record<string, string[] | string> }) => void) => void) | undefined;
    const session: SessionLike = {
      setPermissionRequestHandler: (handler) => (handlers.request = handler),
      setPermissionCheckHandler: (handler) => (handlers.check = handler),
      webRequest: { onHeadersReceived: (listener) => (headers = listener) },
    };
    secureSession(session, "default-src 'self'");
    const granted = vi.fn();
    handlers.request?.({}, 'media', granted);
    expect(granted).toHaveBeenCalledWith(false);
    expect(handlers.check?.({}, 'geolocation')).toBe(false);
    const reply = vi.fn();
    headers?.({ url: fileUrl, responseHeaders: { 'content-security-policy': ['*'], 'X-Other': ['1'] } }, reply);
    expect(reply).toHaveBeenCalledWith({ responseHeaders: { 'X-Other': ['1'], 'Content-Security-Policy': ["default-src 'self'"] } });
  });
});

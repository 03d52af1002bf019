'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS: loaded by Node's require before anything is built */
// The `electron` module the real built main bundle (out/main/index.js) gets under the stand-in
// (tests/electron-stand-in/electron). It implements the part of Electron's main-process API
// Lab Monitor uses on top of Debian's Chromium driven by Playwright: each BrowserWindow is a
// Chromium page; the preload runs in a named isolated world before the page's scripts;
// ipcRenderer talks to ipcMain over a CDP binding that only that world has, and Chromium says
// which frame called, so the main process's sender checks run on real frame URLs; document
// responses pass through session.webRequest.onHeadersReceived (the CSP); renderer-initiated
// navigations pass through will-navigate, window.open through setWindowOpenHandler, and
// permissions through the session's permission handlers. Anything else throws, naming the API.
const { EventEmitter } = require('node:events');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { randomBytes } = require('node:crypto');
const { strict, unimplemented, NotImplementedError } = require('./strict.cjs');
const { mainWorldSource, isolatedWorldSource } = require('./renderer-scripts.cjs');

const launch = globalThis.__labStandInLaunch ?? {
  appPath: process.cwd(),
  packageJson: {},
  argv: process.argv.slice(1),
};
const argv = launch.argv;
const switchValue = (name) => {
  const prefix = `--${name}=`;
  const found = argv.find((arg) => arg === `--${name}` || arg.startsWith(prefix));
  if (found === undefined) return undefined;
  return found.startsWith(prefix) ? found.slice(prefix.length) : '';
};
/** Playwright's _electron.launch passes this; the stand-in then speaks its launch protocol. */
const underPlaywright = switchValue('remote-debugging-port') !== undefined;
const debug = process.env.LAB_STAND_IN_DEBUG ? (...args) => console.error('[stand-in]', ...args) : () => undefined;
const loud = (...args) => console.error('[electron stand-in]', ...args);

const WORLD = `lab-stand-in-preload-${randomBytes(4).toString('hex')}`;
const BINDING = `__labStandInIpc_${randomBytes(6).toString('hex')}`;
const DELIVER = `__labStandInDeliver_${randomBytes(6).toString('hex')}`;

/** Records for tests: read them with electronApp.evaluate(() => globalThis.__labStandIn...). */
const record = {
  notifications: [],
  dialogs: [],
  /** Answers for the next dialogs, in order, e.g. { canceled: false, filePath: '/tmp/x.csv' }. */
  dialogAnswers: [],
  permissionRequests: [],
  blockedNavigations: [],
  blockedWindows: [],
  /** shell calls (openPath, openExternal, showItemInFolder): recorded, never carried out. */
  shellCalls: [],
  world: WORLD,
  forgeInvoke,
};
globalThis.__labStandIn = record;

function preventable(fields = {}) {
  const event = {
    ...fields,
    defaultPrevented: false,
    preventDefault() {
      event.defaultPrevented = true;
    },
  };
  return event;
}

// ---------------------------------------------------------------------------------------------
// Chromium

let chromiumContext;
let profileDir;
let browserSession;

async function startChromium() {
  const { CHROMIUM_ARGS, CHROMIUM_PATH } = await import(pathToFileURL(path.join(__dirname, '../../scripts/chromium.mjs')).href);
  const playwrightCore = require(require.resolve('playwright-core', { paths: [path.dirname(require.resolve('@playwright/test'))] }));
  profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-stand-in-chromium-'));
  chromiumContext = await playwrightCore.chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM_PATH,
    headless: !process.env.LAB_STAND_IN_HEADED,
    viewport: null,
    // Electron grants file:// pages extra privileges (its GrantFileProtocolExtraPrivileges
    // fuse, on by default and left on in electron-builder.yml), so the renderer's
    // `<script type="module">` loads from file://; plain Chromium needs this switch for it.
    args: [...CHROMIUM_ARGS, '--remote-debugging-port=0', '--allow-file-access-from-files'],
  });
  for (const page of chromiumContext.pages()) await page.close();
  chromiumContext.on('page', (page) => void onNewPage(page));
  browserSession = await chromiumContext.browser().newBrowserCDPSession();
  if (underPlaywright) {
    const [port, wsPath] = fs.readFileSync(path.join(profileDir, 'DevToolsActivePort'), 'utf8').split('\n');
    process.stderr.write(`DevTools listening on ws://127.0.0.1:${port}${wsPath}\n`);
  }
}

async function stopChromium() {
  const context = chromiumContext;
  chromiumContext = undefined;
  await context?.close().catch(() => undefined);
  if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// app

const appPaths = new Map();
const productName = launch.packageJson.productName ?? launch.packageJson.name ?? 'Electron';
{
  const userData = switchValue('user-data-dir') || fs.mkdtempSync(path.join(os.tmpdir(), 'lab-stand-in-user-data-'));
  const home = os.homedir();
  appPaths.set('home', home);
  appPaths.set('appData', path.dirname(userData));
  appPaths.set('userData', userData);
  appPaths.set('sessionData', userData);
  appPaths.set('temp', os.tmpdir());
  appPaths.set('logs', path.join(userData, 'logs'));
  appPaths.set('crashDumps', path.join(userData, 'Crashpad'));
  appPaths.set('exe', process.execPath);
  appPaths.set('module', process.execPath);
  for (const name of ['desktop', 'documents', 'downloads', 'music', 'pictures', 'videos']) appPaths.set(name, path.join(home, name[0].toUpperCase() + name.slice(1)));
}

let readyResolve;
const readyPromise = new Promise((resolve) => (readyResolve = resolve));
let isReady = false;
let quitting = false;
let quitDone = false;

class App extends EventEmitter {
  get name() {
    return productName;
  }
  get isPackaged() {
    return false;
  }
  get commandLine() {
    return strict(
      {
        hasSwitch: (name) => switchValue(name) !== undefined,
        getSwitchValue: (name) => switchValue(name) ?? '',
        appendSwitch: unimplemented('app.commandLine.appendSwitch'),
        appendArgument: unimplemented('app.commandLine.appendArgument'),
      },
      'app.commandLine',
    );
  }
  getName() {
    return productName;
  }
  getVersion() {
    return launch.packageJson.version ?? '0.0.0';
  }
  getAppPath() {
    return launch.appPath;
  }
  getPath(name) {
    const found = appPaths.get(name);
    if (found === undefined) throw new Error(`Failed to get '${name}' path`);
    return found;
  }
  setPath(name, value) {
    if (!path.isAbsolute(value)) throw new Error(`Path must be absolute: ${value}`);
    appPaths.set(name, value);
  }
  getLocale() {
    return 'en-US';
  }
  isReady() {
    return isReady;
  }
  whenReady() {
    return readyPromise;
  }
  requestSingleInstanceLock() {
    return true;
  }
  hasSingleInstanceLock() {
    return true;
  }
  releaseSingleInstanceLock() {}
  focus() {}
  setAppUserModelId() {}
  quit() {
    void quitApp(0);
  }
  exit(code = 0) {
    void finish(code);
  }
}
const app = strict(new App(), 'app');

async function quitApp(code) {
  if (quitDone) return;
  const before = preventable();
  app.emit('before-quit', before);
  if (before.defaultPrevented) return;
  if (quitting) return;
  quitting = true;
  for (const window of [...windows]) window._closeForQuit();
  const willQuit = preventable();
  app.emit('will-quit', willQuit);
  if (willQuit.defaultPrevented) {
    quitting = false;
    return;
  }
  await finish(code);
}

async function finish(code) {
  if (quitDone) return;
  quitDone = true;
  app.emit('quit', preventable(), code);
  await stopChromium();
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    void quitApp(0);
    setTimeout(() => void finish(0), 5_000).unref();
  });
}

globalThis.__playwright_run = () => runGate.resolve();
const runGate = {};
runGate.promise = new Promise((resolve) => (runGate.resolve = resolve));

startChromium()
  .then(() => (underPlaywright ? runGate.promise : undefined))
  .then(() => {
    isReady = true;
    app.emit('will-finish-launching');
    readyResolve();
    app.emit('ready', preventable(), {});
  })
  .catch((error) => {
    loud('could not start Chromium:', error);
    process.exit(1);
  });

// ---------------------------------------------------------------------------------------------
// session

class WebRequest {
  constructor() {
    this._headersReceived = undefined;
  }
  onHeadersReceived(filterOrListener, maybeListener) {
    this._headersReceived = maybeListener ?? filterOrListener ?? undefined;
  }
}

class Session extends EventEmitter {
  constructor() {
    super();
    this.webRequest = strict(new WebRequest(), 'session.webRequest');
    this._permissionRequest = undefined;
    this._permissionCheck = undefined;
  }
  setPermissionRequestHandler(handler) {
    this._permissionRequest = handler ?? undefined;
  }
  setPermissionCheckHandler(handler) {
    this._permissionCheck = handler ?? undefined;
  }
}
const defaultSession = strict(new Session(), 'session');
const session = strict({ defaultSession }, 'electron.session');

/**
 * Chromium has no DevTools event for "the page asks for a permission", so the session's
 * handlers decide each permission up front for the origin a window is about to load, and
 * Chromium then answers the page's requests (Notification.requestPermission, getUserMedia,
 * geolocation...) accordingly. Electron grants what no handler refuses.
 */
const PERMISSIONS = {
  notifications: [{ name: 'notifications' }],
  geolocation: [{ name: 'geolocation' }],
  media: [{ name: 'camera' }, { name: 'microphone' }],
  midi: [{ name: 'midi' }],
  midiSysex: [{ name: 'midi', sysex: true }],
  'clipboard-read': [{ name: 'clipboard-read' }],
  'clipboard-sanitized-write': [{ name: 'clipboard-write' }],
  'idle-detection': [{ name: 'idle-detection' }],
  'window-management': [{ name: 'window-management' }],
  'local-fonts': [{ name: 'local-fonts' }],
  'storage-access': [{ name: 'storage-access' }],
};

async function decidePermissions(contents, url) {
  let origin;
  try {
    const parsed = new URL(url);
    origin = parsed.protocol === 'file:' ? 'file://' : parsed.origin;
  } catch {
    return;
  }
  for (const [permission, descriptors] of Object.entries(PERMISSIONS)) {
    const details = { requestingUrl: url, isMainFrame: true, embeddingOrigin: origin };
    let granted = true;
    if (defaultSession._permissionCheck) granted = Boolean(defaultSession._permissionCheck(contents, permission, origin, details));
    if (defaultSession._permissionRequest) {
      const answer = await new Promise((resolve) => {
        defaultSession._permissionRequest(contents, permission, (value) => resolve(Boolean(value)), details);
        setTimeout(() => resolve(false), 5_000).unref();
      });
      granted = granted && answer;
    }
    record.permissionRequests.push({ webContentsId: contents.id, permission, origin, granted });
    for (const descriptor of descriptors) {
      await browserSession
        .send('Browser.setPermission', { permission: descriptor, setting: granted ? 'granted' : 'denied', origin })
        .catch((error) => debug(`Browser.setPermission ${descriptor.name}:`, error.message));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// ipcMain

class IpcMain extends EventEmitter {
  constructor() {
    super();
    this._handlers = new Map();
  }
  handle(channel, handler) {
    if (this._handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this._handlers.set(channel, handler);
  }
  handleOnce(channel, handler) {
    this.handle(channel, (...args) => {
      this.removeHandler(channel);
      return handler(...args);
    });
  }
  removeHandler(channel) {
    this._handlers.delete(channel);
  }
}
const ipcMain = strict(new IpcMain(), 'ipcMain');

// ---------------------------------------------------------------------------------------------
// webContents and BrowserWindow

let nextWebContentsId = 1;
let nextWindowId = 1;
const allContents = new Set();
const windows = new Set();

/** Electron's WebFrameMain, as far as IPC events and the app need it. */
function frameMain(contents, frameId) {
  const frame = contents._frames.get(frameId);
  if (!frame) return null;
  return strict(
    {
      get url() {
        return contents._frames.get(frameId)?.url ?? '';
      },
      get origin() {
        try {
          return new URL(this.url).origin;
        } catch {
          return 'null';
        }
      },
      name: frame.name ?? '',
      frameToken: frameId,
      processId: 1,
      routingId: 1,
      isDestroyed: () => !contents._frames.has(frameId),
      get parent() {
        return frame.parentId ? frameMain(contents, frame.parentId) : null;
      },
      get top() {
        return frameMain(contents, contents._mainFrameId);
      },
    },
    'WebFrameMain',
  );
}

class WebContents extends EventEmitter {
  constructor(window, webPreferences) {
    super();
    this.id = nextWebContentsId++;
    this.session = defaultSession;
    this._window = window;
    this._webPreferences = webPreferences;
    this._destroyed = false;
    this._frames = new Map();
    this._contexts = new Map();
    this._mainFrameId = undefined;
    this._blocked = new Set();
    this._openHandler = undefined;
    this._openDecisions = [];
    this._page = undefined;
    this._cdp = undefined;
    this._targetId = undefined;
    this._loadedOnce = false;
    this._forged = new Map();
    this._title = '';
    this._loading = false;
    this._openDecisionArrived = undefined;
    this._attached = undefined;
  }

  isDestroyed() {
    return this._destroyed;
  }
  getURL() {
    return this._frames.get(this._mainFrameId)?.url ?? '';
  }
  getTitle() {
    return this._title;
  }
  isLoading() {
    return this._loading === true;
  }
  getLastWebPreferences() {
    return { ...this._webPreferences };
  }
  get mainFrame() {
    return frameMain(this, this._mainFrameId);
  }
  getOSProcessId() {
    return 0;
  }
  setWindowOpenHandler(handler) {
    this._openHandler = handler;
  }

  send(channel, ...args) {
    if (this._destroyed) throw new Error('Object has been destroyed');
    const contextId = this._preloadContextOf(this._mainFrameId);
    if (contextId === undefined) {
      debug(`dropped ${channel}: no preload context yet`);
      return;
    }
    const message = JSON.stringify({ type: 'event', channel, args });
    this._cdp
      .send('Runtime.evaluate', { contextId, expression: `globalThis.${DELIVER}(${message})`, returnByValue: true })
      .catch((error) => debug(`send ${channel}:`, error.message));
  }

  async loadURL(url) {
    await this._attached;
    this._checkAlive();
    await decidePermissions(this, url);
    this._loading = true;
    try {
      await this._page.goto(url, { waitUntil: 'load' });
    } catch (error) {
      throw new Error(`ERR_FAILED (-2) loading '${url}': ${error.message}`, { cause: error });
    } finally {
      this._loading = false;
    }
  }
  loadFile(filePath, options = {}) {
    const url = pathToFileURL(path.resolve(launch.appPath, filePath));
    if (options.query) url.search = new URLSearchParams(options.query).toString();
    if (options.search) url.search = options.search;
    if (options.hash) url.hash = options.hash;
    return this.loadURL(url.href);
  }
  reload() {
    this._checkAlive();
    void this._page.reload().catch((error) => debug('reload:', error.message));
  }
  close() {
    this._window?.close();
  }
  async executeJavaScript(code) {
    await this._attached;
    return this._page.evaluate(code);
  }

  _checkAlive() {
    if (this._destroyed) throw new Error('Object has been destroyed');
  }

  _preloadContextOf(frameId) {
    let found;
    for (const [id, context] of this._contexts) if (context.frameId === frameId && context.name === WORLD) found = id;
    return found;
  }

  async _attach(preloadSource, size) {
    const page = await chromiumContext.newPage();
    this._page = page;
    pagesOwned.set(page, this);
    await page.setViewportSize(size);
    const cdp = await chromiumContext.newCDPSession(page);
    this._cdp = cdp;
    const { targetInfo } = await cdp.send('Target.getTargetInfo');
    this._targetId = targetInfo.targetId;

    cdp.on('Runtime.executionContextCreated', ({ context }) => {
      this._contexts.set(context.id, { frameId: context.auxData?.frameId, name: context.name });
    });
    cdp.on('Runtime.executionContextDestroyed', ({ executionContextId }) => this._contexts.delete(executionContextId));
    cdp.on('Runtime.executionContextsCleared', () => this._contexts.clear());
    cdp.on('Runtime.bindingCalled', (event) => void this._onBinding(event));
    cdp.on('Runtime.exceptionThrown', ({ exceptionDetails }) => {
      const context = this._contexts.get(exceptionDetails.executionContextId);
      if (context?.name === WORLD) loud(`an error in the preload world: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    });
    cdp.on('Page.frameNavigated', ({ frame }) => {
      this._frames.set(frame.id, { url: frame.url + (frame.urlFragment ?? ''), parentId: frame.parentId, name: frame.name });
      if (!frame.parentId) {
        this._mainFrameId = frame.id;
        this.emit('did-navigate', preventable(), frame.url, 200, 'OK');
      } else this.emit('did-frame-navigate', preventable(), frame.url, 200, 'OK', false);
    });
    cdp.on('Page.navigatedWithinDocument', ({ frameId, url }) => {
      const frame = this._frames.get(frameId);
      if (frame) frame.url = url;
      this.emit('did-navigate-in-page', preventable(), url, frameId === this._mainFrameId);
    });
    cdp.on('Page.frameDetached', ({ frameId }) => this._frames.delete(frameId));
    cdp.on('Page.frameStartedNavigating', ({ frameId, url, navigationType }) => {
      const isSameDocument = navigationType === 'sameDocument' || navigationType === 'historySameDocument';
      const isMainFrame = frameId === this._mainFrameId || this._mainFrameId === undefined;
      const details = preventable({ url, isSameDocument, isMainFrame, frame: frameMain(this, frameId), initiator: null });
      this.emit('did-start-navigation', details, url, isSameDocument, isMainFrame, 1, 1);
    });
    cdp.on('Page.frameRequestedNavigation', ({ frameId, url, disposition }) => {
      // Renderer-initiated only (links, scripts, forms): what Electron's will-navigate covers.
      if (frameId !== this._mainFrameId || disposition !== 'currentTab') return;
      const event = preventable({ url, isSameDocument: false, isMainFrame: true, frame: frameMain(this, frameId), initiator: null });
      this.emit('will-navigate', event, url, false, true, 1, 1);
      if (event.defaultPrevented) {
        this._blocked.add(url);
        record.blockedNavigations.push({ webContentsId: this.id, url });
      }
    });
    cdp.on('Page.windowOpen', ({ url, windowName, windowFeatures }) => {
      let action = 'allow';
      if (this._openHandler) {
        const answer = this._openHandler({ url, frameName: windowName, features: windowFeatures.join(','), disposition: 'new-window', referrer: { url: this.getURL(), policy: 'strict-origin-when-cross-origin' } });
        action = answer?.action ?? 'allow';
      }
      if (action === 'deny') record.blockedWindows.push({ webContentsId: this.id, url });
      else loud(`window.open(${url}) was allowed by the app, but the stand-in does not implement windows the page opens: it is closed`);
      this._openDecisions.push(action);
      this._openDecisionArrived?.();
    });
    cdp.on('Page.domContentEventFired', () => this.emit('dom-ready', preventable()));
    cdp.on('Page.loadEventFired', () => {
      this.emit('did-finish-load', preventable());
      if (!this._loadedOnce) {
        this._loadedOnce = true;
        this._window?.emit('ready-to-show', preventable());
      }
    });
    cdp.on('Fetch.requestPaused', (event) => void this._onRequestPaused(event));
    page.on('close', () => this._onClosed());
    page.on('crash', () => this.emit('render-process-gone', preventable(), { reason: 'crashed', exitCode: 1 }));
    page.on('console', (message) => this.emit('console-message', preventable({ message: message.text(), level: message.type() }), 0, message.text()));

    await cdp.send('Page.enable');
    await cdp.send('Runtime.enable');
    const { frameTree } = await cdp.send('Page.getFrameTree');
    this._mainFrameId = frameTree.frame.id;
    this._frames.set(frameTree.frame.id, { url: frameTree.frame.url, parentId: undefined, name: frameTree.frame.name });
    await cdp.send('Fetch.enable', {
      patterns: [
        { urlPattern: '*', resourceType: 'Document', requestStage: 'Request' },
        { urlPattern: '*', resourceType: 'Document', requestStage: 'Response' },
      ],
    });
    await cdp.send('Runtime.addBinding', { name: BINDING, executionContextName: WORLD });
    const token = randomBytes(12).toString('hex');
    await cdp.send('Page.addScriptToEvaluateOnNewDocument', { source: mainWorldSource(token) });
    const config = {
      token,
      binding: BINDING,
      deliver: DELIVER,
      platform: process.platform,
      arch: process.arch,
      versions: { chrome: page.context().browser()?.version() ?? '', electron: 'stand-in' },
    };
    await cdp.send('Page.addScriptToEvaluateOnNewDocument', { source: isolatedWorldSource(config, preloadSource), worldName: WORLD });
  }

  async _onRequestPaused(event) {
    const cdp = this._cdp;
    const { requestId, request, frameId } = event;
    try {
      if (event.responseStatusCode === undefined && event.responseErrorReason === undefined) {
        if (frameId === this._mainFrameId && this._blocked.delete(request.url)) {
          await cdp.send('Fetch.failRequest', { requestId, errorReason: 'Aborted' });
          return;
        }
        await cdp.send('Fetch.continueRequest', { requestId });
        return;
      }
      const listener = defaultSession.webRequest._headersReceived;
      if (!listener || event.responseErrorReason !== undefined) {
        await cdp.send('Fetch.continueResponse', { requestId });
        return;
      }
      const responseHeaders = {};
      for (const { name, value } of event.responseHeaders ?? []) (responseHeaders[name] ??= []).push(value);
      const details = {
        id: requestId,
        url: request.url,
        method: request.method,
        webContentsId: this.id,
        webContents: this,
        frame: frameMain(this, frameId),
        resourceType: frameId === this._mainFrameId ? 'mainFrame' : 'subFrame',
        referrer: request.headers?.Referer ?? '',
        timestamp: Date.now(),
        statusLine: `HTTP/1.1 ${event.responseStatusCode} ${event.responseStatusText ?? ''}`.trim(),
        statusCode: event.responseStatusCode,
        responseHeaders,
      };
      const response = await new Promise((resolve) => listener(details, resolve));
      if (response?.cancel) {
        await cdp.send('Fetch.failRequest', { requestId, errorReason: 'BlockedByClient' });
        return;
      }
      const headers = [];
      for (const [name, values] of Object.entries(response?.responseHeaders ?? responseHeaders)) {
        for (const value of Array.isArray(values) ? values : [values]) headers.push({ name, value: String(value) });
      }
      await cdp.send('Fetch.continueResponse', { requestId, responseCode: event.responseStatusCode, responseHeaders: headers });
    } catch (error) {
      debug('request interception:', error.message);
    }
  }

  async _onBinding({ name, payload, executionContextId }) {
    if (name !== BINDING) return;
    let message;
    try {
      message = JSON.parse(payload);
    } catch {
      return;
    }
    const context = this._contexts.get(executionContextId);
    if (message.type === 'preload-error') {
      loud(`the preload failed: ${message.message}`);
      this.emit('preload-error', preventable(), this._webPreferences.preload, new Error(message.message));
      return;
    }
    const senderFrame = context && context.name === WORLD ? frameMain(this, context.frameId) : null;
    const ipcEvent = strict(
      {
        sender: this,
        senderFrame,
        frameId: 1,
        processId: 1,
        type: 'frame',
        ports: [],
        reply: (channel, ...args) => this.send(channel, ...args),
      },
      'IpcMainEvent',
    );
    if (message.type === 'send') {
      this.emit('ipc-message', ipcEvent, message.channel, ...message.args);
      ipcMain.emit(message.channel, ipcEvent, ...message.args);
      return;
    }
    if (message.type !== 'invoke') return;
    let reply;
    const handler = ipcMain._handlers.get(message.channel);
    try {
      if (!handler) throw new Error(`No handler registered for '${message.channel}'`);
      reply = { type: 'reply', id: message.id, ok: true, value: await handler(ipcEvent, ...message.args) };
    } catch (error) {
      reply = { type: 'reply', id: message.id, ok: false, error: `Error invoking remote method '${message.channel}': ${error}` };
    }
    if (message.forged !== undefined) this._forged.get(message.forged)?.(reply);
    this._cdp
      .send('Runtime.evaluate', { contextId: executionContextId, expression: `globalThis.${DELIVER}(${JSON.stringify(reply)})`, returnByValue: true })
      .catch((error) => debug(`reply ${message.channel}:`, error.message));
  }

  async _nextOpenDecision() {
    const deadline = Date.now() + 5_000;
    while (this._openDecisions.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => {
        this._openDecisionArrived = resolve;
        setTimeout(resolve, 100).unref();
      });
    }
    return this._openDecisions.shift() ?? 'deny';
  }

  _onClosed() {
    if (this._destroyed) return;
    this._destroyed = true;
    allContents.delete(this);
    this.emit('destroyed', preventable());
    this._window?._onContentsGone();
  }
}

/** Pages of the stand-in's own windows; any other page with such an opener is a window.open. */
const pagesOwned = new Map();

async function onNewPage(page) {
  if (pagesOwned.has(page)) return;
  const opener = await page.opener().catch(() => null);
  const contents = opener ? pagesOwned.get(opener) : undefined;
  if (!contents) return; // a page the test itself opened
  await contents._nextOpenDecision();
  // Denied (or allowed, which the stand-in does not implement): the new window goes away.
  await page.close().catch(() => undefined);
}

const strictWebPreferences = ['contextIsolation', 'sandbox'];

class BrowserWindow extends EventEmitter {
  constructor(options = {}) {
    super();
    const webPreferences = { contextIsolation: true, sandbox: true, nodeIntegration: false, ...(options.webPreferences ?? {}) };
    for (const name of strictWebPreferences) {
      if (webPreferences[name] !== true) throw new NotImplementedError(`BrowserWindow with webPreferences.${name} = ${String(webPreferences[name])} (only sandboxed, context-isolated windows)`);
    }
    if (webPreferences.nodeIntegration || webPreferences.nodeIntegrationInSubFrames || webPreferences.nodeIntegrationInWorker) {
      throw new NotImplementedError('BrowserWindow with Node integration');
    }
    let preloadSource;
    if (webPreferences.preload !== undefined) {
      if (!path.isAbsolute(webPreferences.preload)) loud(`webPreferences.preload must be an absolute path, got ${webPreferences.preload}`);
      try {
        preloadSource = fs.readFileSync(webPreferences.preload, 'utf8');
      } catch (error) {
        loud(`Unable to load preload script: ${webPreferences.preload} (${error.code ?? error.message})`);
      }
    }
    this.id = nextWindowId++;
    this._options = options;
    this._visible = options.show !== false;
    this._title = options.title ?? productName;
    this._closed = false;
    this._minimized = false;
    const self = strict(this, 'BrowserWindow');
    const contents = strict(new WebContents(self, webPreferences), 'webContents');
    this.webContents = contents;
    allContents.add(contents);
    windows.add(self);
    if (!isReady) throw new Error('Cannot create BrowserWindow before app is ready');
    contents._attached = contents._attach(preloadSource, { width: options.width ?? 800, height: options.height ?? 600 });
    contents._attached.catch((error) => loud('could not open the window:', error.message));
    app.emit('web-contents-created', preventable(), contents);
    app.emit('browser-window-created', preventable(), self);
    return self;
  }

  static getAllWindows() {
    return [...windows];
  }
  static getFocusedWindow() {
    return [...windows][0] ?? null;
  }
  static fromWebContents(contents) {
    return [...windows].find((window) => window.webContents === contents) ?? null;
  }
  static fromId(id) {
    return [...windows].find((window) => window.id === id) ?? null;
  }

  loadURL(url) {
    return this.webContents.loadURL(url);
  }
  loadFile(filePath, options) {
    return this.webContents.loadFile(filePath, options);
  }
  reload() {
    this.webContents.reload();
  }
  show() {
    this._visible = true;
    this.emit('show', preventable());
  }
  hide() {
    this._visible = false;
    this.emit('hide', preventable());
  }
  isVisible() {
    return this._visible;
  }
  focus() {
    this.emit('focus', preventable());
  }
  isFocused() {
    return true;
  }
  isMinimized() {
    return this._minimized;
  }
  minimize() {
    this._minimized = true;
  }
  restore() {
    this._minimized = false;
  }
  getTitle() {
    return this._title;
  }
  setTitle(title) {
    this._title = title;
  }
  isDestroyed() {
    return this._closed;
  }
  close() {
    if (this._closed) return;
    const event = preventable();
    this.emit('close', event);
    if (event.defaultPrevented) return;
    this.destroy();
  }
  destroy() {
    if (this._closed) return;
    const page = this.webContents._page;
    if (page) void page.close().catch(() => undefined);
    else this.webContents._onClosed();
  }
  _closeForQuit() {
    if (this._closed) return;
    this.emit('close', preventable());
    this.destroy();
  }
  _onContentsGone() {
    if (this._closed) return;
    this._closed = true;
    for (const window of windows) if (window.webContents === this.webContents) windows.delete(window);
    this.emit('closed', preventable());
    if (windows.size === 0 && !quitting) {
      if (app.listenerCount('window-all-closed') > 0) app.emit('window-all-closed', preventable());
      else app.quit();
    }
  }
}
const BrowserWindowClass = strict(BrowserWindow, 'BrowserWindow');

const webContentsModule = strict(
  {
    getAllWebContents: () => [...allContents],
    getFocusedWebContents: () => [...allContents][0] ?? null,
    fromId: (id) => [...allContents].find((contents) => contents.id === id),
    fromDevToolsTargetId: (targetId) => [...allContents].find((contents) => contents._targetId === targetId),
  },
  'webContents',
);

/**
 * Test hook: an ipcRenderer.invoke sent from the isolated world of a frame other than the main
 * one (the first child frame unless `frameUrl` says which; the main frame with `mainFrame`), as
 * a compromised subframe would.
 * The message enters through Chromium, so the sender frame is the one Chromium reports.
 */
async function forgeInvoke({ webContentsId, frameUrl, mainFrame = false, channel, request }) {
  const contents = [...allContents].find((each) => each.id === webContentsId) ?? [...allContents][0];
  if (!contents) throw new Error('forgeInvoke: no window');
  const frameId = mainFrame
    ? contents._mainFrameId
    : [...contents._frames.entries()].find(([id, frame]) => id !== contents._mainFrameId && (frameUrl === undefined || frame.url === frameUrl))?.[0];
  if (frameId === undefined) throw new Error('forgeInvoke: no such frame');
  const contextId = contents._preloadContextOf(frameId);
  if (contextId === undefined) throw new Error('forgeInvoke: the frame has no preload world');
  const key = randomBytes(6).toString('hex');
  const reply = new Promise((resolve) => contents._forged.set(key, resolve));
  const message = JSON.stringify({ type: 'invoke', id: -1, forged: key, channel, args: [request] });
  await contents._cdp.send('Runtime.evaluate', { contextId, expression: `globalThis.${BINDING}(${JSON.stringify(message)})` });
  const result = await reply;
  contents._forged.delete(key);
  return { frameUrl: contents._frames.get(frameId)?.url, reply: result };
}

// ---------------------------------------------------------------------------------------------
// Notification and dialog

class Notification extends EventEmitter {
  static isSupported() {
    return true;
  }
  constructor(options = {}) {
    super();
    this._options = { ...options };
    this.title = options.title ?? '';
    this.body = options.body ?? '';
    this.silent = options.silent ?? false;
    this.urgency = options.urgency;
    this.timeoutType = options.timeoutType;
    return strict(this, 'Notification');
  }
  show() {
    const { icon, ...options } = this._options;
    record.notifications.push({ ...options, icon: icon === undefined ? undefined : String(icon), title: this.title, body: this.body, shownAt: new Date().toISOString() });
    this.emit('show', preventable());
  }
  close() {
    this.emit('close', preventable());
  }
}
const NotificationClass = strict(Notification, 'Notification');

const windowArg = (args) => (args[0] instanceof BrowserWindow || windows.has(args[0]) ? args.slice(1) : args);
/** Records each dialog; answers with the next queued answer, else as if the user cancelled. */
const dialog = strict(
  {
    async showSaveDialog(...args) {
      const [options = {}] = windowArg(args);
      record.dialogs.push({ type: 'save', options });
      return record.dialogAnswers.shift() ?? { canceled: true, filePath: '' };
    },
    async showOpenDialog(...args) {
      const [options = {}] = windowArg(args);
      record.dialogs.push({ type: 'open', options });
      return record.dialogAnswers.shift() ?? { canceled: true, filePaths: [] };
    },
    async showMessageBox(...args) {
      const [options = {}] = windowArg(args);
      record.dialogs.push({ type: 'message', options });
      return record.dialogAnswers.shift() ?? { response: options.cancelId ?? 0, checkboxChecked: false };
    },
    showErrorBox(title, content) {
      record.dialogs.push({ type: 'error', options: { title, content } });
      loud(`error box: ${title}: ${content}`);
    },
  },
  'dialog',
);

/** Records what the app asks the desktop shell to open; opens nothing. */
const shell = strict(
  {
    async openPath(target) {
      record.shellCalls.push({ type: 'openPath', target });
      return '';
    },
    async openExternal(url) {
      record.shellCalls.push({ type: 'openExternal', target: url });
    },
    showItemInFolder(target) {
      record.shellCalls.push({ type: 'showItemInFolder', target });
    },
  },
  'shell',
);

const onlyInRenderer = (name) => unimplemented(`${name} in the main process (it exists only in the preload)`);

module.exports = strict(
  {
    app,
    BrowserWindow: BrowserWindowClass,
    ipcMain,
    session,
    webContents: webContentsModule,
    Notification: NotificationClass,
    dialog,
    shell,
    get contextBridge() {
      return onlyInRenderer('contextBridge')();
    },
    get ipcRenderer() {
      return onlyInRenderer('ipcRenderer')();
    },
  },
  'electron',
);

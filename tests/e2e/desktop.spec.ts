import { expect, test, type DesktopApp } from './fixtures';
import { LIVE_TIMEOUT, openApp, selectThing, waitForApp } from './helpers';
import { forgeInvoke, recordNotifications, shownNotifications, answerNextSaveDialog, savedDialogOptions, standInRecord } from './support/desktop';

// The checks only the desktop app has: the window's isolation, its preload and its IPC.
test.skip(({ transport }) => transport === 'browser', 'desktop-only: checks the Electron window, its preload and its IPC, which browser mode does not have');

test.beforeEach(async ({ page }) => {
  await openApp(page);
});

function desktop(app: DesktopApp | undefined): DesktopApp {
  if (!app) throw new Error('no desktop app on this transport');
  return app;
}

/** Waits until the main process has logged a line containing `text`. */
async function expectLogged(log: string[], text: string): Promise<void> {
  await expect.poll(() => log.some((line) => line.includes(text)), { timeout: LIVE_TIMEOUT, message: `main logs "${text}"` }).toBe(true);
}

test('the window is sandboxed and context-isolated: no Node in the page, only window.lab', async ({ page, desktopApp }) => {
  const { app } = desktop(desktopApp);
  // getLastWebPreferences is Electron's (undocumented) record of the options the window got.
  const preferences = await app.evaluate(({ BrowserWindow }) => {
    const contents = BrowserWindow.getAllWindows()[0]?.webContents as unknown as { getLastWebPreferences(): Record<string, unknown> | null } | undefined;
    return contents?.getLastWebPreferences() ?? null;
  });
  expect(preferences).toMatchObject({
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInSubFrames: false,
    nodeIntegrationInWorker: false,
    webSecurity: true,
    webviewTag: false,
  });
  expect(String(preferences?.preload)).toMatch(/out[\\/]preload[\\/]index\.js$/);

  const seen = await page.evaluate(async () => {
    const lab: unknown = Reflect.get(window, 'lab');
    const api = lab as { host: string; call(channel: string, request: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string } }> };
    const things = await api.call('lab:things:list', {});
    const unknownChannel = await api.call('lab:nothing:here', {});
    return {
      nodeGlobals: ['require', 'process', 'module', 'exports', 'Buffer', 'global', '__dirname', 'setImmediate'].filter((name) => name in window),
      bridges: Object.getOwnPropertyNames(window).filter((name) => /ipc|electron|stand-?in|contextbridge/i.test(name)),
      labKeys: Object.keys(api).sort(),
      frozen: Object.isFrozen(api),
      writable: Object.getOwnPropertyDescriptor(window, 'lab')?.writable,
      host: api.host,
      things: things.ok && Array.isArray(things.value) ? things.value.length : -1,
      unknownChannel: unknownChannel.ok ? 'ok' : unknownChannel.error?.code,
      origin: location.protocol,
    };
  });
  expect(seen).toEqual({
    nodeGlobals: [],
    bridges: [],
    labKeys: ['call', 'host', 'onLiveBatch'],
    frozen: true,
    writable: false,
    host: 'electron',
    things: expect.any(Number) as unknown as number,
    unknownChannel: 'INVALID_ARGUMENT',
    origin: 'file:',
  });
  expect(seen.things).toBeGreaterThanOrEqual(5);
});

test("the page runs under the main process's CSP", async ({ page }) => {
  // The header policy (security.ts appCsp) is the only one with frame-ancestors: a violation
  // reported against it shows the page was served with it, not only with index.html's meta tag.
  // (Whether Electron runs webRequest header hooks for file:// at all is for the real binary to show.)
  const policies = await page.evaluate(async () => {
    const reported: string[] = [];
    document.addEventListener('securitypolicyviolation', (event) => reported.push(event.originalPolicy));
    const image = new Image();
    image.src = 'https://example.org/pixel.png';
    document.body.append(image);
    for (let i = 0; i < 50 && reported.length < 2; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    image.remove();
    return reported;
  });
  expect(policies.some((policy) => policy.includes("frame-ancestors 'none'") && policy.includes("script-src 'self'"))).toBe(true);
  // An injected inline script does not run.
  expect(
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.e2eInline = true';
      document.head.append(script);
      script.remove();
      return Reflect.get(window, 'e2eInline') === true ? 'ran' : 'refused';
    }),
  ).toBe('refused');
});

test('navigating away from the app is refused, by script or by link', async ({ page, desktopApp, desktopLog }) => {
  const { app } = desktop(desktopApp);
  const appUrl = page.url();
  await page.evaluate(() => {
    location.href = 'https://example.org/';
  });
  await expectLogged(desktopLog, 'blocked navigation to https://example.org/');

  const otherFile = new URL('../nowhere.html', appUrl).href;
  await page.evaluate((href) => {
    const link = document.createElement('a');
    link.href = href;
    link.textContent = 'elsewhere';
    document.body.append(link);
    link.click();
    link.remove();
  }, otherFile);
  await expectLogged(desktopLog, `blocked navigation to ${otherFile}`);

  expect(page.url()).toBe(appUrl);
  await waitForApp(page);
  expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.webContents.getURL())).toBe(appUrl);
});

test('window.open is refused: no second window', async ({ page, desktopApp, desktopLog }) => {
  const { app } = desktop(desktopApp);
  const outcome = await page.evaluate(async () => {
    const opened = window.open('https://example.org/popup', '_blank');
    if (opened === null) return 'refused';
    for (let i = 0; i < 100; i += 1) {
      if (opened.closed) return 'closed';
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return 'still open';
  });
  expect(['refused', 'closed']).toContain(outcome);
  await expectLogged(desktopLog, 'blocked a new window for https://example.org/popup');
  expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
  await expect.poll(() => app.windows().length).toBe(1);
});

test('permission requests go through the main process and are denied', async ({ page, desktopApp }) => {
  const { app } = desktop(desktopApp);
  const answers = await page.evaluate(async () => ({
    notification: await Notification.requestPermission(),
    query: (await navigator.permissions.query({ name: 'notifications' })).state,
    geolocation: await new Promise<string>((resolve) => {
      navigator.geolocation.getCurrentPosition(
        () => resolve('granted'),
        (error) => resolve(error.code === error.PERMISSION_DENIED ? 'denied' : `error ${error.code}`),
        { timeout: 5_000 },
      );
    }),
  }));
  expect(answers).toEqual({ notification: 'denied', query: 'denied', geolocation: 'denied' });
  const record = await standInRecord(app);
  if (record) {
    // On the stand-in, the decision demonstrably came from main's handler (Electron would grant without one).
    const asked = record.permissionRequests.filter((request) => request.origin === 'file://');
    expect(asked.map((request) => request.permission)).toEqual(expect.arrayContaining(['notifications', 'geolocation', 'media']));
    expect(asked.every((request) => !request.granted)).toBe(true);
  }
});

test('IPC forged from a second frame is refused; the same call from the app page is answered', async ({ page, desktopApp, desktopLog, transport }) => {
  test.skip(transport !== 'desktop', "it sends from a subframe's preload world through the stand-in's hook; real Electron runs no preload in subframes, so the check there is the sender test in tests/main/ipc");
  const { app } = desktop(desktopApp);
  await page.evaluate(() => {
    const frame = document.createElement('iframe');
    frame.srcdoc = '<p>a second frame</p>';
    frame.dataset['testid'] = 'intruder';
    document.body.append(frame);
  });
  await expect(page.frameLocator('[data-testid="intruder"]').locator('p')).toHaveText('a second frame');

  const forged = await forgeInvoke(app, { channel: 'lab:things:list', request: {} });
  expect(forged.frameUrl).toBe('about:srcdoc');
  expect(forged.reply.ok).toBe(true);
  expect(forged.reply.value).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
  await expectLogged(desktopLog, "refused lab:things:list: the sending frame (about:srcdoc) is not the app's own page");

  const genuine = await forgeInvoke(app, { channel: 'lab:things:list', request: {}, mainFrame: true });
  expect(genuine.reply.value).toMatchObject({ ok: true });
  await page.evaluate(() => document.querySelector('[data-testid="intruder"]')?.remove());
});

test('a reload re-subscribes: the live channel starts afresh and values keep coming', async ({ page, desktopApp }) => {
  const { app } = desktop(desktopApp);
  await app.evaluate(({ BrowserWindow }) => {
    const store = globalThis as unknown as { __e2eNavigations?: number };
    if (store.__e2eNavigations !== undefined) return;
    store.__e2eNavigations = 0;
    BrowserWindow.getAllWindows()[0]?.webContents.on('did-start-navigation', (details) => {
      if (details.isMainFrame && !details.isSameDocument) store.__e2eNavigations = (store.__e2eNavigations ?? 0) + 1;
    });
  });
  // Before the app's (deferred module) scripts run: the first live batch each fresh page receives.
  await page.addInitScript(() => {
    document.addEventListener(
      'readystatechange',
      () => {
        const lab = Reflect.get(window, 'lab') as { onLiveBatch(listener: (batch: { seq: number }) => void): unknown } | undefined;
        lab?.onLiveBatch((batch) => {
          if (Reflect.get(window, 'e2eFirstSeq') === undefined) Reflect.set(window, 'e2eFirstSeq', batch.seq);
        });
      },
      { once: true },
    );
  });
  const navigations = () => app.evaluate(() => (globalThis as unknown as { __e2eNavigations?: number }).__e2eNavigations ?? 0);
  const before = await navigations();
  for (let round = 0; round < 2; round += 1) {
    await page.reload();
    await waitForApp(page);
    await selectThing(page, 'thermo');
    const value = page.getByTestId('value-thermo-temperature');
    const first = await value.textContent();
    await expect.poll(() => value.textContent(), { timeout: LIVE_TIMEOUT }).not.toBe(first);
    expect(await page.evaluate(() => Reflect.get(window, 'e2eFirstSeq'))).toBe(1);
  }
  expect((await navigations()) - before).toBeGreaterThanOrEqual(2);
});

test('notifications and dialogs main opens can be recorded and answered by specs', async ({ desktopApp }) => {
  const { app } = desktop(desktopApp);
  await recordNotifications(app);
  await app.evaluate(({ Notification }) => new Notification({ title: 'Pressure high', body: 'vacuum: 1e-3 mbar' }).show());
  expect(await shownNotifications(app)).toContainEqual({ title: 'Pressure high', body: 'vacuum: 1e-3 mbar' });

  await answerNextSaveDialog(app, '/tmp/lab-export.csv');
  const answer = await app.evaluate(({ dialog }) => dialog.showSaveDialog({ title: 'Export', defaultPath: 'export.csv' }));
  expect(answer).toEqual({ canceled: false, filePath: '/tmp/lab-export.csv' });
  expect(await savedDialogOptions(app)).toContainEqual({ title: 'Export', defaultPath: 'export.csv' });

  const record = await standInRecord(app);
  if (record) {
    expect(record.notifications).toContainEqual(expect.objectContaining({ title: 'Pressure high', body: 'vacuum: 1e-3 mbar' }));
    // Unanswered, the stand-in's dialogs behave as if the operator cancelled; shell opens nothing but says what it was asked.
    expect(await app.evaluate(({ dialog }) => dialog.showSaveDialog({ title: 'Again' }))).toEqual({ canceled: true, filePath: '' });
    await app.evaluate(({ shell }) => shell.showItemInFolder('/tmp/lab-export.csv'));
    expect((await standInRecord(app))?.shellCalls).toContainEqual({ type: 'showItemInFolder', target: '/tmp/lab-export.csv' });
  }
});

test('the stand-in fails loudly on an Electron API it does not implement', async ({ desktopApp, transport }) => {
  test.skip(transport !== 'desktop', 'about the stand-in itself');
  const { app } = desktop(desktopApp);
  await expect(app.evaluate((electron) => Reflect.get(electron, 'Menu'))).rejects.toThrow(/electron\.Menu is not implemented/);
  await expect(app.evaluate(({ BrowserWindow }) => Reflect.get(BrowserWindow.getAllWindows()[0] ?? {}, 'setProgressBar'))).rejects.toThrow(/BrowserWindow\.setProgressBar is not implemented/);
  await expect(app.evaluate(({ app: electronApp }) => Reflect.get(electronApp, 'setBadgeCount'))).rejects.toThrow(/app\.setBadgeCount is not implemented/);
});

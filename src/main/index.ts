import { join } from 'node:path';
import { BrowserWindow, Notification, app, ipcMain, session } from 'electron';
import { parseCliArgs } from './cli';
import { registerElectronIpc, type ElectronIpc } from './ipc/electron-ipc';
import { MqttPublisher } from './services/mqtt-publisher/mqtt-publisher';
import { createLabCore, type LabCore } from './app/lab-core';
import { chooseInstrumentConfig } from './app/instrument-setup';
import { keepServingOnUnhandledRejection } from './core/last-resort';
import { appCsp, createAppUrlCheck, hardenWebContents, secureSession, type AppLocation } from './security';
import { createMainWindow, loadApp } from './window';
import { AlarmService } from './services/alarms';
import { showAlarmNotifications } from './notifications';

const location: AppLocation = {
  devServerUrl: app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL'],
  rendererFile: join(__dirname, '../renderer/index.html'),
};
const preloadPath = join(__dirname, '../preload/index.js');

let core: LabCore | undefined;
let ipc: ElectronIpc | undefined;
const windows = new Set<number>();

async function openWindow(): Promise<void> {
  const window = createMainWindow(preloadPath);
  const contents = window.webContents;
  const id = contents.id;
  windows.add(id);
  contents.once('destroyed', () => windows.delete(id));
  // A reload or navigation starts a new page that subscribes afresh.
  contents.on('did-start-navigation', (details) => {
    if (details.isMainFrame && !details.isSameDocument) ipc?.resetClient(contents);
  });
  // Registered before loading: the page calls as soon as its scripts run.
  await loadApp(window, location);
}

async function start(): Promise<void> {
  const cli = parseCliArgs(process.argv.slice(1));
  keepServingOnUnhandledRejection(console);
  secureSession(session.defaultSession, appCsp(location.devServerUrl));
  // Settings live in the user's data folder; the package itself is read-only.
  const instrumentConfig = chooseInstrumentConfig({
    explicit: cli.config,
    userFile: join(app.getPath('userData'), 'simulated-instruments.json'),
    shipped: join(app.getAppPath(), 'config', 'instruments.json'),
  });
  console.log(`Lab Monitor: ${instrumentConfig.note}`);
  let alarms: AlarmService | undefined;
  core = await createLabCore({
    instrumentConfig: instrumentConfig.config,
    connect: cli.connect,
    settingsPath: cli.settings ?? join(app.getPath('userData'), 'instruments.json'),
    dataDir: cli.data ?? app.getPath('userData'),
    services: (context) => {
      alarms = new AlarmService(context);
      return [alarms, new MqttPublisher(context, { url: cli.publish, writable: cli.publishWritable })];
    },
    reconnectMaxMs: cli.retryMaxMs,
  });
  if (alarms) showAlarmNotifications(alarms, { Notification, BrowserWindow });
  ipc = registerElectronIpc({
    ipcMain,
    core,
    isAllowedUrl: createAppUrlCheck(location),
    isOwnWebContents: (contents) => windows.has(contents.id),
  });
  await openWindow();
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const [window] = BrowserWindow.getAllWindows();
    if (window?.isMinimized()) window.restore();
    window?.focus();
  });
  // Every webContents, including any a page manages to create, gets the same rules.
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (core && BrowserWindow.getAllWindows().length === 0) void openWindow();
  });
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting || !core) return;
    // Stop drivers and timers cleanly before the process ends.
    event.preventDefault();
    quitting = true;
    ipc?.dispose();
    core.dispose().finally(() => app.quit());
  });
  app.whenReady().then(start).catch((error: unknown) => {
    console.error('Lab Monitor could not start:', error);
    app.exit(1);
  });
}

import { join } from 'node:path';
import { BrowserWindow, Notification, app, dialog, ipcMain, session } from 'electron';
import { parseCliArgs } from './cli';
import { registerElectronIpc, type ElectronIpc } from './ipc/electron-ipc';
import { MqttPublisher } from './services/mqtt-publisher/mqtt-publisher';
import { createLabCore, type LabCore } from './app/lab-core';
import { chooseInstrumentConfig } from './app/instrument-setup';
import { createRecorder } from './services/recorder/recorder';
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

/** Where exports are offered first: the Documents folder, else home (not every desktop has one). */
function documentsFolder(): string {
  try {
    return app.getPath('documents');
  } catch {
    return app.getPath('home');
  }
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
  // Settings and recordings: the user's data folder, or --data DIR.
  const dataDir = cli.data ?? app.getPath('userData');
  let alarms: AlarmService | undefined;
  core = await createLabCore({
    instrumentConfig: instrumentConfig.config,
    connect: cli.connect,
    settingsPath: cli.settings ?? join(dataDir, 'instruments.json'),
    dataDir,
    services: (context) => {
      alarms = new AlarmService(context, { reminderSec: cli.alarmReminderSec });
      return [createRecorder(context), alarms, new MqttPublisher(context, { url: cli.publish, writable: cli.publishWritable })];
    },
    chooseExportFile: async (suggestedName) => {
      const owner = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0];
      const options = {
        title: 'Export recording',
        defaultPath: join(documentsFolder(), suggestedName),
        filters: suggestedName.endsWith('.parquet')
          ? [{ name: 'Parquet', extensions: ['parquet'] }]
          : [{ name: 'CSV', extensions: ['csv'] }],
      };
      const chosen = owner ? await dialog.showSaveDialog(owner, options) : await dialog.showSaveDialog(options);
      return chosen.canceled || !chosen.filePath ? undefined : chosen.filePath;
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

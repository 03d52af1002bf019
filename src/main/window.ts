import { BrowserWindow } from 'electron';
import { secureWindowOptions, type AppLocation } from './security';

/** A window with the secure options; index.ts hardens every webContents as it is created. */
export function createMainWindow(preloadPath: string): BrowserWindow {
  const window = new BrowserWindow(secureWindowOptions(preloadPath));
  window.once('ready-to-show', () => window.show());
  return window;
}

/** Loads the renderer: the dev server in development, the built file otherwise. */
export async function loadApp(window: BrowserWindow, location: AppLocation): Promise<void> {
  if (location.devServerUrl) await window.loadURL(location.devServerUrl);
  else await window.loadFile(location.rendererFile);
}

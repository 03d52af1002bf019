import { BrowserWindow } from 'electron';
import { secureWindowOptions, type AppLocation } from './security';

/** Opens the main window with the secure options (index.ts hardens every webContents) and loads the renderer (dev server or built file). */
export async function createMainWindow(preloadPath: string, location: AppLocation): Promise<BrowserWindow> {
  const window = new BrowserWindow(secureWindowOptions(preloadPath));
  window.once('ready-to-show', () => window.show());
  if (location.devServerUrl) await window.loadURL(location.devServerUrl);
  else await window.loadFile(location.rendererFile);
  return window;
}

import { contextBridge, ipcRenderer } from 'electron';
import type { LabApi } from '../shared/contract';
import { createLabApi } from './lab-api';

// The page gets this one object, never ipcRenderer itself.
const lab = createLabApi(ipcRenderer) satisfies LabApi;
contextBridge.exposeInMainWorld('lab', lab);

'use strict';
/* global window, document */
// The scripts the stand-in runs in each window before the page's own: a small bridge in the
// page's world that can only receive what contextBridge.exposeInMainWorld sends, and, in a
// named isolated world (Chromium's, created through CDP like a DevTools world), the sandboxed
// preload environment: require('electron') with contextBridge and ipcRenderer, the limited
// `process`, nothing of Node. The functions below are serialised with toString() and injected;
// they must not close over anything.

/**
 * One side of the contextBridge: functions and promises cross as ids, plain data is copied by
 * the DOM (CustomEvent details are cloned between worlds). `outbound` and `inbound` are the two
 * event names, swapped between the sides.
 */
function bridgeSide(token, outbound, inbound, isMainWorld) {
  const doc = document;
  const dispatch = EventTarget.prototype.dispatchEvent;
  const listen = EventTarget.prototype.addEventListener;
  const Custom = CustomEvent;
  const detailOf = Object.getOwnPropertyDescriptor(CustomEvent.prototype, 'detail').get;
  const { defineProperty, freeze, keys, getPrototypeOf } = Object;
  const NativePromise = Promise;
  const NativeError = Error;
  const isArray = Array.isArray;
  const FN = '\u0000fn';
  const PROMISE = '\u0000promise';
  const ERROR = '\u0000error';
  const functions = new Map();
  const promises = new Map();
  const replies = new Map();
  let nextId = 1;

  const send = (message) => Reflect.apply(dispatch, doc, [new Custom(`${token}:${outbound}`, { detail: message })]);

  const encode = (value, depth = 0) => {
    if (depth > 64) throw new NativeError('contextBridge: object too deep to copy');
    if (typeof value === 'function') {
      const id = nextId++;
      functions.set(id, value);
      return { [FN]: id };
    }
    if (value instanceof NativeError) return { [ERROR]: { name: value.name, message: value.message } };
    if (value !== null && typeof value === 'object' && typeof value.then === 'function') {
      const id = nextId++;
      NativePromise.resolve(value).then(
        (result) => send({ kind: 'settle', id, ok: true, value: encode(result) }),
        (error) => send({ kind: 'settle', id, ok: false, value: encode(error instanceof NativeError ? error : new NativeError(String(error))) }),
      );
      return { [PROMISE]: id };
    }
    if (isArray(value)) {
      const out = [];
      for (let i = 0; i < value.length; i += 1) out.push(encode(value[i], depth + 1));
      return out;
    }
    if (value !== null && typeof value === 'object') {
      const proto = getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return value; // cloned by the DOM (Date, typed arrays...)
      const out = {};
      for (const key of keys(value)) out[key] = encode(value[key], depth + 1);
      return out;
    }
    return value;
  };

  const decode = (value) => {
    if (isArray(value)) return value.map(decode);
    if (value === null || typeof value !== 'object') return value;
    if (FN in value) {
      const id = value[FN];
      return (...args) => applyRemote(id, args);
    }
    if (PROMISE in value) {
      const id = value[PROMISE];
      return new NativePromise((resolve, reject) => promises.set(id, { resolve, reject }));
    }
    if (ERROR in value) {
      const error = new NativeError(value[ERROR].message);
      error.name = value[ERROR].name;
      return error;
    }
    const out = {};
    for (const key of keys(value)) out[key] = decode(value[key]);
    return out;
  };

  const applyRemote = (id, args) => {
    const call = nextId++;
    send({ kind: 'apply', fn: id, call, args: encode(args) });
    const reply = replies.get(call);
    replies.delete(call);
    if (!reply) throw new NativeError('contextBridge: the other world did not answer');
    if (reply.error) throw decode(reply.error);
    return decode(reply.value);
  };

  Reflect.apply(listen, doc, [
    `${token}:${inbound}`,
    (event) => {
      const message = Reflect.apply(detailOf, event, []);
      if (message === null || typeof message !== 'object') return;
      if (message.kind === 'return') replies.set(message.call, message);
      else if (message.kind === 'settle') {
        const waiting = promises.get(message.id);
        promises.delete(message.id);
        if (waiting) (message.ok ? waiting.resolve : waiting.reject)(decode(message.value));
      } else if (message.kind === 'apply') {
        const fn = functions.get(message.fn);
        try {
          if (!fn) throw new NativeError('contextBridge: the function is gone');
          send({ kind: 'return', call: message.call, value: encode(fn(...decode(message.args))) });
        } catch (error) {
          send({ kind: 'return', call: message.call, error: encode(error instanceof NativeError ? error : new NativeError(String(error))) });
        }
      } else if (message.kind === 'expose' && isMainWorld) {
        try {
          if (message.key in window) throw new NativeError(`Cannot bind an API on top of an existing property on the window object: ${message.key}`);
          const api = decode(message.value);
          defineProperty(window, message.key, { value: api !== null && typeof api === 'object' ? freeze(api) : api, enumerable: true });
          send({ kind: 'return', call: message.call, value: null });
        } catch (error) {
          send({ kind: 'return', call: message.call, error: encode(error) });
        }
      }
    },
  ]);

  return {
    expose(key, api) {
      const call = nextId++;
      send({ kind: 'expose', key, call, value: encode(api) });
      const reply = replies.get(call);
      replies.delete(call);
      if (!reply) throw new NativeError('contextBridge: the main world bridge is missing');
      if (reply.error) throw decode(reply.error);
    },
  };
}

/** Runs in the page's own world: the receiving half of contextBridge, nothing else. */
function mainWorld(token, bridge) {
  if (window.top !== window) return; // preloads run in the main frame only
  bridge(token, 'm2i', 'i2m', true);
}

/** Runs in the isolated world: IPC over the CDP binding, then the preload (main frame only). */
function isolatedWorld(config, bridge, preload) {
  const binding = globalThis[config.binding];
  const post = (message) => binding(JSON.stringify(message));
  const pending = new Map();
  const listeners = new Map();
  let nextInvoke = 1;

  const strict = (target, name) =>
    new Proxy(target, {
      get(object, property, receiver) {
        if (typeof property === 'symbol' || property in object || property === 'then' || property === 'toJSON') return Reflect.get(object, property, receiver);
        throw new Error(`Electron stand-in: ${name}.${String(property)} is not implemented (tests/electron-stand-in)`);
      },
    });

  // Main answers invokes and sends events through this one function, by Runtime.evaluate.
  globalThis[config.deliver] = (message) => {
    if (message.type === 'reply') {
      const waiting = pending.get(message.id);
      pending.delete(message.id);
      if (!waiting) return;
      if (message.ok) waiting.resolve(message.value);
      else waiting.reject(new Error(message.error));
    } else if (message.type === 'event') {
      const event = { sender: ipcRenderer, senderId: 0, ports: [] };
      for (const listener of [...(listeners.get(message.channel) ?? [])]) {
        try {
          listener(event, ...message.args);
        } catch (error) {
          console.error(`Error in an ipcRenderer listener for ${message.channel}:`, error);
        }
      }
    }
  };

  if (window.top !== window) return;

  const serialise = (args) => {
    const text = JSON.stringify(args, (_key, value) => {
      if (typeof value === 'function' || typeof value === 'symbol') throw new Error('An object could not be cloned.');
      return value;
    });
    return JSON.parse(text ?? '[]');
  };

  const ipcRenderer = strict(
    {
      invoke(channel, ...args) {
        const id = nextInvoke++;
        return new Promise((resolve, reject) => {
          pending.set(id, { resolve, reject });
          post({ type: 'invoke', id, channel: String(channel), args: serialise(args) });
        });
      },
      send(channel, ...args) {
        post({ type: 'send', channel: String(channel), args: serialise(args) });
      },
      on(channel, listener) {
        if (!listeners.has(channel)) listeners.set(channel, []);
        listeners.get(channel).push(listener);
        return ipcRenderer;
      },
      once(channel, listener) {
        const wrapped = (...args) => {
          ipcRenderer.removeListener(channel, wrapped);
          listener(...args);
        };
        return ipcRenderer.on(channel, wrapped);
      },
      removeListener(channel, listener) {
        const list = listeners.get(channel) ?? [];
        const index = list.indexOf(listener);
        if (index >= 0) list.splice(index, 1);
        return ipcRenderer;
      },
      off(channel, listener) {
        return ipcRenderer.removeListener(channel, listener);
      },
      removeAllListeners(channel) {
        if (channel === undefined) listeners.clear();
        else listeners.delete(channel);
        return ipcRenderer;
      },
      listenerCount(channel) {
        return (listeners.get(channel) ?? []).length;
      },
    },
    'ipcRenderer',
  );

  const side = bridge(config.token, 'i2m', 'm2i', false);
  const contextBridge = strict(
    {
      exposeInMainWorld(key, api) {
        if (typeof key !== 'string' || key === '') throw new TypeError('contextBridge.exposeInMainWorld needs a key');
        side.expose(key, api);
      },
    },
    'contextBridge',
  );
  const electron = strict({ ipcRenderer, contextBridge }, "require('electron') in the preload");

  // What a sandboxed preload may require: electron, events, timers, url. Anything else fails
  // as it does in Electron.
  const sandboxedRequire = (name) => {
    if (name === 'electron' || name === 'electron/renderer') return electron;
    if (name === 'events' || name === 'timers' || name === 'url') throw new Error(`Electron stand-in: require('${name}') in a sandboxed preload is not implemented (tests/electron-stand-in)`);
    throw new Error(`module not found: ${name}`);
  };
  const sandboxedProcess = strict(
    {
      platform: config.platform,
      arch: config.arch,
      versions: config.versions,
      env: {},
      argv: [],
      type: 'renderer',
      sandboxed: true,
      contextIsolated: true,
      isMainFrame: true,
    },
    'process (sandboxed preload)',
  );
  const module = { exports: {} };
  try {
    preload(sandboxedRequire, module, module.exports, sandboxedProcess, globalThis);
  } catch (error) {
    post({ type: 'preload-error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
}

/** The main-world script for a window. */
function mainWorldSource(token) {
  return `(${mainWorld.toString()})(${JSON.stringify(token)}, ${bridgeSide.toString()});`;
}

/** The isolated-world script for a window: the bootstrap around the real preload bundle. */
function isolatedWorldSource(config, preloadSource) {
  const preload =
    preloadSource === undefined
      ? 'function () {}'
      : `function (require, module, exports, process, global) {\n${preloadSource}\n}`;
  return `(${isolatedWorld.toString()})(${JSON.stringify(config)}, ${bridgeSide.toString()}, ${preload});`;
}

module.exports = { mainWorldSource, isolatedWorldSource };

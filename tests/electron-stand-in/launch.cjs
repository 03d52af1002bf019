'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS: loaded by Node's require before anything is built */
// Starts an Electron app's main process in Node with the stand-in as its `electron` module,
// taking the command line Electron takes: `electron [switches] <app folder | main script> [args]`.
// Under Playwright's _electron.launch (which adds --inspect=0 and --remote-debugging-port=0)
// it opens the Node inspector and prints Chromium's DevTools endpoint, as Electron does.
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');

const standIn = path.join(__dirname, 'electron.cjs');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'electron' || request === 'electron/main') return standIn;
  return Reflect.apply(resolveFilename, this, [request, ...rest]);
};

const args = process.argv.slice(2);
const inspect = args.find((arg) => /^--inspect(-brk)?(=|$)/.test(arg));
if (inspect !== undefined) {
  const value = inspect.includes('=') ? inspect.slice(inspect.indexOf('=') + 1) : '9229';
  const [host, port] = value.includes(':') ? value.split(':') : ['127.0.0.1', value];
  require('node:inspector').open(Number(port), host);
}

const appArg = args.find((arg) => !arg.startsWith('-'));
if (appArg === undefined) {
  console.error('usage: electron [switches] <app folder | main script> [arguments]');
  process.exit(2);
}
const target = path.resolve(appArg);
let appPath;
let mainFile;
let packageJson = {};
if (fs.statSync(target).isDirectory()) {
  appPath = target;
  packageJson = JSON.parse(fs.readFileSync(path.join(target, 'package.json'), 'utf8'));
  mainFile = path.resolve(target, packageJson.main ?? 'index.js');
} else {
  appPath = path.dirname(target);
  mainFile = target;
}

// As in Electron: argv[0] is the executable, then the switches, the app and its arguments.
process.argv = [process.execPath, ...args];
globalThis.__labStandInLaunch = { appPath, packageJson, argv: process.argv.slice(1) };
require(mainFile);

// The one place that says how Lab Monitor's tests, benchmarks and icon renderer start
// Chromium: Debian's build (never a downloaded one), with the switches that keep it off the
// network and GPU-free on build machines.
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

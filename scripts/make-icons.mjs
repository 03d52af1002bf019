// Renders build/icon.svg (the one source image) into every icon file the installers use:
//   build/icon.png            1024×1024, the master PNG
//   build/icons/NxN.png       Linux icon set (AppImage, deb), 16…512
//   build/icon.ico            Windows (PNG-compressed entries 16…256)
//   build/icon.icns           macOS (PNG entries 16…1024)
// Usage: npm run icons   (needs Chromium; CHROMIUM_PATH overrides /usr/bin/chromium)
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.mjs';

/* global document, HTMLImageElement -- used in the page callback, which runs in Chromium */

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = join(root, 'build');

export const LINUX_SIZES = [16, 24, 32, 48, 64, 128, 256, 512];
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
// ICNS element types holding PNG data, by pixel size (the @2x types reuse the larger renders).
export const ICNS_TYPES = [
  ['icp4', 16], ['icp5', 32], ['ic11', 32], ['icp6', 64], ['ic12', 64],
  ['ic07', 128], ['ic08', 256], ['ic13', 256], ['ic09', 512], ['ic14', 512], ['ic10', 1024],
];

/** Windows .ico whose entries are PNG images (supported since Windows Vista). */
export function makeIco(pngs) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(pngs.length, 4);
  const entries = [];
  let offset = 6 + 16 * pngs.length;
  for (const { size, data } of pngs) {
    const entry = Buffer.alloc(16);
    entry.writeUInt8(size >= 256 ? 0 : size, 0); // 0 means 256
    entry.writeUInt8(size >= 256 ? 0 : size, 1);
    entry.writeUInt8(0, 2); // palette colours
    entry.writeUInt8(0, 3); // reserved
    entry.writeUInt16LE(1, 4); // colour planes
    entry.writeUInt16LE(32, 6); // bits per pixel
    entry.writeUInt32LE(data.length, 8);
    entry.writeUInt32LE(offset, 12);
    entries.push(entry);
    offset += data.length;
  }
  return Buffer.concat([header, ...entries, ...pngs.map((p) => p.data)]);
}

/** macOS .icns made of PNG elements. */
export function makeIcns(elements) {
  const chunks = elements.map(({ type, data }) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'ascii');
    head.writeUInt32BE(data.length + 8, 4);
    return Buffer.concat([head, data]);
  });
  const body = Buffer.concat(chunks);
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(body.length + 8, 4);
  return Buffer.concat([head, body]);
}

async function render(svg, sizes) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
  });
  try {
    const page = await browser.newPage();
    const src = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
    const out = new Map();
    for (const size of sizes) {
      await page.setViewportSize({ width: size, height: size });
      await page.setContent(
        `<!doctype html><html><body style="margin:0;background:transparent">` +
          `<img id="i" src="${src}" width="${size}" height="${size}" style="display:block"></body></html>`,
      );
      await page.waitForFunction(() => {
        const img = document.getElementById('i');
        return img instanceof HTMLImageElement && img.complete && img.naturalWidth > 0;
      });
      out.set(size, await page.screenshot({ omitBackground: true, type: 'png' }));
    }
    return out;
  } finally {
    await browser.close();
  }
}

async function main() {
  const svg = await readFile(join(buildDir, 'icon.svg'), 'utf8');
  const sizes = [...new Set([1024, ...LINUX_SIZES, ...ICO_SIZES, ...ICNS_TYPES.map(([, s]) => s)])];
  const png = await render(svg, sizes);
  const get = (size) => {
    const data = png.get(size);
    if (!data) throw new Error(`no render at ${size}px`);
    return data;
  };

  await writeFile(join(buildDir, 'icon.png'), get(1024));
  await mkdir(join(buildDir, 'icons'), { recursive: true });
  for (const size of LINUX_SIZES) {
    await writeFile(join(buildDir, 'icons', `${size}x${size}.png`), get(size));
  }
  await writeFile(join(buildDir, 'icon.ico'), makeIco(ICO_SIZES.map((size) => ({ size, data: get(size) }))));
  await writeFile(join(buildDir, 'icon.icns'), makeIcns(ICNS_TYPES.map(([type, size]) => ({ type, data: get(size) }))));
  console.log(`icons written to build/: icon.png, icons/{${LINUX_SIZES.join(',')}}, icon.ico, icon.icns`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}

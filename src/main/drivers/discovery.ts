import { z } from 'zod';
import { LabError } from '../../shared/errors';
import { ThingDescription } from '../../shared/model';
import type { ThingDriver } from '../things/driver';
import type { InstrumentLink, KindContext } from './driver-kind';
import { BODY_LIMITS, HttpClient, httpError, redactUrl } from './http';
import type { RemoteDriverOptions } from './remote-driver';
import type { Logger } from '../core/logger';
import { looksLikeLabThings } from './td-forms';

export interface DiscoveredThing {
  /** The server's own name for it (LabThings path segment, or from the URL / title). */
  key: string;
  td: ThingDescription;
  tdUrl: string;
}

export interface Discovery {
  kind: 'labthings' | 'wot';
  things: DiscoveredThing[];
}

const withSlash = (url: string): string => (url.endsWith('/') ? url : `${url}/`);
const slug = (text: string): string => text.trim().toLowerCase().replace(/[^a-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'thing';

/**
 * What an http(s) URL points at: a LabThings server root (GET thing_descriptions/ answers
 * a map or list of TDs), or a single TD, which is LabThings-shaped or generic WoT.
 * Network failures throw DISCONNECTED (try again later); anything that is not a TD throws
 * DRIVER_FAULT with what was wrong.
 */
export async function discover(url: string, http: HttpClient, logger: Logger): Promise<Discovery> {
  const root = await http.request({
    method: 'GET',
    url: new URL('thing_descriptions/', withSlash(url)).toString(),
    what: `listing the Things of ${redactUrl(url)}`,
    maxBytes: BODY_LIMITS.td,
  });
  if (root.status === 200 && root.body !== null && typeof root.body === 'object') {
    const entries: [string, unknown][] = Array.isArray(root.body)
      ? root.body.map((td, index): [string, unknown] => [String(index), td])
      : Object.entries(root.body);
    const things: DiscoveredThing[] = [];
    for (const [key, raw] of entries) {
      const parsed = ThingDescription.safeParse(raw);
      if (!parsed.success) {
        logger.warn(`${redactUrl(url)}: Thing "${key}" has a Thing Description that does not parse; skipped`);
        continue;
      }
      const name = Array.isArray(root.body) ? slug(parsed.data.title) : key;
      things.push({ key: name, td: parsed.data, tdUrl: new URL(`${encodeURIComponent(name)}/`, withSlash(url)).toString() });
    }
    if (things.length === 0 && entries.length > 0) {
      throw new LabError('DRIVER_FAULT', `${redactUrl(url)}: none of the Thing Descriptions parses`);
    }
    return { kind: 'labthings', things };
  }
  const single = await http.request({ method: 'GET', url, what: `fetching the Thing Description at ${redactUrl(url)}`, maxBytes: BODY_LIMITS.td });
  if (single.status !== 200) throw httpError(single.status, single.body, 'get', `fetching the Thing Description at ${redactUrl(url)}`);
  const parsed = ThingDescription.safeParse(single.body);
  if (!parsed.success) {
    throw new LabError('DRIVER_FAULT', `${redactUrl(url)} is not a Thing Description: ${z.prettifyError(parsed.error).slice(0, 300)}`);
  }
  const td = parsed.data;
  const lastSegment = new URL(url).pathname.split('/').filter(Boolean).pop();
  if (looksLikeLabThings(td)) {
    return { kind: 'labthings', things: [{ key: lastSegment ?? slug(td.title), td, tdUrl: url }] };
  }
  return { kind: 'wot', things: [{ key: slug(td.title), td, tdUrl: url }] };
}

/**
 * Connects the Things an http(s) URL leads to, when discovery says they are of `kind`: each
 * gets its driver from `build`, is handed over and started. Discovery runs once per attempt
 * whichever HTTP kind asks first.
 */
export async function connectDiscovered(
  context: KindContext,
  kind: Discovery['kind'],
  build: (options: RemoteDriverOptions) => ThingDriver,
): Promise<InstrumentLink | undefined> {
  const http = new HttpClient(context.fetch, context.credentials, undefined, {
    credentialOrigin: context.credentialOrigin,
    signal: () => context.signal,
  });
  const found = await context.memo('http-discovery', () => discover(context.url, http, context.logger));
  if (found.kind !== kind) return undefined;
  for (const thing of found.things) {
    // A retry after a partial discovery brings in only what is still missing.
    if (context.known?.(thing.key)) continue;
    let driver: ThingDriver;
    try {
      driver = build({
        name: context.uniqueName(thing.key),
        td: thing.td,
        tdUrl: thing.tdUrl,
        publisher: context.publisher,
        fetch: context.fetch,
        credentials: context.credentials,
        credentialOrigin: context.credentialOrigin,
        clock: context.clock,
        backoff: context.backoff,
        logger: context.logger,
        ...context.driverOptions,
      });
    } catch (error) {
      // One Thing that cannot be driven never takes its siblings down (nor adds them twice).
      context.logger.warn(`${redactUrl(context.url)}: Thing "${thing.key}" skipped: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    context.onThing(driver, thing.key);
    void driver.start();
  }
  // Each Thing reconnects by itself; the manager stops them through the registry.
  return { stop: async () => undefined };
}

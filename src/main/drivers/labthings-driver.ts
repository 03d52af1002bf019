import WebSocket from 'ws';
import { z } from 'zod';
import { LabError } from '../../shared/errors';
import {
  LOST_ON_RESTART,
  TERMINAL_STATUSES,
  type ActionEventPayload,
  type Invocation,
  type ThingDescription,
} from '../../shared/model';
import { Message } from '../core/message';
import { jsonDepthProblem } from '../../shared/bounded-json';
import { connectDiscovered } from './discovery';
import type { DriverKind } from './driver-kind';
import { authHeadersFor, BODY_LIMITS, HttpClient, httpError, redactUrl } from './http';
import { LtInvocation, LtWsFrame, toInvocation, type LtWsFrame as LtWsFrameType } from './labthings-wire';
import { reasonOf } from './reconnect';
import { lostDetail, RemoteThingDriver, type RemoteDriverOptions } from './remote-driver';
import { ownedTimeout, toIso } from '../core/clock';
import type { DisposableStore } from '../../shared/disposable';
import { findForm } from './td-forms';

export type { RemoteDriverOptions } from './remote-driver';

interface Tracked {
  invocation: Invocation;
  href: string;
  outputHref?: string;
  /** Log records already published. */
  published: number;
  /** Fingerprint of the last published state, to publish changes only. */
  fingerprint: string;
}

/** Invocations of a list call read back in full (the newest); older ones stay summaries. */
const MAX_DETAILED = 50;

const isTerminal = (invocation: Invocation): boolean => TERMINAL_STATUSES.includes(invocation.status);
const fingerprint = (invocation: Invocation): string =>
  JSON.stringify([
    invocation.status,
    invocation.progress,
    invocation.timeStarted,
    invocation.timeCompleted,
    invocation.log.length,
    invocation.output,
    invocation.error,
  ]);

/**
 * A Thing on a labthings-fastapi (v0.3.0) server. Properties and actions over HTTP, live
 * updates over `ws://<host>/<thing>/ws`. The socket's actionStatus frames carry no
 * invocation id, so invocations are followed through their HTTP resources: polled while
 * running and refreshed on every actionStatus of their action.
 */
export class LabThingsDriver extends RemoteThingDriver {
  readonly source = 'labthings' as const;

  private readonly wsUrl: string;
  private readonly http: HttpClient;
  private readonly invocationPollMs: number;
  private readonly propertyPollMs: number;

  private readonly invocations = new Map<string, Tracked>();
  /** Properties the server refused to observe (functional ones): polled instead. */
  private readonly polled = new Set<string>();
  /** The run whose invocation poll is pending or running (one poll chain per run). */
  private invocationPollOf: DisposableStore | undefined;
  /** The connection whose property poll is pending or running (one poll chain per connection). */
  private propertyPollOf: DisposableStore | undefined;
  /** Actions being listed (a run started elsewhere); a second request while one runs waits for it. */
  private readonly discovering = new Map<string, Promise<void>>();
  /** Finished invocations read back in full for a list call (output, log): they no longer change. */
  private readonly details = new Map<string, Invocation>();

  constructor(options: RemoteDriverOptions) {
    super(options, 'LabThings Thing');
    this.http = new HttpClient(options.fetch, options.credentials, undefined, {
      credentialOrigin: this.credentialOrigin,
      signal: () => this.lifetime,
    });
    this.invocationPollMs = options.invocationPollMs ?? 300;
    this.propertyPollMs = options.propertyPollMs ?? 1000;
    this.wsUrl = labThingsSocketUrl(this.td, this.base, options.tdUrl);
  }

  // ---- properties -------------------------------------------------------------------

  async readProperty(property: string): Promise<unknown> {
    const affordance = this.property(property);
    const url = this.href(findForm(affordance.forms, 'readproperty')?.href ?? this.fallbackHref(property));
    const response = await this.http.request({ method: 'GET', url, what: `reading ${this.name}.${property}` });
    if (response.status !== 200) throw httpError(response.status, response.body, 'read', `reading ${this.name}.${property}`);
    return this.checkedRead(property, response.body);
  }

  async writeProperty(property: string, value: unknown): Promise<void> {
    const affordance = this.property(property);
    const url = this.href(findForm(affordance.forms, 'writeproperty')?.href ?? this.fallbackHref(property));
    const response = await this.http.request({ method: 'PUT', url, body: value, what: `writing ${this.name}.${property}` });
    if (response.status < 200 || response.status >= 300) {
      throw httpError(response.status, response.body, 'write', `writing ${this.name}.${property}`);
    }
  }

  // ---- actions ----------------------------------------------------------------------

  async invokeAction(action: string, input: unknown): Promise<Invocation> {
    const affordance = this.td.actions[action];
    if (!affordance) throw new LabError('NOT_FOUND', `"${this.name}" has no action "${action}"`);
    const url = this.href(findForm(affordance.forms, 'invokeaction')?.href ?? this.fallbackHref(action));
    const response = await this.http.request({
      method: 'POST',
      url,
      body: input === undefined ? {} : input,
      what: `invoking ${this.name}.${action}`,
      maxBytes: BODY_LIMITS.output,
    });
    if (response.status < 200 || response.status >= 300) {
      throw httpError(response.status, response.body, 'invoke', `invoking ${this.name}.${action}`);
    }
    const raw = this.parseInvocation(response.body, `invoking ${this.name}.${action}`);
    return this.track(raw, action).invocation;
  }

  async getInvocation(id: string): Promise<Invocation> {
    const known = this.invocations.get(id);
    if (known && isTerminal(known.invocation)) return known.invocation;
    return (await this.refresh(id, known?.href ?? this.invocationHref(id))).invocation;
  }

  async cancelInvocation(id: string): Promise<Invocation> {
    const tracked = this.invocations.get(id);
    const href = tracked?.href ?? this.invocationHref(id);
    const response = await this.http.request({ method: 'DELETE', url: href, what: `cancelling invocation ${id} of ${this.name}` });
    if (response.status === 404 && tracked) {
      // The server restarted and forgot it: nothing is left to cancel.
      if (!isTerminal(tracked.invocation)) this.lose(tracked, LOST_ON_RESTART);
      return tracked.invocation;
    }
    if (response.status < 200 || response.status >= 300) {
      throw httpError(response.status, response.body, 'cancel', `cancelling invocation ${id}`);
    }
    return (await this.refresh(id, href)).invocation;
  }

  async listInvocations(): Promise<Invocation[]> {
    const url = this.href('action_invocations');
    const response = await this.http.request({ method: 'GET', url, what: `listing the invocations of ${this.name}`, maxBytes: BODY_LIMITS.output });
    if (response.status !== 200) throw httpError(response.status, response.body, 'get', 'listing invocations');
    const parsed = z.array(LtInvocation).safeParse(response.body);
    if (!parsed.success) throw new LabError('DRIVER_FAULT', `listing invocations: unexpected answer (${z.prettifyError(parsed.error)})`);
    const now = toIso(this.clock.now());
    // The list holds summaries only (no input, output or log): read the newest in full.
    const ours = parsed.data.flatMap((raw) => {
      const action = this.actionOf(raw.action);
      return action ? [{ raw, action }] : [];
    });
    const detailed = new Set(ours.slice(-MAX_DETAILED).map(({ raw }) => raw.id));
    return Promise.all(
      ours.map(async ({ raw, action }) => {
        const known = this.invocations.get(raw.id)?.invocation ?? this.details.get(raw.id);
        if (known) return known;
        if (!detailed.has(raw.id)) return toInvocation(raw, this.name, action, now);
        try {
          return await this.readFull(raw, action);
        } catch (error) {
          this.logger.warn(`${this.name}: reading invocation ${raw.id}: ${reasonOf(error)}`);
          return toInvocation(raw, this.name, action, now);
        }
      }),
    );
  }

  /** One invocation in full (and its output when finished), without tracking or publishing it. */
  private async readFull(summary: LtInvocation, action: string): Promise<Invocation> {
    const response = await this.http.request({ method: 'GET', url: this.href(summary.href) });
    if (response.status !== 200) throw httpError(response.status, response.body, 'get', `invocation ${summary.id}`);
    const raw = this.parseInvocation(response.body, `invocation ${summary.id}`);
    if (raw.status === 'completed' && !('output' in raw && raw.output !== null)) raw.output = await this.fetchOutput(raw);
    const invocation = toInvocation(raw, this.name, action, toIso(this.clock.now()));
    if (isTerminal(invocation)) {
      this.details.set(invocation.id, invocation);
      const oldest = this.details.keys().next().value;
      if (this.details.size > MAX_DETAILED * 4 && oldest !== undefined) this.details.delete(oldest);
    }
    return invocation;
  }

  // ---- session ----------------------------------------------------------------------

  protected async connect(session: number): Promise<void> {
    const httpEquivalent = this.wsUrl.replace(/^ws/, 'http');
    const owned = this.session;
    const socket = new WebSocket(this.wsUrl, {
      headers: authHeadersFor(httpEquivalent, this.credentials, this.credentialOrigin),
      handshakeTimeout: 10_000,
      maxPayload: BODY_LIMITS.value,
    });
    owned.add(() => {
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.terminate();
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', (error) => reject(new LabError('DISCONNECTED', `WebSocket ${redactUrl(this.wsUrl)}: ${error.message}`)));
      socket.once('unexpected-response', (_request, response) =>
        reject(new LabError('DISCONNECTED', `WebSocket ${redactUrl(this.wsUrl)}: HTTP ${response.statusCode}`)),
      );
    });
    socket.on('message', (data) => this.onFrame(data.toString()));
    socket.on('close', (code, reason) =>
      this.loop.lost(session, `server closed the connection (${code}${reason.length ? ` ${reason.toString()}` : ''})`),
    );
    socket.on('error', (error) => this.loop.lost(session, error.message));

    // Observe first, then read: a change between the two is then not lost. One property
    // per frame, because a refused key makes the server skip the keys after it.
    this.polled.clear();
    for (const property of Object.keys(this.td.properties)) {
      socket.send(JSON.stringify({ messageType: 'addPropertyObservation', data: { [property]: true } }));
    }
    for (const action of Object.keys(this.td.actions)) {
      socket.send(JSON.stringify({ messageType: 'addActionObservation', data: { [action]: true } }));
    }
    for (const [property, affordance] of Object.entries(this.td.properties)) {
      if (affordance.writeOnly === true) continue;
      try {
        const value = await this.readProperty(property);
        if (!this.loop.isCurrent(session)) return;
        this.publishProperty(property, value);
      } catch (error) {
        if (error instanceof LabError && (error.code === 'DISCONNECTED' || error.code === 'TIMEOUT')) throw error;
        this.logger.warn(`${this.name}.${property}: ${reasonOf(error)}`);
      }
    }
    // Invocations may have moved on while we were away, or be gone with a server restart;
    // runs started meanwhile by someone else are listed again.
    for (const [id, tracked] of this.invocations) {
      if (!isTerminal(tracked.invocation)) void this.refreshQuietly(id);
    }
    void this.relist(session);
  }

  /** Follows every pending or running invocation the server lists that we do not follow yet. */
  private async relist(session: number): Promise<void> {
    try {
      const response = await this.http.request({ method: 'GET', url: this.href('action_invocations') });
      if (response.status !== 200 || !this.loop.isCurrent(session)) return;
      const parsed = z.array(LtInvocation).safeParse(response.body);
      if (!parsed.success) return;
      for (const raw of parsed.data) {
        if ((raw.status === 'pending' || raw.status === 'running') && !this.invocations.has(raw.id) && this.actionOf(raw.action)) {
          await this.refreshQuietly(raw.id, raw.href);
        }
      }
    } catch (error) {
      this.logger.warn(`${this.name}: listing invocations after connecting: ${reasonOf(error)}`);
    }
  }

  protected endOpenInvocations(reason: string): void {
    for (const tracked of this.invocations.values()) if (!isTerminal(tracked.invocation)) this.lose(tracked, reason);
  }

  /** An invocation we can no longer follow ends as failed with the reason, and is no longer polled. */
  private lose(tracked: Tracked, reason: string): void {
    tracked.invocation = {
      ...tracked.invocation,
      status: 'error',
      timeCompleted: toIso(this.clock.now()),
      error: { title: reason, detail: lostDetail(reason, this.name, tracked.invocation.id) },
    };
    this.logger.warn(`${this.name}: invocation ${tracked.invocation.id} (${tracked.invocation.action}) ${reason}`);
    this.publishInvocation(tracked);
  }

  private onFrame(text: string): void {
    if (this.stopped) return;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.logger.warn(`${this.name}: WebSocket frame is not JSON, ignored`);
      return;
    }
    const deep = jsonDepthProblem(json);
    if (deep !== undefined) {
      this.logger.warn(`${this.name}: WebSocket frame ${deep}, ignored`);
      return;
    }
    const parsed = LtWsFrame.safeParse(json);
    if (!parsed.success) {
      this.logger.warn(`${this.name}: unexpected WebSocket frame ignored`);
      return;
    }
    this.handleFrame(parsed.data);
  }

  private handleFrame(frame: LtWsFrameType): void {
    switch (frame.messageType) {
      case 'propertyStatus':
        for (const [property, value] of Object.entries(frame.data)) {
          if (this.td.properties[property]) this.publishProperty(property, value);
        }
        return;
      case 'actionStatus':
        this.onActionStatus(frame.data['action name'], frame.data.status);
        return;
      case 'response': {
        if (!frame.error) return;
        const status = String(frame.error.status ?? '');
        const what = `${frame.operation ?? 'operation'} ${frame.name ?? ''}`.trim();
        if (frame.operation === 'observeproperty' && frame.name && status === '403' && this.td.properties[frame.name]) {
          // Functional properties cannot be observed: poll them instead.
          this.polled.add(frame.name);
          this.setFreshness(frame.name, { mode: 'polled', periodMs: this.propertyPollMs });
          this.schedulePropertyPoll();
          return;
        }
        this.logger.warn(`${this.name}: server refused ${what}: ${status} ${frame.error.detail ?? frame.error.title ?? ''}`);
        return;
      }
    }
  }

  private onActionStatus(action: string, status: string): void {
    let followed = false;
    for (const [id, tracked] of this.invocations) {
      if (tracked.invocation.action === action && !isTerminal(tracked.invocation)) {
        followed = true;
        void this.refreshQuietly(id);
      }
    }
    // Someone else (another client, the instrument itself) started it: find it by listing.
    // A `pending` frame is a new run even while we follow another one of the same action.
    if (!followed || status === 'pending') void this.discover(action);
  }

  /** Lists the action's invocations; a request while a listing runs is served by one more listing after it. */
  private discover(action: string): Promise<void> {
    const running = this.discovering.get(action);
    const next = (running ?? Promise.resolve()).then(() => this.discoverOnce(action));
    const settled = next.finally(() => {
      if (this.discovering.get(action) === settled) this.discovering.delete(action);
    });
    this.discovering.set(action, settled);
    return settled;
  }

  private async discoverOnce(action: string): Promise<void> {
    const affordance = this.td.actions[action];
    if (!affordance || this.stopped) return;
    try {
      const url = this.href(findForm(affordance.forms, 'invokeaction')?.href ?? this.fallbackHref(action));
      const response = await this.http.request({ method: 'GET', url, what: `listing ${this.name}.${action} invocations`, maxBytes: BODY_LIMITS.output });
      if (response.status !== 200) return;
      const parsed = z.array(LtInvocation).safeParse(response.body);
      if (!parsed.success) return;
      for (const raw of parsed.data) {
        if (raw.status === 'pending' || raw.status === 'running') {
          if (!this.invocations.has(raw.id)) await this.refreshQuietly(raw.id, raw.href);
        }
      }
    } catch (error) {
      this.logger.warn(`${this.name}: listing ${action} invocations: ${reasonOf(error)}`);
    }
  }

  private schedulePropertyPoll(): void {
    const owned = this.session;
    if (this.propertyPollOf === owned || this.polled.size === 0 || this.stopped) return;
    const session = this.loop.current;
    this.propertyPollOf = owned;
    ownedTimeout(owned, this.clock, async () => {
      this.propertyPollOf = undefined;
      for (const property of this.polled) {
        try {
          const value = await this.readProperty(property);
          if (!this.loop.isCurrent(session)) return;
          // Every read is published, changed or not: it confirms the value (its age restarts).
          this.publishProperty(property, value);
        } catch (error) {
          this.logger.warn(`${this.name}.${property}: ${reasonOf(error)}`);
        }
      }
      if (this.loop.isCurrent(session)) this.schedulePropertyPoll();
    }, this.propertyPollMs);
  }

  // ---- invocations ------------------------------------------------------------------

  private parseInvocation(body: unknown, what: string): LtInvocation {
    const parsed = LtInvocation.safeParse(body);
    if (!parsed.success) throw new LabError('DRIVER_FAULT', `${what}: unexpected answer (${z.prettifyError(parsed.error)})`);
    return parsed.data;
  }

  private track(raw: LtInvocation, action: string): Tracked {
    const now = toIso(this.clock.now());
    const invocation = toInvocation(raw, this.name, action, now);
    let tracked = this.invocations.get(raw.id);
    if (!tracked) {
      tracked = { invocation, href: raw.href, published: 0, fingerprint: '' };
      this.invocations.set(raw.id, tracked);
    }
    tracked.href = raw.href;
    tracked.outputHref = raw.links?.find((link) => link.rel === 'output')?.href ?? `${raw.href.replace(/\/$/, '')}/output`;
    // A late poll answer must not move a finished invocation back.
    if (!(isTerminal(tracked.invocation) && !isTerminal(invocation))) tracked.invocation = invocation;
    this.publishInvocation(tracked);
    if (!isTerminal(tracked.invocation)) this.scheduleInvocationPoll();
    return tracked;
  }

  private async refresh(id: string, href: string): Promise<Tracked> {
    const response = await this.http.request({ method: 'GET', url: href, what: `following invocation ${id} of ${this.name}`, maxBytes: BODY_LIMITS.output });
    const tracked = this.invocations.get(id);
    if (response.status === 404 && tracked && !isTerminal(tracked.invocation)) {
      // Known to us, unknown to the server: it restarted. Polling it again would never end.
      this.lose(tracked, LOST_ON_RESTART);
      return tracked;
    }
    if (response.status !== 200) throw httpError(response.status, response.body, 'get', `invocation ${id}`);
    const raw = this.parseInvocation(response.body, `invocation ${id}`);
    const action = this.invocations.get(id)?.invocation.action ?? this.actionOf(raw.action);
    if (!action) throw new LabError('NOT_FOUND', `invocation ${id} does not belong to "${this.name}"`);
    if (raw.status === 'completed' && !('output' in raw)) raw.output = await this.fetchOutput(raw);
    return this.track(raw, action);
  }

  private async refreshQuietly(id: string, href?: string): Promise<void> {
    try {
      await this.refresh(id, href ?? this.invocations.get(id)?.href ?? this.invocationHref(id));
    } catch (error) {
      this.logger.warn(`${this.name}: following invocation ${id}: ${reasonOf(error)}`);
    }
  }

  /** `/output` answers 503 for every falsy output, so 503 there means null, not failure. */
  private async fetchOutput(raw: LtInvocation): Promise<unknown> {
    const href = raw.links?.find((link) => link.rel === 'output')?.href ?? `${raw.href.replace(/\/$/, '')}/output`;
    const response = await this.http.request({ method: 'GET', url: href, what: `output of invocation ${raw.id} of ${this.name}`, maxBytes: BODY_LIMITS.output });
    if (response.status === 200) return response.body;
    if (response.status === 503) return null;
    throw httpError(response.status, response.body, 'get', `output of invocation ${raw.id}`);
  }

  private scheduleInvocationPoll(): void {
    const run = this.run;
    if (this.invocationPollOf === run || this.stopped) return;
    this.invocationPollOf = run;
    ownedTimeout(run, this.clock, async () => {
      const active = [...this.invocations].filter(([, tracked]) => !isTerminal(tracked.invocation));
      await Promise.all(active.map(([id]) => this.refreshQuietly(id)));
      if (this.invocationPollOf !== run) return; // stopped meanwhile
      this.invocationPollOf = undefined;
      if ([...this.invocations.values()].some((tracked) => !isTerminal(tracked.invocation))) this.scheduleInvocationPoll();
    }, this.invocationPollMs);
  }

  private publishInvocation(tracked: Tracked): void {
    if (this.stopped) return;
    const print = fingerprint(tracked.invocation);
    if (print === tracked.fingerprint) return;
    tracked.fingerprint = print;
    const { log, ...invocation } = tracked.invocation;
    const payload: ActionEventPayload = { invocation, newLog: log.slice(tracked.published) };
    tracked.published = log.length;
    this.publisher.publish(new Message({ thing: this.name, affordance: invocation.action, messageType: 'action', payload }));
  }

  // ---- hrefs ------------------------------------------------------------------------

  private href(href: string): string {
    return new URL(href, this.base).toString();
  }

  private fallbackHref(affordance: string): string {
    return new URL(affordance, this.wsUrl.replace(/^ws/, 'http').replace(/ws$/, '')).toString();
  }

  private invocationHref(id: string): string {
    return this.href(`action_invocations/${encodeURIComponent(id)}`);
  }

  /** Our action name for a LabThings action path such as "/sensor/ramp". */
  private actionOf(path: string): string | undefined {
    const target = this.href(path);
    for (const [name, affordance] of Object.entries(this.td.actions)) {
      const form = findForm(affordance.forms, 'invokeaction');
      if (form && this.href(form.href) === target) return name;
    }
    return undefined;
  }
}

/**
 * LabThings v0.3.0 TDs carry no WebSocket form: by convention it is `<thing path>/ws`,
 * the thing path being the forms' common parent (or the TD URL's path).
 */
function labThingsSocketUrl(td: ThingDescription, base: string, tdUrl: string): string {
  const hrefs = [...Object.values(td.properties), ...Object.values(td.actions)].flatMap((affordance) =>
    affordance.forms.map((form) => new URL(form.href, base)),
  );
  let thingPath: string;
  const first = hrefs[0];
  if (first) {
    thingPath = first.pathname.replace(/\/[^/]*$/, '/');
    for (const url of hrefs) {
      while (!url.pathname.startsWith(thingPath) && thingPath.length > 1) thingPath = thingPath.replace(/[^/]*\/$/, '');
    }
  } else {
    thingPath = new URL(tdUrl).pathname.replace(/\/?$/, '/');
  }
  const url = new URL(`${thingPath}ws`, first ?? new URL(base));
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/** A LabThings-FastAPI server root, or one of its Things' descriptions. */
export const labthingsKind = {
  id: 'labthings',
  title: 'LabThings-FastAPI server',
  schemes: ['http:', 'https:'],
  connect: (context) => connectDiscovered(context, 'labthings', (options) => new LabThingsDriver(options)),
} as const satisfies DriverKind;

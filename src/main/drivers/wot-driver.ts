import { EventSource } from 'eventsource';
import { z } from 'zod';
import { LabError } from '../../shared/errors';
import {
  InvocationStatus,
  LOST_ON_RESTART,
  TERMINAL_STATUSES,
  type ActionEventPayload,
  type Form,
  type Invocation,
} from '../../shared/model';
import { Message } from '../core/message';
import { completedInvocation } from './completed-invocation';
import { boundedEventStream } from './bounded-stream';
import { connectDiscovered } from './discovery';
import type { DriverKind } from './driver-kind';
import { authHeadersFor, BODY_LIMITS, HttpClient, httpError, type FetchLike } from './http';
import { reasonOf } from './reconnect';
import { lostDetail, RemoteThingDriver, type RemoteDriverOptions } from './remote-driver';
import { findForm } from './td-forms';
import { ownedTimeout, toIso } from '../core/clock';
import { normaliseTimestamp } from './time';

/** An async invocation resource, as far as a generic server describes one. */
const StatusBody = z
  .object({
    status: z.string().transform((status) => status.toLowerCase()).pipe(InvocationStatus),
    output: z.unknown().optional(),
    error: z.unknown().optional(),
    timeStarted: z.string().nullable().optional(),
    timeCompleted: z.string().nullable().optional(),
  })
  .loose();
const isJson = (form: Form): boolean => form.contentType === undefined || /json/i.test(form.contentType);

/**
 * A Thing known only by its W3C TD over HTTP. Follows the forms: readproperty (GET),
 * writeproperty (PUT), observeproperty with `subprotocol` "sse" (EventSource) or
 * "longpoll" (repeated GET), readallproperties, invokeaction (POST). Observable
 * properties without an observe form are polled every second. Actions: a 200 answer is
 * a finished invocation; 201/202 with a Location header (or an `href` in the body) is
 * followed by polling that resource for `status`, and cancelled by DELETE on it.
 * Only JSON payloads are supported.
 */
export class WotDriver extends RemoteThingDriver {
  readonly source = 'wot' as const;

  private readonly http: HttpClient;
  private readonly fetchImpl: FetchLike;
  private readonly pollMs: number;
  private readonly invocationPollMs: number;
  /** Invocations with a follow-up poll pending, and the teardown count that owns them. */
  private readonly following = new Set<string>();
  private generation = 0;
  private readonly invocations = new Map<string, { invocation: Invocation; href?: string; published: boolean }>();
  private counter = 0;

  constructor(options: RemoteDriverOptions) {
    super(options, 'WoT Thing');
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.http = new HttpClient(this.fetchImpl, options.credentials, undefined, {
      credentialOrigin: this.credentialOrigin,
      signal: () => this.lifetime,
    });
    this.pollMs = options.propertyPollMs ?? 1000;
    this.invocationPollMs = options.invocationPollMs ?? 500;
  }

  async readProperty(property: string): Promise<unknown> {
    const affordance = this.property(property);
    const form = findForm(affordance.forms, 'readproperty', isJson);
    if (!form) {
      throw new LabError('NOT_FOUND', `${this.name}.${property} cannot be read (${affordance.problem ?? 'no readproperty form'})`);
    }
    const what = `reading ${this.name}.${property}`;
    const response = await this.http.request({ method: methodOf(form, 'GET'), url: this.href(form), what });
    if (response.status !== 200) throw httpError(response.status, response.body, 'read', `reading ${this.name}.${property}`);
    return this.checkedRead(property, response.body);
  }

  async writeProperty(property: string, value: unknown): Promise<void> {
    const affordance = this.property(property);
    const form = affordance.forms.find((candidate) => [candidate.op].flat().includes('writeproperty'));
    if (!form || affordance.readOnly === true) {
      throw new LabError('READ_ONLY', `${this.name}.${property} is read-only${affordance.problem ? ` (${affordance.problem})` : ''}`);
    }
    const what = `writing ${this.name}.${property}`;
    const response = await this.http.request({ method: methodOf(form, 'PUT'), url: this.href(form), body: value, contentType: form.contentType, what });
    if (response.status < 200 || response.status >= 300) {
      throw httpError(response.status, response.body, 'write', `writing ${this.name}.${property}`);
    }
  }

  async invokeAction(action: string, input: unknown): Promise<Invocation> {
    const affordance = this.td.actions[action];
    if (!affordance) throw new LabError('NOT_FOUND', `"${this.name}" has no action "${action}"`);
    const form = findForm(affordance.forms, 'invokeaction', isJson);
    if (!form) throw new LabError('NOT_FOUND', `${this.name}.${action} cannot be invoked (${affordance.problem ?? 'no invokeaction form'})`);
    const url = this.href(form);
    // An action that takes no input gets a request without a body, whatever the form held.
    const none = affordance.input === undefined && (input === undefined || input === null || isEmptyObject(input));
    const body = none ? undefined : (input ?? null);
    const response = await this.http.request({
      method: methodOf(form, 'POST'),
      url,
      body,
      contentType: form.contentType,
      what: `invoking ${this.name}.${action}`,
      maxBytes: BODY_LIMITS.output,
    });
    if (response.status < 200 || response.status >= 300) {
      throw httpError(response.status, response.body, 'invoke', `invoking ${this.name}.${action}`);
    }
    const now = toIso(this.clock.now());
    const invocation = completedInvocation({
      id: `${this.name}-${Date.now().toString(36)}-${(this.counter += 1)}`,
      thing: this.name,
      action,
      input,
      output: response.body,
      at: now,
    });
    const location = response.headers.get('location') ?? hrefOf(response.body);
    if ((response.status === 201 || response.status === 202) && location) {
      const href = new URL(location, url).toString();
      invocation.status = 'running';
      invocation.timeCompleted = null;
      invocation.output = null;
      this.invocations.set(invocation.id, { invocation, href, published: false });
      this.apply(invocation.id, response.body);
      this.followLater(invocation.id);
    } else {
      this.invocations.set(invocation.id, { invocation, published: false });
    }
    this.publishInvocation(invocation.id);
    return invocation;
  }

  async getInvocation(id: string): Promise<Invocation> {
    const tracked = this.invocations.get(id);
    if (!tracked) throw new LabError('NOT_FOUND', `no invocation "${id}" on "${this.name}"`);
    return tracked.invocation;
  }

  async cancelInvocation(id: string): Promise<Invocation> {
    const tracked = this.invocations.get(id);
    if (!tracked) throw new LabError('NOT_FOUND', `no invocation "${id}" on "${this.name}"`);
    if (TERMINAL_STATUSES.includes(tracked.invocation.status) || !tracked.href) {
      throw new LabError('CONFLICT', `invocation "${id}" cannot be cancelled (it is ${tracked.invocation.status})`);
    }
    const response = await this.http.request({ method: 'DELETE', url: tracked.href, what: `cancelling ${this.name}.${tracked.invocation.action}` });
    if (response.status === 404) {
      this.lose(id, LOST_ON_RESTART);
      return tracked.invocation;
    }
    if (response.status < 200 || response.status >= 300) throw httpError(response.status, response.body, 'cancel', `cancelling ${id}`);
    await this.poll(id);
    return tracked.invocation;
  }

  async listInvocations(): Promise<Invocation[]> {
    return [...this.invocations.values()].map((tracked) => tracked.invocation);
  }

  // ---- session ----------------------------------------------------------------------

  protected async connect(session: number): Promise<void> {
    const all = this.td.forms ? findForm(this.td.forms, 'readallproperties', isJson) : undefined;
    let readAll = false;
    if (all) {
      const response = await this.http.request({ method: methodOf(all, 'GET'), url: this.href(all), what: `reading all properties of ${this.name}` });
      const parsed = z.record(z.string(), z.unknown()).safeParse(response.body);
      if (response.status === 200 && parsed.success) {
        for (const [property, value] of Object.entries(parsed.data)) {
          if (this.td.properties[property]) this.publishProperty(property, value);
        }
        readAll = true;
      }
    }
    for (const [property, affordance] of Object.entries(this.td.properties)) {
      if (!this.loop.isCurrent(session)) return;
      if (!readAll && findForm(affordance.forms, 'readproperty', isJson)) {
        try {
          this.publishProperty(property, await this.readProperty(property));
        } catch (error) {
          if (error instanceof LabError && ['DISCONNECTED', 'TIMEOUT', 'UNAUTHORIZED'].includes(error.code)) throw error;
          this.logger.warn(`${this.name}.${property}: ${reasonOf(error)}`);
        }
      }
      const observe = findForm(affordance.forms, 'observeproperty');
      const readable = findForm(affordance.forms, 'readproperty', isJson) !== undefined;
      if (observe?.subprotocol === 'sse') this.observeSse(session, property, observe);
      else if (observe?.subprotocol === 'longpoll') void this.observeLongPoll(session, property, observe);
      else if (affordance.observable === true && readable) this.pollProperty(session, property);
      if (observe?.subprotocol === 'sse' || observe?.subprotocol === 'longpoll') this.setFreshness(property, { mode: 'pushed' });
      else if (affordance.observable === true && readable) this.setFreshness(property, { mode: 'polled', periodMs: this.pollMs });
      else this.setFreshness(property, { mode: 'on-demand' });
    }
    // Teardown stopped following the running invocations: follow them again.
    for (const [id, tracked] of this.invocations) {
      if (tracked.href && !TERMINAL_STATUSES.includes(tracked.invocation.status)) this.followLater(id);
    }
  }

  /** Event streams, long polls and timers go with the connection's store; the follow-ups start again. */
  protected override teardown(): void {
    super.teardown();
    this.following.clear();
    this.generation += 1;
  }

  /** A timer of the current connection: cancelled when it is torn down. */
  private later(run: () => void, ms: number): void {
    ownedTimeout(this.session, this.clock, run, ms);
  }

  private observeSse(session: number, property: string, form: Form): void {
    const url = this.href(form);
    const headers = authHeadersFor(url, this.credentials, this.credentialOrigin);
    let lastTraffic = this.clock.now();
    let refused: string | undefined;
    const source = new EventSource(url, {
      fetch: async (input, init) => {
        const response = await this.fetchImpl(String(input), { ...init, headers: { ...init.headers, ...headers } });
        return boundedEventStream(
          response,
          BODY_LIMITS.sseLine,
          () => (lastTraffic = this.clock.now()),
          (reason) => (refused = reason),
        );
      },
    });
    const close = this.session.add(() => source.close());
    source.onmessage = (event) => {
      if (!this.loop.isCurrent(session)) return;
      let value: unknown;
      try {
        value = JSON.parse(event.data) as unknown;
      } catch {
        this.logger.warn(`${this.name}.${property}: SSE event is not JSON, ignored`);
        return;
      }
      this.publishProperty(property, value);
    };
    // Our loop reconnects (re-reading values), so EventSource must not retry on its own.
    source.onerror = (event) => {
      source.close();
      const reason = refused ?? (event.message ? `: ${event.message}` : '');
      this.loop.lost(session, `event stream of ${property} failed${refused ? `: ${reason}` : reason}`);
    };
    // A stream can go quiet while the server still holds it open: after a silence longer
    // than expected, ask the server directly and open the stream again, or count it lost.
    const watch = (): void => {
      if (!this.loop.isCurrent(session) || source.readyState === EventSource.CLOSED) return;
      const idle = this.clock.now() - lastTraffic;
      if (idle < this.streamIdleMs) return this.later(watch, this.streamIdleMs - idle);
      close();
      void this.probe(session, property).then((alive) => {
        if (!this.loop.isCurrent(session)) return;
        if (alive) this.observeSse(session, property, form);
        else this.loop.lost(session, `event stream of ${property}: nothing received for ${Math.round(idle / 1000)} s`);
      });
    };
    this.later(watch, this.streamIdleMs);
  }

  /** Reads a property to see whether its server still answers (publishing the value); false when it does not. */
  private async probe(session: number, property: string): Promise<boolean> {
    const affordance = this.td.properties[property];
    if (!affordance || !findForm(affordance.forms, 'readproperty', isJson)) return false;
    try {
      const value = await this.readProperty(property);
      if (this.loop.isCurrent(session) && this.lastPublished.get(property) !== JSON.stringify(value)) this.publishProperty(property, value);
      return true;
    } catch (error) {
      return !(error instanceof LabError && ['DISCONNECTED', 'TIMEOUT', 'UNAUTHORIZED'].includes(error.code));
    }
  }

  private async observeLongPoll(session: number, property: string, form: Form): Promise<void> {
    const abort = new AbortController();
    this.session.add(() => abort.abort());
    const url = this.href(form);
    while (this.loop.isCurrent(session)) {
      try {
        const response = await this.http.request({
          method: methodOf(form, 'GET'),
          url,
          timeoutMs: this.streamIdleMs,
          signal: abort.signal,
          what: `long-poll of ${this.name}.${property}`,
        });
        if (!this.loop.isCurrent(session)) return;
        if (response.status === 200) this.publishProperty(property, response.body);
        else if (response.status !== 204 && response.status !== 408) {
          throw httpError(response.status, response.body, 'read', `long-poll of ${this.name}.${property}`);
        }
      } catch (error) {
        if (!this.loop.isCurrent(session)) return;
        // No answer for longer than expected: the server is asked directly; silence there too is a lost connection.
        if (error instanceof LabError && error.code === 'TIMEOUT' && (await this.probe(session, property))) continue;
        if (!this.loop.isCurrent(session)) return;
        const reason = error instanceof LabError && error.code === 'TIMEOUT' ? `long-poll of ${property}: no answer for ${Math.round(this.streamIdleMs / 1000)} s` : reasonOf(error);
        this.loop.lost(session, reason);
        return;
      }
    }
  }

  private pollProperty(session: number, property: string): void {
    const tick = async (): Promise<void> => {
      try {
        const value = await this.readProperty(property);
        if (!this.loop.isCurrent(session)) return;
        // Every read is published, changed or not: it confirms the value (its age restarts).
        this.publishProperty(property, value);
      } catch (error) {
        if (!this.loop.isCurrent(session)) return;
        if (error instanceof LabError && error.code === 'DISCONNECTED') return this.loop.lost(session, error.message);
        this.logger.warn(`${this.name}.${property}: ${reasonOf(error)}`);
      }
      if (this.loop.isCurrent(session)) this.later(() => void tick(), this.pollMs);
    };
    this.later(() => void tick(), this.pollMs);
  }

  // ---- invocations ------------------------------------------------------------------

  /** Polls a running invocation until it ends; one chain per invocation and connection. */
  private followLater(id: string): void {
    if (this.following.has(id)) return;
    this.following.add(id);
    const generation = this.generation;
    this.later(async () => {
      await this.poll(id).catch((error: unknown) => this.logger.warn(`${this.name}: following ${id}: ${reasonOf(error)}`));
      // Torn down meanwhile: the next connection follows it again.
      if (generation !== this.generation) return;
      this.following.delete(id);
      const tracked = this.invocations.get(id);
      if (tracked && !this.stopped && !TERMINAL_STATUSES.includes(tracked.invocation.status)) this.followLater(id);
    }, this.invocationPollMs);
  }

  private async poll(id: string): Promise<void> {
    const tracked = this.invocations.get(id);
    if (!tracked?.href) return;
    const response = await this.http.request({ method: 'GET', url: tracked.href, what: `following ${this.name}.${tracked.invocation.action}`, maxBytes: BODY_LIMITS.output });
    if (response.status === 404 && !TERMINAL_STATUSES.includes(tracked.invocation.status)) {
      // The server no longer knows it (it restarted): polling it again would never end.
      this.lose(id, LOST_ON_RESTART);
      return;
    }
    if (response.status !== 200) throw httpError(response.status, response.body, 'get', `invocation ${id}`);
    this.apply(id, response.body);
    this.publishInvocation(id);
  }

  protected endOpenInvocations(reason: string): void {
    for (const [id, tracked] of this.invocations) if (!TERMINAL_STATUSES.includes(tracked.invocation.status)) this.lose(id, reason);
  }

  /** Ends an invocation we can no longer follow as failed, with the reason; it is no longer polled. */
  private lose(id: string, reason: string): void {
    const tracked = this.invocations.get(id);
    if (!tracked) return;
    const invocation = tracked.invocation;
    invocation.status = 'error';
    invocation.timeCompleted = toIso(this.clock.now());
    invocation.error = { title: reason, detail: lostDetail(reason, this.name, id) };
    tracked.published = false;
    this.logger.warn(`${this.name}: invocation ${id} (${invocation.action}) ${reason}`);
    this.publishInvocation(id);
  }

  private apply(id: string, body: unknown): void {
    const tracked = this.invocations.get(id);
    const parsed = StatusBody.safeParse(body);
    if (!tracked || !parsed.success) return;
    const invocation = tracked.invocation;
    if (TERMINAL_STATUSES.includes(invocation.status)) return;
    invocation.status = parsed.data.status;
    if (parsed.data.timeStarted) invocation.timeStarted = normaliseTimestamp(parsed.data.timeStarted);
    if (TERMINAL_STATUSES.includes(invocation.status)) {
      invocation.timeCompleted = normaliseTimestamp(parsed.data.timeCompleted) ?? toIso(this.clock.now());
      invocation.output = parsed.data.output ?? null;
      if (invocation.status === 'error') {
        const error = parsed.data.error;
        invocation.error =
          typeof error === 'string'
            ? { title: error }
            : { title: z.object({ title: z.string() }).loose().safeParse(error).data?.title ?? 'Error', detail: JSON.stringify(error ?? null) };
      }
    }
    tracked.published = false;
  }

  private publishInvocation(id: string): void {
    const tracked = this.invocations.get(id);
    if (!tracked || tracked.published || this.stopped) return;
    tracked.published = true;
    const { log: _log, ...invocation } = tracked.invocation;
    const payload: ActionEventPayload = { invocation: { ...invocation }, newLog: [] };
    this.publisher.publish(new Message({ thing: this.name, affordance: invocation.action, messageType: 'action', payload }));
  }

  private href(form: Form): string {
    return new URL(form.href, this.base).toString();
  }
}

/** htv:methodName names the method of a single-op form; a shared form keeps each op's default. */
function methodOf(form: Form, fallback: string): string {
  const ops = form.op === undefined ? [] : [form.op].flat();
  return ops.length <= 1 ? (form['htv:methodName'] ?? fallback) : fallback;
}

const isEmptyObject = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;

function hrefOf(body: unknown): string | undefined {
  const parsed = z.object({ href: z.string() }).loose().safeParse(body);
  return parsed.success ? parsed.data.href : undefined;
}

/** Any W3C WoT Thing Description over HTTP (properties, SSE or long-poll observe, actions). */
export const wotKind = {
  id: 'wot',
  title: 'WoT Thing Description',
  schemes: ['http:', 'https:'],
  connect: (context) => connectDiscovered(context, 'wot', (options) => new WotDriver(options)),
} as const satisfies DriverKind;

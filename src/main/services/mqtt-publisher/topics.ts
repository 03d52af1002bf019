import { hostname } from 'node:os';
import type { ActionAffordance, Form, PropertyAffordance, ThingDescription } from '../../../shared/model';
import { LM_CONNECTION_REL, LM_CONTEXT, LM_PUBLISHER_REL, LM_REPLIES, MQV_CONTEXT } from '../../drivers/mqtt-forms';

/**
 * Where a publisher puts each Thing on the broker, under its prefix P:
 *
 * | topic | what | retained |
 * | --- | --- | --- |
 * | `P/status` | the publisher's state `{status, since}`; its Last Will says `disconnected` | yes |
 * | `P/td/<thing>` | the Thing Description, with MQTT forms | yes |
 * | `P/things/<thing>/properties/<p>` | the last value (JSON) | yes |
 * | `P/things/<thing>/connection` | the Thing's connection state at the publisher | yes |
 * | `P/things/<thing>/actions/<a>/invocation` | invocation progress `{invocation, newLog}` | no |
 * | `P/things/<thing>/properties/<p>/writeproperty` | writes (with `--publish-writable`) | no |
 * | `P/things/<thing>/actions/<a>` | invocations (with `--publish-writable`) | no |
 * | `P/things/<thing>/actions/<a>/cancel` | `{id}` cancels (with `--publish-writable`) | no |
 *
 * Requests with an MQTT 5 response topic get `{ok: true, value}` or `{ok: false, error}` on it,
 * with the request's correlation data.
 */
export const TD_CONTEXT = 'https://www.w3.org/2022/wot/td/v1.1';

/** A topic level that every MQTT client and every href can carry unchanged. */
export function topicSegment(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^_+|_+$/g, '');
  return cleaned === '' ? '_' : cleaned.slice(0, 120);
}

/** The default prefix: `lab-monitor/<this machine's name>`, so two lab PCs never share topics. */
export function defaultPrefix(host: string = hostname()): string {
  return `lab-monitor/${topicSegment(host.toLowerCase().split('.')[0] ?? 'host')}`;
}

export interface PublishTarget {
  /** `mqtt:` or `mqtts:` */
  protocol: string;
  /** host[:port], as written in hrefs */
  host: string;
  prefix: string;
}

/** `mqtt://broker[:port][/prefix]` → where to connect and the prefix; throws on anything else. */
export function parsePublishUrl(url: string): PublishTarget {
  const parsed = new URL(url);
  if (parsed.protocol !== 'mqtt:' && parsed.protocol !== 'mqtts:') throw new Error(`needs an mqtt:// or mqtts:// URL, got "${parsed.protocol}"`);
  if (parsed.hostname === '') throw new Error('needs a broker host');
  if (/[#?]/.test(url)) throw new Error('the prefix cannot hold # or ?');
  const path = decodeURIComponent(parsed.pathname).replace(/^\/+|\/+$/g, '');
  if (/[+#]/.test(path) || path.includes('\u0000')) throw new Error('the prefix cannot hold the MQTT wildcards + or #');
  if (path.length > 200) throw new Error('the prefix is too long');
  return { protocol: parsed.protocol, host: parsed.host, prefix: path === '' ? defaultPrefix() : path };
}

export class Topics {
  constructor(readonly prefix: string) {}
  get status(): string {
    return `${this.prefix}/status`;
  }
  td(thing: string): string {
    return `${this.prefix}/td/${thing}`;
  }
  thing(thing: string): string {
    return `${this.prefix}/things/${thing}`;
  }
  property(thing: string, property: string): string {
    return `${this.thing(thing)}/properties/${topicSegment(property)}`;
  }
  write(thing: string, property: string): string {
    return `${this.property(thing, property)}/writeproperty`;
  }
  connection(thing: string): string {
    return `${this.thing(thing)}/connection`;
  }
  action(thing: string, action: string): string {
    return `${this.thing(thing)}/actions/${topicSegment(action)}`;
  }
  invocation(thing: string, action: string): string {
    return `${this.action(thing, action)}/invocation`;
  }
  cancel(thing: string, action: string): string {
    return `${this.action(thing, action)}/cancel`;
  }
  /** Subscriptions for the requests of a writable publisher. */
  get requestFilters(): string[] {
    return [`${this.prefix}/things/+/properties/+/writeproperty`, `${this.prefix}/things/+/actions/+`, `${this.prefix}/things/+/actions/+/cancel`];
  }
}

export interface PublishedTdOptions {
  target: PublishTarget;
  topics: Topics;
  /** The Thing's topic level (its name, made topic-safe and unique). */
  segment: string;
  /** Lab Monitor's name of the Thing. */
  name: string;
  writable: boolean;
  /** Whether the broker needs a user name and password. */
  basicAuth: boolean;
  /** The publisher answers on MQTT 5 response topics. */
  replies: boolean;
}

const withoutForms = <T extends { forms?: unknown }>(affordance: T): Omit<T, 'forms'> => {
  const { forms: _forms, ...rest } = affordance;
  return rest;
};

/**
 * The TD a publisher puts on the broker: the Thing's own affordances and schemas with MQTT
 * forms (href-as-topic for node-wot and the binding template's `mqv:` terms for everyone
 * else), links to the publisher's and the Thing's state, and writes and invocations only
 * when the publisher takes them.
 */
export function publishedTd(source: ThingDescription, options: PublishedTdOptions): ThingDescription {
  const { target, topics, segment, writable, replies } = options;
  const href = (topic: string): string => `${target.protocol}//${target.host}/${topic.split('/').map(encodeURIComponent).join('/')}`;
  const subscribeForm = (topic: string, op: string[], retain: boolean): Form => ({
    href: href(topic),
    op,
    contentType: 'application/json',
    'mqv:filter': topic,
    'mqv:controlPacket': 'mqv:subscribe',
    'mqv:retain': retain,
    'mqv:qos': '1',
  });
  const publishForm = (topic: string, op: string): Form => ({
    href: href(topic),
    op,
    contentType: 'application/json',
    'mqv:topic': topic,
    'mqv:controlPacket': 'mqv:publish',
    'mqv:qos': '1',
    ...(replies ? { [LM_REPLIES]: true } : {}),
  });

  const properties: Record<string, PropertyAffordance> = {};
  for (const [name, affordance] of Object.entries(source.properties)) {
    const forms: Form[] = [];
    if (affordance.writeOnly !== true) {
      forms.push(subscribeForm(topics.property(segment, name), ['readproperty', 'observeproperty', 'unobserveproperty'], true));
    }
    if (writable && affordance.readOnly !== true) forms.push(publishForm(topics.write(segment, name), 'writeproperty'));
    const readOnly = affordance.readOnly === true || !writable;
    properties[name] = { ...withoutForms(affordance), readOnly, observable: true, forms } as PropertyAffordance;
  }
  const actions: Record<string, ActionAffordance> = {};
  for (const [name, affordance] of Object.entries(source.actions)) {
    const forms: Form[] = [subscribeForm(topics.invocation(segment, name), ['queryaction'], false)];
    if (writable) {
      forms.unshift(publishForm(topics.action(segment, name), 'invokeaction'));
      if (replies) forms.push(publishForm(topics.cancel(segment, name), 'cancelaction'));
    }
    actions[name] = { ...withoutForms(affordance), forms } as ActionAffordance;
  }
  const security = options.basicAuth ? { basic_sc: { scheme: 'basic', in: 'header' } } : { nosec_sc: { scheme: 'nosec' } };
  return {
    '@context': [TD_CONTEXT, { ...MQV_CONTEXT, ...LM_CONTEXT }],
    id: `urn:lab-monitor:${topics.prefix}:${segment}`,
    title: source.title,
    ...(source.description !== undefined ? { description: source.description } : {}),
    securityDefinitions: security,
    security: Object.keys(security),
    properties,
    actions,
    links: [
      { rel: LM_PUBLISHER_REL, href: href(topics.status), type: 'application/json' },
      { rel: LM_CONNECTION_REL, href: href(topics.connection(segment)), type: 'application/json' },
    ],
  };
}

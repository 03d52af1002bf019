import type { Form, ThingDescription } from '../../shared/model';

/**
 * Reading MQTT forms of a Thing Description, as the W3C WoT MQTT binding template writes them
 * (`mqv:topic`, `mqv:filter`, `mqv:retain`, `mqv:qos`, `mqv:controlPacket`) and as Eclipse
 * Thingweb node-wot does (an `mqtt://host:port/<topic>` href and no `mqv:` terms).
 */

/** The vocabulary prefix the binding template uses for its terms. */
export const MQV_CONTEXT = { mqv: 'http://www.example.org/mqtt-binding#' };

/**
 * Lab Monitor's own terms in the TDs it publishes: a form with `lm:replies` answers on the
 * MQTT 5 response topic of the request, with its correlation data; TD links with these
 * relations name the retained topics of the publisher's state (its Last Will) and of one
 * Thing's connection state.
 */
export const LM_CONTEXT = { lm: 'https://lab-monitor.example.org/td#' };
export const LM_REPLIES = 'lm:replies';
export const LM_PUBLISHER_REL = 'lm:publisher';
export const LM_CONNECTION_REL = 'lm:connection';

export type ControlPacket = 'publish' | 'subscribe' | 'unsubscribe';

const DEFAULT_PROPERTY_OPS = ['readproperty', 'writeproperty'];
const DEFAULT_ACTION_OPS = ['invokeaction'];

/** `mqv:controlPacket`, with or without its prefix; undefined when absent or unknown. */
export function controlPacketOf(form: Form): ControlPacket | undefined {
  const raw = form['mqv:controlPacket'];
  if (typeof raw !== 'string') return undefined;
  const bare = raw.replace(/^mqv:/, '');
  return bare === 'publish' || bare === 'subscribe' || bare === 'unsubscribe' ? bare : undefined;
}

/** `mqv:qos` as 0, 1 or 2 (the template writes strings, some write numbers). */
export function qosOf(form: Form, fallback: 0 | 1 | 2 = 1): 0 | 1 | 2 {
  const raw = form['mqv:qos'];
  const n = typeof raw === 'string' ? Number(raw) : raw;
  return n === 0 || n === 1 || n === 2 ? n : fallback;
}

export function retainOf(form: Form): boolean {
  const raw = form['mqv:retain'];
  return raw === true || raw === 'true';
}

const isTopic = (text: string): boolean => text.length > 0 && text.length <= 1024 && !text.includes('\u0000');

/**
 * The topic (or topic filter) a form names: `mqv:filter` for subscribing, `mqv:topic` for
 * publishing, else the path of its href (resolved against the TD's `base`). A form of another
 * protocol (an http href) names none.
 */
export function topicOf(form: Form, base: string | undefined, use: 'subscribe' | 'publish'): string | undefined {
  const explicit = use === 'subscribe' ? (form['mqv:filter'] ?? form['mqv:topic']) : (form['mqv:topic'] ?? form['mqv:filter']);
  if (typeof explicit === 'string' && isTopic(explicit)) return explicit;
  let url: URL | undefined;
  try {
    url = base ? new URL(form.href, base) : new URL(form.href);
  } catch {
    url = undefined;
  }
  if (!url) {
    // A relative href with no base: the href is the topic itself.
    let bare = form.href.replace(/^\/+/, '');
    try {
      bare = decodeURIComponent(bare);
    } catch {
      // kept as written
    }
    return /^[a-z][a-z0-9+.-]*:/i.test(bare) || !isTopic(bare) ? undefined : bare;
  }
  if (url.protocol !== 'mqtt:' && url.protocol !== 'mqtts:') return undefined;
  let path: string;
  try {
    path = decodeURIComponent(url.pathname.replace(/^\//, ''));
  } catch {
    path = url.pathname.replace(/^\//, '');
  }
  return isTopic(path) ? path : undefined;
}

function opsOf(form: Form, defaults: readonly string[]): string[] {
  if (form.op !== undefined) return [form.op].flat();
  // No op: the control packet says what the form is for, else the TD defaults apply.
  const packet = controlPacketOf(form);
  if (packet === 'subscribe') return ['readproperty', 'observeproperty', 'subscribeevent', 'queryaction'];
  if (packet === 'publish') return ['writeproperty', 'invokeaction'];
  return [...defaults];
}

/** Whether a form may be used to publish (write, invoke) or to subscribe (read, observe). */
function fitsUse(form: Form, use: 'subscribe' | 'publish'): boolean {
  const packet = controlPacketOf(form);
  return packet === undefined || (use === 'publish' ? packet === 'publish' : packet === 'subscribe');
}

export interface TopicForm {
  topic: string;
  form: Form;
}

/** The first MQTT form of `forms` for one of `ops`, with its topic. */
export function mqttForm(
  td: ThingDescription,
  forms: readonly Form[],
  ops: readonly string[],
  use: 'subscribe' | 'publish',
  kind: 'property' | 'action',
): TopicForm | undefined {
  const defaults = kind === 'property' ? DEFAULT_PROPERTY_OPS : DEFAULT_ACTION_OPS;
  for (const op of ops) {
    for (const form of forms) {
      if (!opsOf(form, defaults).includes(op) || !fitsUse(form, use)) continue;
      const topic = topicOf(form, td.base, use);
      if (topic !== undefined && (use === 'subscribe' || !/[+#]/.test(topic))) return { topic, form };
    }
  }
  return undefined;
}

/** The topic of a TD link with relation `rel`, if it is an MQTT one. */
export function linkTopic(td: ThingDescription, rel: string): string | undefined {
  const links: unknown = td['links'];
  if (!Array.isArray(links)) return undefined;
  for (const link of links) {
    if (!link || typeof link !== 'object') continue;
    const { rel: linkRel, href } = link as { rel?: unknown; href?: unknown };
    if (linkRel !== rel || typeof href !== 'string') continue;
    const topic = topicOf({ href, ...(link as object) } as Form, td.base, 'subscribe');
    if (topic !== undefined && !/[+#]/.test(topic)) return topic;
  }
  return undefined;
}

/** MQTT topic filter match (+ and #). */
export function topicMatches(filter: string, topic: string): boolean {
  if (filter === '#') return !topic.startsWith('$');
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i += 1) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

export const hasWildcard = (filter: string): boolean => /(^|\/)[+#](\/|$)/.test(filter);

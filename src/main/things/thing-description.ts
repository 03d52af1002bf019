import { ThingDescription } from '../../shared/model';

const TD_CONTEXT = 'https://www.w3.org/2022/wot/td/v1.1';

/** What a TD is built from (a Thing satisfies it); kept structural to avoid an import cycle. */
export interface DescribableThing {
  readonly name: string;
  readonly title: string;
  readonly description: string | undefined;
  propertyDefinitions(): [string, { title: string; description?: string; schema: object; readOnly: boolean; observable: boolean }][];
  actionDefinitions(): [string, { title: string; description?: string; input?: object; output?: object }][];
}

const thingId = (name: string): string => `urn:lab-monitor:thing:${name}`;

/**
 * A W3C WoT Thing Description 1.1 for a Thing served by Lab Monitor. Hrefs are relative
 * (`things/<name>/properties/<p>`); the app's own transports resolve them, there is no base.
 * Parsed with the shared schema so what leaves here always has the shape the app reads.
 */
export function buildThingDescription(thing: DescribableThing): ThingDescription {
  const base = `things/${encodeURIComponent(thing.name)}`;
  const properties: Record<string, object> = {};
  for (const [name, property] of thing.propertyDefinitions()) {
    const op = property.readOnly ? ['readproperty'] : ['readproperty', 'writeproperty'];
    if (property.observable) op.push('observeproperty', 'unobserveproperty');
    properties[name] = {
      ...property.schema,
      title: property.title,
      ...(property.description !== undefined && { description: property.description }),
      readOnly: property.readOnly,
      writeOnly: false,
      observable: property.observable,
      forms: [{ href: `${base}/properties/${encodeURIComponent(name)}`, op, contentType: 'application/json' }],
    };
  }
  const actions: Record<string, object> = {};
  for (const [name, action] of thing.actionDefinitions()) {
    actions[name] = {
      title: action.title,
      ...(action.description !== undefined && { description: action.description }),
      ...(action.input !== undefined && { input: action.input }),
      ...(action.output !== undefined && { output: action.output }),
      safe: false,
      idempotent: false,
      forms: [{ href: `${base}/actions/${encodeURIComponent(name)}`, op: 'invokeaction', contentType: 'application/json' }],
    };
  }
  return ThingDescription.parse({
    '@context': TD_CONTEXT,
    id: thingId(thing.name),
    title: thing.title,
    ...(thing.description !== undefined && { description: thing.description }),
    properties,
    actions,
    securityDefinitions: { nosec_sc: { scheme: 'nosec' } },
    security: 'nosec_sc',
  });
}

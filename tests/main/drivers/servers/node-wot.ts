import { Servient } from '@node-wot/core';
import { MqttBrokerServer, MqttClientFactory } from '@node-wot/binding-mqtt';

/**
 * Eclipse Thingweb node-wot, the reference WoT implementation, as a peer: a servient that
 * exposes a Thing through a broker with its MQTT binding (retained TD on `<title>` at the
 * broker root, values on `<title>/properties/<name>`, writes on `.../writeproperty`, actions
 * on `<title>/actions/<name>`), or consumes one.
 */

export interface ChillerServient {
  /** Writes of `setpoint` that reached the servient. */
  writes: number[];
  /** Inputs of `defrost` invocations that reached the servient. */
  invocations: unknown[];
  temperature(): number;
  stop(): Promise<void>;
}

export const CHILLER_TD = {
  title: 'Chiller',
  description: 'A node-wot Thing',
  properties: {
    temperature: { type: 'number', unit: 'degC', readOnly: true, observable: true },
    setpoint: { type: 'number', unit: 'degC', observable: true, minimum: -40, maximum: 40 },
  },
  actions: {
    defrost: { input: { type: 'integer', minimum: 1, maximum: 60 } },
  },
} as const;

/** Exposes the Chiller on `mqtt://127.0.0.1:port`; it emits its temperature every `periodMs`. */
export async function startChiller(port: number, periodMs = 100): Promise<ChillerServient> {
  const servient = new Servient();
  servient.addServer(new MqttBrokerServer({ uri: `mqtt://127.0.0.1:${port}` }));
  const wot = await servient.start();
  // The node-wot types describe the full TD; this one is deliberately small.
  const thing = await wot.produce(structuredClone(CHILLER_TD) as unknown as Parameters<typeof wot.produce>[0]);
  let temperature = 4.0;
  let setpoint = 4.0;
  const writes: number[] = [];
  const invocations: unknown[] = [];
  thing.setPropertyReadHandler('temperature', async () => temperature);
  thing.setPropertyReadHandler('setpoint', async () => setpoint);
  thing.setPropertyWriteHandler('setpoint', async (value) => {
    setpoint = Number(await value.value());
    writes.push(setpoint);
    await thing.emitPropertyChange('setpoint');
  });
  thing.setActionHandler('defrost', async (input) => {
    invocations.push(await input.value());
    return undefined;
  });
  await thing.expose();
  let tick = 0;
  const timer = setInterval(() => {
    // Follows the setpoint, with a ripple so every emission is a new value.
    tick += 1;
    temperature = Math.round((temperature + (setpoint - temperature) * 0.2 + 0.3 * Math.sin(tick)) * 1000) / 1000;
    // Typed as void, a promise at run time.
    void Promise.resolve(thing.emitPropertyChange('temperature')).catch(() => {});
  }, periodMs);
  return {
    writes,
    invocations,
    temperature: () => temperature,
    stop: async () => {
      clearInterval(timer);
      await servient.shutdown();
    },
  };
}

export interface WotConsumer {
  /** The consumed Thing (node-wot's ConsumedThing). */
  thing: Awaited<ReturnType<Awaited<ReturnType<Servient['start']>>['consume']>>;
  stop(): Promise<void>;
}

/** A node-wot consumer of a TD (fetched by the caller, e.g. from a retained topic). */
export async function consumeWithNodeWot(td: object): Promise<WotConsumer> {
  const servient = new Servient();
  servient.addClientFactory(new MqttClientFactory());
  const wot = await servient.start();
  const thing = await wot.consume(td as Parameters<typeof wot.consume>[0]);
  return { thing, stop: () => servient.shutdown() };
}

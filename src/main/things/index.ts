export type { ThingDriver } from './driver';
export { ThingRegistry } from './registry';
export { Thing, type ActionSpec, type PropertyHandle, type PropertySpec, type ThingInit } from './thing';
export { InvocationManager, problemFrom, type ActionContext, type ActionLogger, type PropertyAccess } from './invocations';
export { buildThingDescription, thingId, TD_CONTEXT } from './thing-description';
export { SimulatedThing, type SimulatedThingOptions } from './simulated-thing';
export { createSimulatedThings, DEFAULT_INSTRUMENT_CONFIG_PATH, INSTRUMENTS, type SimulatedThingsOptions } from './simulated-things';
export { FaultConfig, InstrumentConfig, InstrumentEntry, InstrumentKind, loadInstrumentConfig, type InstrumentConfigInput } from './instrument-config';
export { mulberry32, deriveSeed, type Rng } from './prng';

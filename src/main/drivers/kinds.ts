import type { DriverKind } from './driver-kind';
import { labthingsKind } from './labthings-driver';
import { mqttKind } from './mqtt-driver';
import { wotKind } from './wot-driver';

/**
 * Every kind of remote instrument, in the order they are asked about a URL of their scheme
 * (LabThings before generic WoT: a LabThings server is also a WoT server). Add a kind here.
 */
export const DRIVER_KINDS = [labthingsKind, wotKind, mqttKind] as const satisfies readonly DriverKind[];

export type DriverKindId = (typeof DRIVER_KINDS)[number]['id'];
export const DRIVER_KIND_IDS = DRIVER_KINDS.map((kind) => kind.id) as [DriverKindId, ...DriverKindId[]];

type RegisteredKind = (typeof DRIVER_KINDS)[number];

export const SUPPORTED_SCHEMES: readonly string[] = [...new Set(DRIVER_KINDS.flatMap((kind) => kind.schemes))];

/** The kinds that take URLs of this scheme (`http:`), in the order they are asked. */
export const kindsFor = (scheme: string): RegisteredKind[] =>
  DRIVER_KINDS.filter((kind) => (kind.schemes as readonly string[]).includes(scheme));

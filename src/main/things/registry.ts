import { LabError } from '../../shared/errors';
import { thingTypeOf } from '../../shared/layout';
import { LAB_THING, THINGS_AFFORDANCE, type ThingSummary } from '../../shared/model';
import { Message, type Publisher } from '../core/message';
import type { ThingDriver } from './driver';

/**
 * All Things of this app by name. Adding or removing one publishes the new list as a
 * `property` message on `('$lab', 'things')`, so every window refreshes its sidebar live.
 */
export class ThingRegistry {
  private readonly drivers = new Map<string, ThingDriver>();

  constructor(private readonly broker: Publisher) {}

  add(driver: ThingDriver): void {
    if (this.drivers.has(driver.name)) {
      throw new LabError('CONFLICT', `a Thing named "${driver.name}" already exists`);
    }
    this.drivers.set(driver.name, driver);
    this.announce();
  }

  /** Removes and stops the Thing; unknown names are ignored. */
  async remove(name: string): Promise<void> {
    const driver = this.drivers.get(name);
    if (!driver) return;
    this.drivers.delete(name);
    this.announce();
    await driver.stop('removed');
  }

  has(name: string): boolean {
    return this.drivers.has(name);
  }

  get(name: string): ThingDriver {
    const driver = this.drivers.get(name);
    if (!driver) throw new LabError('NOT_FOUND', `no Thing named "${name}"`);
    return driver;
  }

  all(): ThingDriver[] {
    return [...this.drivers.values()];
  }

  summaries(): ThingSummary[] {
    return this.all().map((driver) => {
      const td = driver.describe();
      return {
        name: driver.name,
        title: td.title,
        description: td.description,
        source: driver.source,
        origin: driver.origin,
        connection: driver.connection(),
        ...(typeof td.id === 'string' && { id: td.id }),
        type: thingTypeOf(td, driver.origin),
      };
    });
  }

  async stopAll(): Promise<void> {
    await Promise.allSettled(this.all().map((driver) => driver.stop()));
  }

  private announce(): void {
    this.broker.publish(
      new Message({ thing: LAB_THING, affordance: THINGS_AFFORDANCE, messageType: 'property', payload: this.summaries() }),
    );
  }
}

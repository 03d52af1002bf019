import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MessageBroker } from '../../../src/main/core/broker';
import { createLiveChannel } from '../../../src/main/core/live-channel';
import { silentLogger } from '../../../src/main/core/logger';
import { Message } from '../../../src/main/core/message';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('live channel lifetime', () => {
  it('dispose ends every broker subscription and the pending flush timer in one call', () => {
    const broker = new MessageBroker({ logger: silentLogger });
    let sent = 0;
    const channel = createLiveChannel({ broker, send: () => void sent++, logger: silentLogger });
    channel.subscribe({ thing: 'thermo', affordance: 'temperature' });
    channel.subscribe({ thing: 'thermo', affordance: '*' });
    channel.subscribe({ thing: '*', affordance: '*' });
    broker.publish(new Message({ thing: 'thermo', affordance: 'temperature', messageType: 'property', payload: 1 }));
    expect(broker.subscriptionCount()).toBe(3);
    expect(vi.getTimerCount()).toBe(1); // the flush the first pending item started
    channel.dispose();
    expect(broker.subscriptionCount()).toBe(0);
    expect(broker.keyCount()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    channel.dispose();
    broker.publish(new Message({ thing: 'thermo', affordance: 'temperature', messageType: 'property', payload: 2 }));
    vi.advanceTimersByTime(1000);
    expect(sent).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});

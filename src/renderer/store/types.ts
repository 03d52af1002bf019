import type { StateCreator } from 'zustand/vanilla';
import type { ConnectionSlice } from './connection-slice';
import type { EventsSlice } from './events-slice';
import type { InvocationsSlice } from './invocations-slice';
import type { LayoutsSlice } from './layouts-slice';
import type { LiveSlice } from './live-slice';
import type { ThingsSlice } from './things-slice';
import type { WatchSlice } from './watch-slice';
import type { AlarmsSlice } from './alarms-slice';

export type LabState = ThingsSlice & LiveSlice & InvocationsSlice & ConnectionSlice & EventsSlice & WatchSlice & AlarmsSlice & LayoutsSlice;

export type SliceCreator<S> = StateCreator<LabState, [], [], S>;

export * from './broker';
export * from './message';
export * from './streams';

export * from './contract';
export * from './disposable';
export * from './errors';
export * from './model';
export * from './alarms';

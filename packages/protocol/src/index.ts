export * from './auth.ts';
export * from './autocomplete.ts';
export * from './common.ts';
export * from './constants.ts';
export * from './messages.ts';
export * from './rooms.ts';
export * from './stats.ts';
export * from './ws.ts';

export * from './auth.ts';
export * from './autocomplete.ts';
export * from './common.ts';
export * from './messages.ts';
export * from './rooms.ts';
export * from './stats.ts';
export * from './version.ts';
export * from './ws.ts';

import { ErrorResponse } from '@tandem/protocol';

/** Documents the error statuses a route can answer with, all in the one error shape. */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, ErrorResponse])) as Record<number, typeof ErrorResponse>;

export const signedIn: Array<Record<string, string[]>> = [{ bearer: [] }, { cookie: [] }];

import { ApiError, RealtimeError } from '@tandem/client';
import { describe, expect, it } from 'vitest';
import { errorMessage, fieldErrors, toAppError } from './errors.ts';

describe('toAppError', () => {
  it('puts validation issues at their fields, without the body. prefix', () => {
    const error = new ApiError(400, 'validation_failed', 'body.username: must be at least 3 characters', {
      issues: [
        { path: 'body.username', message: 'must be at least 3 characters' },
        { path: 'body.email', message: 'must be an e-mail address' },
      ],
    });
    expect(toAppError(error)).toEqual({
      status: 400,
      code: 'validation_failed',
      message: 'Username must be at least 3 characters.',
      fields: { username: 'Must be at least 3 characters', email: 'Must be an e-mail address' },
    });
  });

  it('says a validation failure as a sentence a person reads, not as raw paths', () => {
    const error = new ApiError(
      400,
      'validation_failed',
      'body.name: must not be empty; body.name: must not contain control characters',
      {
        issues: [
          { path: 'body.name', message: 'must not be empty' },
          { path: 'body.name', message: 'must not contain control characters' },
        ],
      },
    );
    expect(toAppError(error)).toMatchObject({
      message: 'Name must not be empty.',
      fields: { name: 'Must not be empty' },
    });
    const nested = new ApiError(400, 'validation_failed', 'body.clientMessageId: too long', {
      issues: [{ path: 'body.clientMessageId', message: 'too long' }],
    });
    expect(toAppError(nested).message).toBe('Client message id too long.');
  });

  it('puts a conflict at the field the server names', () => {
    const error = new ApiError(409, 'conflict', 'The username "alice" is taken.', { field: 'username' });
    expect(toAppError(error).fields).toEqual({ username: 'The username "alice" is taken.' });
  });

  it('keeps the words of network and realtime failures', () => {
    expect(toAppError(new ApiError(0, 'network', 'Cannot reach the server.')).message).toBe('Cannot reach the server.');
    expect(toAppError(new RealtimeError('not_found', 'No room has this id.'))).toMatchObject({
      code: 'not_found',
      message: 'No room has this id.',
    });
  });

  it('still says something for anything else', () => {
    expect(toAppError(new SyntaxError('Unexpected token <')).message).toBe(
      'Unexpected answer from the server: Unexpected token <',
    );
  });
});

describe('errorMessage and fieldErrors', () => {
  it('read an AppError and tolerate nothing', () => {
    const error = toAppError(new ApiError(409, 'conflict', 'Taken', { field: 'name' }));
    expect(errorMessage(error)).toBe('Taken');
    expect(fieldErrors(error)).toEqual({ name: 'Taken' });
    expect(errorMessage(undefined)).toBeUndefined();
    expect(fieldErrors(undefined)).toEqual({});
  });
});

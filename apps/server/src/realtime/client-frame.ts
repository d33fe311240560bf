import { ClientFrame, type ParsedClientFrame, type ServerFrame, type WsErrorCode } from '@tandem/protocol';

const KNOWN_TYPES = new Set<string>(ClientFrame.options.map((o) => o.shape.type.value));

export const frameOf = (frame: ServerFrame) => JSON.stringify(frame);

export const errorFrame = (code: WsErrorCode, message: string, ref?: string, details?: unknown) =>
  frameOf({
    type: 'error',
    code,
    message,
    ...(ref === undefined ? {} : { ref }),
    ...(details === undefined ? {} : { details }),
  });

/**
 * A client frame as read off the socket: valid, with the `ref` it carried, or the error frame that
 * answers it. `binary` says the frame was not text at all: that is answered even before
 * authentication, where any other mistake ends the socket.
 */
export type Reading =
  | { ok: true; frame: ParsedClientFrame; ref: string | undefined }
  | { ok: false; error: string; binary: boolean };

/**
 * Parses a text frame (`null` for a binary one) and validates it against `ClientFrame`. A frame
 * that fails validation gets its `ref` back when it had a string one, so that a client can tell
 * which of its frames was refused.
 */
export function readClientFrame(raw: string | null): Reading {
  if (raw === null)
    return { ok: false, binary: true, error: errorFrame('bad_frame', 'Send JSON text frames, not binary ones.') };
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    data = undefined;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: false, binary: false, error: errorFrame('bad_frame', 'A frame must be one JSON object.') };
  }
  const ref = typeof (data as { ref?: unknown }).ref === 'string' ? (data as { ref: string }).ref : undefined;
  const parsed = ClientFrame.safeParse(data);
  if (parsed.success) return { ok: true, frame: parsed.data, ref };
  const type = (data as { type?: unknown }).type;
  if (typeof type !== 'string' || !KNOWN_TYPES.has(type)) {
    const known = [...KNOWN_TYPES].join(', ');
    const message = `Unknown frame type ${JSON.stringify(type ?? null)}. Known: ${known}.`;
    return { ok: false, binary: false, error: errorFrame('unknown_type', message, ref) };
  }
  const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const message = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  return { ok: false, binary: false, error: errorFrame('validation_failed', message, ref, { issues }) };
}

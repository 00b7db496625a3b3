import { CLIENT_FRAME_SCHEMAS, type ClientFrame, type ClientFrameType, jsonProblem, mayBreakTextRules } from '@chat4all/protocol';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { FormatRegistry } from '@sinclair/typebox/type';
import { badText, RelayError } from '../errors.js';

// Times in frames (`Timestamp`) are RFC 3339 date-times, as HTTP bodies are checked (ajv-formats' `date-time`).
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (value) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)));

const checkers = Object.fromEntries(
  Object.entries(CLIENT_FRAME_SCHEMAS).map(([type, schema]) => [type, TypeCompiler.Compile(schema)]),
) as unknown as Record<ClientFrameType, ReturnType<typeof TypeCompiler.Compile>>;

/** Best-effort request id of a raw frame, so even a rejected frame's error is correlated. */
function readId(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const id = (value as { id?: unknown }).id;
  return typeof id === 'string' && id.length > 0 && id.length <= 64 ? id : null;
}

/**
 * Parses and validates one text frame (its UTF-8 bytes). Returns either the typed frame or
 * the error to send back (with the request id when readable); never throws.
 */
export function parseFrame(
  data: Buffer,
  maxBytes: number,
): { ok: true; frame: ClientFrame } | { ok: false; id: string | null; error: RelayError } {
  const bytes = data.length;
  const text = data.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    if (bytes > maxBytes) return { ok: false, id: null, error: tooLarge(bytes, maxBytes) };
    return { ok: false, id: null, error: new RelayError('MALFORMED_FRAME', 'Frame is not valid JSON') };
  }
  const id = readId(value);
  // A resume frame carries one cursor per conversation and may use the hard cap.
  const isResume = (value as { type?: unknown } | null)?.type === 'resume';
  if (!isResume && bytes > maxBytes) return { ok: false, id, error: tooLarge(bytes, maxBytes) };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, id, error: new RelayError('MALFORMED_FRAME', 'Frame must be a JSON object') };
  }
  const problem = mayBreakTextRules(text) ? jsonProblem(value) : null;
  if (problem) return { ok: false, id, error: badText(problem) };
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(checkers, type)) {
    return { ok: false, id, error: new RelayError('UNKNOWN_FRAME_TYPE', `Unknown frame type ${JSON.stringify(type ?? null)}`) };
  }
  const checker = checkers[type as ClientFrameType];
  if (!checker.Check(value)) {
    const details = [...checker.Errors(value)].slice(0, 10).map((e) => ({ path: e.path, message: e.message }));
    const first = details[0];
    return {
      ok: false,
      id,
      error: new RelayError('BAD_REQUEST', `Invalid ${type} frame${first ? `: ${first.path || '/'} ${first.message}` : ''}`, { details }),
    };
  }
  return { ok: true, frame: value as ClientFrame };
}

function tooLarge(bytes: number, maxBytes: number): RelayError {
  return new RelayError('FRAME_TOO_LARGE', `Frame is ${bytes} bytes; the limit is ${maxBytes}`);
}

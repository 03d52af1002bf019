import { z } from 'zod';

/** The small set of error codes that cross process and network boundaries. */
export const ErrorCode = z.enum([
  'NOT_FOUND',
  'INVALID_ARGUMENT',
  'READ_ONLY',
  'CONFLICT',
  'DRIVER_FAULT',
  'DISCONNECTED',
  'TIMEOUT',
  'CANCELLED',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const LabErrorData = z.object({
  code: ErrorCode,
  message: z.string(),
  /** Per-input messages when a peer named the inputs it refused (e.g. a 422 on one action input). */
  fields: z.record(z.string(), z.string()).optional(),
});
export type LabErrorData = z.infer<typeof LabErrorData>;

/** An error that knows its code, so it can cross a boundary as data. */
export class LabError extends Error {
  override readonly name = 'LabError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Per-input messages, keyed by input name (see LabErrorData.fields). */
    readonly fields?: Record<string, string>,
  ) {
    super(message);
  }
  toData(): LabErrorData {
    return this.fields ? { code: this.code, message: this.message, fields: { ...this.fields } } : { code: this.code, message: this.message };
  }
}

/** Errors cross boundaries as data, never as thrown objects. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: LabErrorData };

/** Turns anything thrown into error data; unknown errors become INTERNAL with their message. */
export function toErrorData(error: unknown): LabErrorData {
  if (error instanceof LabError) return error.toData();
  if (error instanceof Error) return { code: 'INTERNAL', message: error.message };
  return { code: 'INTERNAL', message: String(error) };
}

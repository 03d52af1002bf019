import { z } from 'zod';
import type { Invocation, LogLevel, LogRecord, ProblemDetails } from '../../shared/model';
import { InvocationStatus } from '../../shared/model';
import { normaliseTimestamp } from './time';

/** What labthings-fastapi v0.3.0 sends, parsed loosely: extra fields pass, wrong types fail. */
export const LtLogRecord = z
  .object({
    message: z.string(),
    levelname: z.string().optional(),
    levelno: z.number().optional(),
    created: z.union([z.string(), z.number()]).optional(),
    exception_type: z.string().nullable().optional(),
  })
  .loose();
export type LtLogRecord = z.infer<typeof LtLogRecord>;

export const LtProblem = z
  .object({
    title: z.string().nullable().optional(),
    detail: z.string().nullable().optional(),
    status: z.number().nullable().optional(),
    type: z.string().nullable().optional(),
  })
  .loose();

export const LtInvocation = z
  .object({
    id: z.string(),
    status: InvocationStatus,
    action: z.string(),
    href: z.string(),
    timeRequested: z.string().nullable().optional(),
    timeStarted: z.string().nullable().optional(),
    timeCompleted: z.string().nullable().optional(),
    input: z.unknown().optional(),
    output: z.unknown().optional(),
    log: z.array(LtLogRecord).optional(),
    error: LtProblem.nullable().optional(),
    progress: z.number().nullable().optional(),
    links: z.array(z.object({ href: z.string(), rel: z.string().nullable().optional() }).loose()).optional(),
  })
  .loose();
export type LtInvocation = z.infer<typeof LtInvocation>;

const WsError = z.object({ status: z.union([z.string(), z.number()]).optional(), title: z.string().optional(), detail: z.string().optional() }).loose();

/** Frames on `ws://<host>/<thing>/ws`. Error `status` is a string there ("404"). */
export const LtWsFrame = z.discriminatedUnion('messageType', [
  z.object({ messageType: z.literal('propertyStatus'), data: z.record(z.string(), z.unknown()) }).loose(),
  z
    .object({
      messageType: z.literal('actionStatus'),
      data: z.object({ 'action name': z.string(), status: InvocationStatus }).loose(),
    })
    .loose(),
  z
    .object({
      messageType: z.literal('response'),
      operation: z.string().optional(),
      name: z.string().optional(),
      error: WsError.optional(),
    })
    .loose(),
]);
export type LtWsFrame = z.infer<typeof LtWsFrame>;

function mapLevel(record: LtLogRecord): LogLevel {
  const name = record.levelname?.toUpperCase();
  const no = record.levelno ?? (name === 'DEBUG' ? 10 : name === 'WARNING' || name === 'WARN' ? 30 : name === 'ERROR' || name === 'CRITICAL' ? 40 : 20);
  if (no < 20) return 'debug';
  if (no < 30) return 'info';
  if (no < 40) return 'warning';
  return 'error';
}

function mapLogRecord(record: LtLogRecord, fallbackTime: string): LogRecord {
  const prefix = record.exception_type && !record.message.startsWith(record.exception_type) ? `${record.exception_type}: ` : '';
  return {
    time: normaliseTimestamp(record.created) ?? fallbackTime,
    level: mapLevel(record),
    message: `${prefix}${record.message}`,
  };
}

function mapProblem(problem: z.infer<typeof LtProblem> | null | undefined): ProblemDetails | null {
  if (!problem) return null;
  const mapped: ProblemDetails = { title: problem.title ?? 'Error' };
  if (problem.detail) mapped.detail = problem.detail;
  if (typeof problem.status === 'number' && Number.isInteger(problem.status)) mapped.status = problem.status;
  if (problem.type) mapped.type = problem.type;
  return mapped;
}

/** A LabThings invocation as ours; `thing` and `action` are names in this app. */
export function toInvocation(raw: LtInvocation, thing: string, action: string, now: string): Invocation {
  return {
    id: raw.id,
    thing,
    action,
    status: raw.status,
    progress: typeof raw.progress === 'number' ? Math.min(100, Math.max(0, raw.progress)) : null,
    timeRequested: normaliseTimestamp(raw.timeRequested) ?? now,
    timeStarted: normaliseTimestamp(raw.timeStarted),
    timeCompleted: normaliseTimestamp(raw.timeCompleted),
    input: raw.input ?? null,
    output: raw.output ?? null,
    log: (raw.log ?? []).map((record) => mapLogRecord(record, now)),
    // LabThings also reports cancellation as an error; ours says so with the status alone.
    error: raw.status === 'cancelled' ? null : mapProblem(raw.error),
  };
}

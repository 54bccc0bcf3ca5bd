import { z } from 'zod';
import { AquiferError } from '../errors.js';
import { OIP_DATATYPES, type FeedbackItem, type InferRequest, type PredictRequest } from '../models/index.js';

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const columns = z.record(z.string(), z.array(z.unknown()));

/** `POST /v1/models/{model}/predict`: columns (`entities`, `request`) or rows (`instances`), not both. */
const PredictBody = z
  .object({
    entities: z.record(z.string(), z.array(scalar)).optional(),
    request: columns.optional(),
    instances: z.array(z.record(z.string(), z.unknown())).optional(),
  })
  .strict()
  .refine((b) => (b.instances === undefined) !== (b.entities === undefined && b.request === undefined), {
    message: 'send "entities" (and "request") column-wise, or "instances" as rows',
    path: ['instances'],
  });

/** A nested list of values, flattened in row-major order by the model. */
const tensorValues: z.ZodType<unknown[]> = z.array(z.union([z.number(), z.string(), z.boolean(), z.lazy(() => tensorValues)]));

/** The Open Inference Protocol's inference request (JSON, tensors with `data`; no binary extension). */
const InferBody = z.object({
  id: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  inputs: z
    .array(
      z.object({
        name: z.string().min(1),
        shape: z.array(z.number().int().nonnegative()),
        datatype: z.enum(OIP_DATATYPES),
        parameters: z.record(z.string(), z.unknown()).optional(),
        data: tensorValues,
      }),
    )
    .min(1),
  outputs: z.array(z.object({ name: z.string().min(1), parameters: z.record(z.string(), z.unknown()).optional() })).optional(),
});

const FeedbackOne = z.object({ request_id: z.string().min(1), row: z.number().int().nonnegative().optional(), label: z.unknown() });
const FeedbackBody = z.union([FeedbackOne, z.array(FeedbackOne).min(1)]);

export function parsePredict(text: string): PredictRequest {
  return parse(PredictBody, text, PREDICT_HINT) as PredictRequest;
}

export function parseInfer(text: string): InferRequest {
  return parse(InferBody, text, INFER_HINT) as InferRequest;
}

export function parseFeedback(text: string): FeedbackItem[] {
  const body = parse(FeedbackBody, text, FEEDBACK_HINT);
  const items = Array.isArray(body) ? body : [body];
  for (const [i, item] of items.entries())
    if (item.label === undefined)
      throw new AquiferError('MODEL_REQUEST_INVALID', `"${Array.isArray(body) ? `[${i}].` : ''}label" is missing`, {
        value: { field: 'label' },
        hint: FEEDBACK_HINT,
      });
  return items as FeedbackItem[];
}

const PREDICT_HINT = 'Send {"entities": {"key": [values]}, "request": {"field": [values]}} or {"instances": [{"key": value, "field": value}]}.';
const INFER_HINT = 'Send the Open Inference Protocol\'s JSON: {"inputs": [{"name": …, "shape": […], "datatype": "FP32", "data": […]}]}.';
const FEEDBACK_HINT = 'Send {"request_id": "…", "label": value} (with "row" for a row after the first), or a list of them.';

function parse<T>(schema: z.ZodType<T>, text: string, hint: string): T {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new AquiferError('HTTP_BODY_INVALID', `The body is not valid JSON: ${(error as Error).message}`, { hint });
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = (issue?.path ?? []).reduce<string>(
    (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out === '' ? String(part) : `${out}.${String(part)}`),
    '',
  );
  throw new AquiferError('MODEL_REQUEST_INVALID', `${field === '' ? 'The body' : `"${field}"`}: ${issue?.message ?? 'invalid'}`, { value: { field }, hint });
}

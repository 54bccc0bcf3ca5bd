import { z } from 'zod';
import { AquiferError } from '../errors.js';
import {
  decodeBinaryTensor,
  elementCount,
  OIP_DATATYPES,
  type FeedbackItem,
  type InferRequest,
  type PredictRequest,
  type TensorData,
} from '../models/index.js';
import type { BinaryTensorBody } from './pipeline/pipeline.js';

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

/** Parameters of a request, input or output; the binary extension's are typed, others are the server's to ignore. */
const parameters = z
  .object({
    binary_data_size: z.number().int().nonnegative().optional(),
    binary_data: z.boolean().optional(),
    binary_data_output: z.boolean().optional(),
  })
  .catchall(z.unknown())
  .optional();

/**
 * The Open Inference Protocol's inference request: tensors with JSON `data`, or, with the
 * binary tensor data extension, `parameters.binary_data_size` and the bytes after the JSON.
 */
const InferBody = z.object({
  id: z.string().optional(),
  parameters,
  inputs: z
    .array(
      z.object({
        name: z.string().min(1),
        shape: z.array(z.number().int().nonnegative()),
        datatype: z.enum(OIP_DATATYPES),
        parameters,
        data: tensorValues.optional(),
      }),
    )
    .min(1),
  outputs: z.array(z.object({ name: z.string().min(1), parameters })).optional(),
});

/** An inference request as the wire carried it: the tensors, and which outputs go back as binary data. */
export interface InferWire {
  request: InferRequest;
  /** Whether an output is to be answered as binary data (its `binary_data`, else the request's `binary_data_output`). */
  binaryOutput: (name: string) => boolean;
}

const FeedbackOne = z.object({ request_id: z.string().min(1), row: z.number().int().nonnegative().optional(), label: z.unknown() });
const FeedbackBody = z.union([FeedbackOne, z.array(FeedbackOne).min(1)]);

export function parsePredict(text: string): PredictRequest {
  return parse(PredictBody, text, PREDICT_HINT) as PredictRequest;
}

/**
 * An inference request from its JSON (the header, for a binary tensor data body) and tensor
 * bytes: each input with `binary_data_size` takes the next that many bytes, in input order,
 * which must match its shape and datatype; bytes left over, or missing, are refused.
 */
export function parseInfer(text: string, binary?: BinaryTensorBody): InferWire {
  const body = parse(InferBody, text, INFER_HINT);
  let at = 0;
  let elements = 0;
  const inputs = body.inputs.map((input, i): TensorData => {
    const field = `inputs[${i}]`;
    const size = input.parameters?.binary_data_size;
    if (size === undefined) {
      if (input.data === undefined) throw requestInvalid(`${field}.data`, 'is missing (or give parameters.binary_data_size and the bytes)');
      return { name: input.name, shape: input.shape, datatype: input.datatype, data: input.data as TensorData['data'] };
    }
    if (input.data !== undefined) throw requestInvalid(`${field}.data`, 'is given beside parameters.binary_data_size; send one');
    if (binary === undefined)
      throw requestInvalid(`${field}.parameters.binary_data_size`, 'needs the Inference-Header-Content-Length header and the bytes after the JSON');
    if (at + size > binary.bytes.length)
      throw requestInvalid(`${field}.parameters.binary_data_size`, `says ${size} bytes, but ${binary.bytes.length - at} remain after the JSON`);
    elements += elementCount(input.shape);
    if (elements > binary.maxElements)
      throw new AquiferError('HTTP_TOO_MANY_RECORDS', `The binary tensors hold more than ${binary.maxElements} elements`, {
        value: binary.maxElements,
        hint: 'Send fewer rows per request, or raise server.limits.records in aquifer.json.',
      });
    const data = decodeBinaryTensor(`${field}.parameters.binary_data_size`, input.datatype, input.shape, binary.bytes.subarray(at, at + size));
    at += size;
    return { name: input.name, shape: input.shape, datatype: input.datatype, data };
  });
  if (binary !== undefined && at !== binary.bytes.length)
    throw requestInvalid('inputs', `${binary.bytes.length - at} bytes after the JSON belong to no input's binary_data_size`);
  const request: InferRequest = { inputs };
  if (body.id !== undefined) request.id = body.id;
  if (body.outputs !== undefined) request.outputs = body.outputs.map((o) => ({ name: o.name }));
  const all = body.parameters?.binary_data_output === true;
  const asked = new Map(body.outputs?.map((o) => [o.name, o.parameters?.binary_data]));
  return { request, binaryOutput: (name) => asked.get(name) ?? all };
}

function requestInvalid(field: string, message: string): AquiferError {
  return new AquiferError('MODEL_REQUEST_INVALID', `"${field}" ${message}`, { value: { field }, hint: INFER_HINT });
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
const INFER_HINT =
  'Send the Open Inference Protocol\'s JSON: {"inputs": [{"name": …, "shape": […], "datatype": "FP32", "data": […]}]}, or its binary tensor data extension (parameters.binary_data_size, the bytes after the JSON, Inference-Header-Content-Length).';
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

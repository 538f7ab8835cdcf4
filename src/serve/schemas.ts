/**
 * JSON schemas of the service's answers. Fastify serializes each response through its schema
 * (fast-json-stringify), so a route can never leak a field the schema does not name.
 */

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
  },
} as const;

const identitySchema = {
  type: 'object',
  required: ['name', 'sha256'],
  properties: { name: { type: 'string' }, sha256: { type: 'string' } },
} as const;

const headSchema = {
  type: 'object',
  required: ['label', 'probability', 'probabilities'],
  properties: {
    label: { type: 'string' },
    probability: { type: 'number' },
    probabilities: { type: 'object', additionalProperties: { type: 'number' } },
  },
} as const;

/** `branchnet predict --json`'s shape, plus which model answered. */
export const predictSchema = {
  type: 'object',
  required: ['model', 'predictions', 'failures'],
  properties: {
    model: identitySchema,
    predictions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['path', 'heads'],
        properties: { path: { type: 'string' }, heads: { type: 'object', additionalProperties: headSchema } },
      },
    },
    failures: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, error: { type: 'string' } } } },
  },
} as const;

export const modelSchema = {
  type: 'object',
  required: ['name', 'sha256', 'engine', 'heads', 'input', 'preprocessing', 'training', 'seenCombos'],
  properties: {
    name: { type: 'string' },
    sha256: { type: 'string' },
    engine: { type: 'string' },
    heads: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, vocab: { type: 'array', items: { type: 'string' } } } } },
    input: { type: 'object', properties: { height: { type: 'integer' }, width: { type: 'integer' }, channels: { type: 'integer' } } },
    preprocessing: {
      type: 'object',
      properties: { mode: { type: 'string' }, interpolation: { type: 'string' }, resize: { type: 'string' }, alpha: { type: 'string' } },
    },
    training: {
      type: 'object',
      properties: {
        arch: { type: 'string' },
        backbone: { type: 'string' },
        createdAt: { type: 'string' },
        seconds: { type: ['number', 'null'] },
        data: {
          type: ['object', 'null'],
          properties: { images: { type: 'integer' }, train: { type: 'integer' }, val: { type: 'integer' }, heldOut: { type: 'integer' } },
        },
        phases: {
          type: 'array',
          items: {
            type: 'object',
            properties: { name: { type: 'string' }, epochs: { type: 'integer' }, finalValidation: { type: 'object', additionalProperties: { type: 'number' } } },
          },
        },
      },
    },
    seenCombos: { type: 'array', items: { type: 'string' } },
  },
} as const;

import { schemasOf } from './route-schemas.ts';
import { authOf, errorShapeOf, ROUTES, type RouteDefinition } from './routes.ts';
import { toJSONSchema, type ZodMiniType as ZodType } from './zod.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON Schema / OpenAPI objects
type Json = Record<string, any>;

const jsonSchema = (schema: ZodType): Json => {
  const { $schema: _, ...rest } = toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  return rest;
};

const SOLARIS_ERROR: Json = {
  type: 'object',
  required: ['errors'],
  properties: {
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'status', 'code', 'title', 'detail'],
        properties: {
          id: { type: 'string', description: 'The request correlation id (X-Request-Id)' },
          status: { type: 'integer' },
          code: { type: 'string' },
          title: { type: 'string' },
          detail: { type: 'string' },
          source: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
        },
      },
    },
  },
};

const ZITADEL_ERROR: Json = {
  type: 'object',
  required: ['code', 'message', 'details'],
  properties: {
    code: { type: 'integer', description: 'gRPC status code' },
    message: { type: 'string' },
    details: {
      type: 'array',
      items: {
        type: 'object',
        required: ['@type'],
        properties: {
          '@type': { type: 'string', const: 'type.googleapis.com/zitadel.v1.ErrorDetail' },
          id: { type: 'string', description: 'The error code' },
          message: { type: 'string' },
        },
      },
    },
  },
};

const CONNECT_ERROR: Json = {
  type: 'object',
  required: ['code'],
  properties: {
    code: { type: 'string', description: 'Connect error code (invalid_argument, not_found, ...)' },
    message: { type: 'string' },
  },
};

const ERROR_REFS = {
  solaris: '#/components/schemas/Error',
  zitadel: '#/components/schemas/ZitadelError',
  connect: '#/components/schemas/ConnectError',
} as const;

/** Path and query parameters from an object schema: one parameter per property. */
function parameters(schema: ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!schema) return [];
  const object = jsonSchema(schema);
  const required = new Set<string>(object.required ?? []);
  return Object.entries((object.properties ?? {}) as Json).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: property,
  }));
}

type ScopeNames = { partner: string; user: string; operator: string };

function operationOf(route: RouteDefinition, scopes: ScopeNames): Json {
  const schemas = schemasOf(route);
  const auth = authOf(route);
  const errorRef = ERROR_REFS[errorShapeOf(route)];
  return {
    operationId: route.operation,
    summary: route.summary,
    tags: [
      route.path.split('/')[2] === 'users' || errorShapeOf(route) === 'connect'
        ? 'end-user'
        : (route.path.split('/')[2] ?? 'api'),
    ],
    parameters: [
      ...parameters(schemas.params, 'path'),
      ...parameters(schemas.query, 'query'),
      {
        name: 'X-Request-Id',
        in: 'header',
        required: false,
        schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
      },
    ],
    ...(schemas.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema(schemas.body) } },
          },
        }
      : {}),
    ...(auth === 'public' ? { security: [] } : { security: [{ bearer: [scopes[auth]] }] }),
    responses: {
      '2XX': { description: "Success; see the README for each operation's body." },
      default: { description: 'Error', content: { 'application/json': { schema: { $ref: errorRef } } } },
    },
  };
}

/**
 * The OpenAPI 3.1 document of the deployed API, generated from the route table and the zod schemas the handlers
 * validate with (shared/route-schemas.ts, by operation), so it cannot drift from the code. It imports no handler.
 */
export async function buildOpenApi(
  scopes: ScopeNames = {
    partner: 'phone-security/partner',
    user: 'phone-security/user',
    operator: 'phone-security/operator',
  },
) {
  const paths: Json = {};
  for (const route of ROUTES) {
    paths[route.path] ??= {};
    paths[route.path][route.method.toLowerCase()] = operationOf(route, scopes);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Phone security service',
      version: '1',
      description:
        'Partner API (Solaris-compatible), end-user phone API (Zitadel-compatible) and operator API for customer support.',
    },
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: SOLARIS_ERROR, ZitadelError: ZITADEL_ERROR, ConnectError: CONNECT_ERROR },
    },
  };
}

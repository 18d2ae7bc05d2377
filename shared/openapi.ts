import { answersOf, ConnectError, SolarisError, ZitadelError } from './response-schemas.ts';
import { schemasOf } from './route-schemas.ts';
import { authOf, errorShapeOf, ROUTES, type RouteDefinition } from './routes.ts';
import { toJSONSchema, type ZodMiniType as ZodType } from './zod.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON Schema / OpenAPI objects
type Json = Record<string, any>;

const jsonSchema = (schema: ZodType, io: 'input' | 'output' = 'input'): Json => {
  const { $schema: _, ...rest } = toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  return rest;
};

const STATUS_TEXT: Record<number, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content' };

/** The errors every route may answer, in its API's shape; the operation's own codes are in docs/api.md. */
const ERROR_STATUSES: Record<string, string> = {
  '400': 'Bad request: malformed JSON, a field of the wrong type or format',
  '401': 'No token, or an invalid one',
  '403':
    'A token of the wrong kind, or a refused second factor (invalid_tan, invalid_signature, cooling_off_period)',
  '404': "Not found, or not this person's",
  '409': 'Conflict with the current state',
  '413': 'Body over 16 KiB',
  '415': 'Content type other than application/json',
  '422': 'Well-formed but not possible now (expired, unknown key, not verified, country not allowed)',
  '429': 'A quota or budget is spent; Retry-After says when to retry',
  '5XX': 'A failure of the service; the body says nothing more, the log does',
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

const SECURITY_SCHEMES = { partner: 'partner', operator: 'operator', user: 'endUser' } as const;

/**
 * Partner and operator callers are backends with OAuth 2.0 client credentials (Cognito's token endpoint when
 * deployed, `npm run token` locally); the end-user API takes the end user's own access token, a JWT from the
 * bank's identity provider, whose subject is the person.
 */
function securitySchemes(scopes: ScopeNames): Json {
  const clientCredentials = (scope: string, description: string) => ({
    type: 'oauth2',
    description: `${description} Deployed: the stack's Cognito domain, https://<domain prefix>.auth.<region>.amazoncognito.com/oauth2/token (or the configured external issuer). Locally: npm run -s token.`,
    flows: {
      clientCredentials: {
        tokenUrl: 'https://auth.example.com/oauth2/token',
        scopes: { [scope]: description },
      },
    },
  });
  return {
    partner: clientCredentials(scopes.partner, 'The partner backend (Solaris-shaped /v1 routes).'),
    operator: clientCredentials(scopes.operator, 'Customer support tooling (/v1/operator routes); audited.'),
    endUser: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: `An end user's access token carrying scope ${scopes.user}; its subject is the person id.`,
    },
  };
}

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
    ...(auth === 'public' ? { security: [] } : { security: [{ [SECURITY_SCHEMES[auth]]: [scopes[auth]] }] }),
    responses: {
      ...Object.fromEntries(
        Object.entries(answersOf(route)).map(([status, schema]) => [
          status,
          schema
            ? {
                description: STATUS_TEXT[Number(status)] ?? 'Success',
                content: { 'application/json': { schema: jsonSchema(schema, 'output') } },
              }
            : { description: STATUS_TEXT[Number(status)] ?? 'Success' },
        ]),
      ),
      ...Object.fromEntries(
        Object.entries(ERROR_STATUSES).map(([status, description]) => [
          status,
          { description, content: { 'application/json': { schema: { $ref: errorRef } } } },
        ]),
      ),
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
      securitySchemes: securitySchemes(scopes),
      schemas: {
        Error: jsonSchema(SolarisError, 'output'),
        ZitadelError: jsonSchema(ZitadelError, 'output'),
        ConnectError: jsonSchema(ConnectError, 'output'),
      },
    },
  };
}

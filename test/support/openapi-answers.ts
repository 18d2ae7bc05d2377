import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { buildOpenApi } from '../../shared/openapi.ts';
import type { RouteDefinition } from '../../shared/routes.ts';

/**
 * Checks real answers against the OpenAPI document the service publishes: the status must be one the operation
 * documents, and the body must match that status's schema (with JSON Schema, as a generated client would read it).
 * The e2e fixture feeds it every answer of every test file and fails the file on any mismatch.
 */
// biome-ignore lint/suspicious/noExplicitAny: OpenAPI objects
type Json = Record<string, any>;

const documentPromise = buildOpenApi();
const ajv = new Ajv2020({ strict: false, allErrors: true });
const validators = new Map<string, ValidateFunction | null>();

function inline(schema: Json, components: Json): Json {
  const ref = schema.$ref as string | undefined;
  return ref ? components[ref.replace('#/components/schemas/', '')] : schema;
}

async function validatorFor(
  route: RouteDefinition,
  status: number,
): Promise<ValidateFunction | null | 'undocumented'> {
  const key = `${route.operation} ${status}`;
  if (validators.has(key)) return validators.get(key)!;
  const document = (await documentPromise) as Json;
  const responses: Json = document.paths[route.path][route.method.toLowerCase()].responses;
  const response = responses[String(status)] ?? responses[`${String(status)[0]}XX`];
  if (!response) return 'undocumented';
  const schema = response.content?.['application/json']?.schema;
  const validator = schema ? ajv.compile(inline(schema, document.components.schemas)) : null;
  validators.set(key, validator);
  return validator;
}

export async function problemOf(
  route: RouteDefinition,
  result: APIGatewayProxyStructuredResultV2,
): Promise<string | undefined> {
  const status = result.statusCode ?? 200;
  const where = `${route.method} ${route.path} (${route.operation}) answered ${status}`;
  const validator = await validatorFor(route, status);
  if (validator === 'undocumented') return `${where}: the document has no response for this status`;
  const body = result.body ?? '';
  if (validator === null)
    return body === '' ? undefined : `${where} with a body the document does not describe`;
  const parsed = JSON.parse(body);
  if (validator(parsed)) return undefined;
  return `${where}: ${ajv.errorsText(validator.errors)}; body ${body.slice(0, 300)}`;
}

/** Collects the answers of one service and reports the mismatches. */
export function answerChecker() {
  const pending: Promise<string | undefined>[] = [];
  let count = 0;
  return {
    observe: (route: RouteDefinition, result: APIGatewayProxyStructuredResultV2) => {
      count++;
      pending.push(problemOf(route, result));
    },
    problems: async () => (await Promise.all(pending)).filter((p): p is string => p !== undefined),
    get count() {
      return count;
    },
  };
}

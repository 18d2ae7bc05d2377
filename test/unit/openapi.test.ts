import { describe, expect, it } from 'vitest';
import { buildOpenApi } from '../../shared/openapi.ts';
import { authOf, ROUTES } from '../../shared/routes.ts';

describe('OpenAPI document', () => {
  it('has one operation per route, with its auth scope and the schemas its handler validates', async () => {
    const document = await buildOpenApi();
    expect(document.openapi).toBe('3.1.0');
    const operations = Object.values(document.paths).flatMap((item) => Object.values(item as object));
    expect(operations).toHaveLength(ROUTES.length);
    for (const route of ROUTES) {
      const operation = document.paths[route.path]?.[route.method.toLowerCase()];
      expect(operation?.operationId, `${route.method} ${route.path}`).toBe(route.operation);
      const scope = `phone-security/${authOf(route)}`;
      const scheme = { partner: 'partner', operator: 'operator', user: 'endUser' }[authOf(route) as string];
      expect(operation.security).toEqual([{ [scheme!]: [scope] }]);
      const pathNames = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const declared = operation.parameters
        .filter((p: { in: string }) => p.in === 'path')
        .map((p: { name: string }) => p.name);
      expect(declared.sort()).toEqual(pathNames.sort());
    }
    expect(JSON.parse(JSON.stringify(document))).toEqual(document);
  });

  it('describes request bodies exactly: required fields, limits; unknown fields allowed (they are ignored)', async () => {
    const document = await buildOpenApi();
    const create = document.paths['/v1/persons/{person_id}/mobile_number'].post;
    expect(create.requestBody.content['application/json'].schema).toMatchObject({
      type: 'object',
      required: ['number'],
      properties: { device_data: { maxLength: 8192 } },
    });
    expect(create.requestBody.content['application/json'].schema.additionalProperties).not.toBe(false);
    const confirm = document.paths['/v1/persons/{person_id}/mobile_number/confirm'].post;
    expect(confirm.requestBody.content['application/json'].schema.properties.token).toEqual({
      type: 'string',
      maxLength: 200,
    });
    expect(document.paths['/v1/persons/{person_id}/mobile_number'].get.requestBody).toBeUndefined();
  });

  it('documents a success body for every operation and the error shape of its API for every error status', async () => {
    const document = await buildOpenApi();
    for (const route of ROUTES) {
      const { responses } = document.paths[route.path][route.method.toLowerCase()];
      const successes = Object.keys(responses).filter((status) => status.startsWith('2'));
      expect(successes.length, route.operation).toBeGreaterThan(0);
      for (const status of successes) {
        const schema = responses[status].content?.['application/json']?.schema;
        if (status === '204') expect(schema, route.operation).toBeUndefined();
        else expect(schema?.type ?? schema?.anyOf, `${route.operation} ${status}`).toBeDefined();
      }
      for (const status of ['400', '401', '403', '404', '429', '5XX']) {
        expect(responses[status].content['application/json'].schema.$ref, route.operation).toMatch(
          /^#\/components\/schemas\/(Error|ZitadelError|ConnectError)$/,
        );
      }
    }
  });

  it('names OAuth2 client credentials with scopes for partner and operator, a bearer JWT for end users', async () => {
    const { securitySchemes } = (await buildOpenApi()).components;
    expect(securitySchemes.partner.flows.clientCredentials.scopes).toHaveProperty(['phone-security/partner']);
    expect(securitySchemes.operator.flows.clientCredentials.scopes).toHaveProperty([
      'phone-security/operator',
    ]);
    expect(securitySchemes.endUser).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  });
});

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
      const scope = authOf(route) === 'user' ? 'phone-security/user' : 'phone-security/partner';
      expect(operation.security).toEqual([{ bearer: [scope] }]);
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
});

/** `npm run openapi`: prints the OpenAPI 3.1 document generated from the route table and the handlers' schemas. */
export {};

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { buildOpenApi } = await import('#shared/openapi.ts');
console.log(JSON.stringify(await buildOpenApi(), null, 2));

import { type CfnElement, NestedStack, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON
type Json = any;

/** Every nested stack under a stack, depth first. */
export function nestedStacksOf(stack: Stack): NestedStack[] {
  return stack.node
    .findAll()
    .filter((construct): construct is NestedStack => construct instanceof NestedStack && construct !== stack);
}

/**
 * A stage's top-level template with its nested stacks' resources merged in, each reference that crosses a template
 * (a nested stack's parameter, or a parent's read of a nested stack's output) replaced by what it refers to. The
 * tests that check IAM statements, alarms and settings read the stage as one template, as they did before the split;
 * the limits test reads the templates one by one.
 */
export function stageTemplate(root: Stack): Template {
  const top = Template.fromStack(root).toJSON();
  // The stage's nested stacks are children of its top-level stack.
  const nested = nestedStacksOf(root).map((stack) => {
    const id = root.getLogicalId(stack.nestedStackResource as CfnElement);
    const parameters: Record<string, Json> = top.Resources[id].Properties?.Parameters ?? {};
    return { id, parameters, json: Template.fromStack(stack).toJSON() };
  });
  const byId = new Map(nested.map((entry) => [entry.id, entry]));

  const resolve = (value: Json, parameters: Record<string, Json>): Json => {
    if (Array.isArray(value)) return value.map((item) => resolve(item, parameters));
    if (value === null || typeof value !== 'object') return value;
    if (typeof value.Ref === 'string' && value.Ref in parameters) return resolve(parameters[value.Ref], {});
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt) && byId.has(getAtt[0]) && String(getAtt[1]).startsWith('Outputs.')) {
      const producer = byId.get(getAtt[0])!;
      return resolve(
        producer.json.Outputs[String(getAtt[1]).slice('Outputs.'.length)].Value,
        producer.parameters,
      );
    }
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolve(item, parameters)]));
  };
  const merged: Json = { ...top, Resources: { ...top.Resources } };
  for (const entry of nested) {
    for (const [logicalId, resource] of Object.entries(entry.json.Resources as Record<string, Json>)) {
      if (logicalId in merged.Resources) throw new Error(`logical id ${logicalId} is in two templates`);
      merged.Resources[logicalId] = resolve(resource, entry.parameters);
    }
  }
  merged.Outputs = resolve(top.Outputs ?? {}, {});
  return Template.fromJSON(merged, { skipCyclicalDependenciesCheck: true });
}

import { NestedStack, type NestedStackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { RouteDefinition } from '../shared/routes.ts';
import { addRouteOperation, type RouteWiring } from './route-operations.ts';
import type { ServiceFunction } from './service-function.ts';

export interface ApiStackProps extends NestedStackProps {
  routes: readonly RouteDefinition[];
  wiring: RouteWiring;
}

/**
 * The routes of one concept of the API (lib/api-concepts.ts), as a nested stack of the stage: per route a function,
 * its role and log group, its route and integration on the stage's HTTP API, and its alarms. Stateless: it can be
 * replaced without losing data.
 */
export class ApiStack extends NestedStack {
  readonly functions = new Map<string, ServiceFunction>();

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    for (const route of props.routes) {
      this.functions.set(route.operation, addRouteOperation(this, route, props.wiring));
    }
  }
}

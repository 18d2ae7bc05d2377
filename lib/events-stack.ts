import { NestedStack, type NestedStackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { RouteDefinition } from '../shared/routes.ts';
import { watchFunction } from './observability.ts';
import { addRouteOperation, type RouteWiring } from './route-operations.ts';
import type { ServiceFunction } from './service-function.ts';
import { WebhookEvents } from './webhook-events.ts';

export interface EventsStackProps extends NestedStackProps {
  /** The webhook subscription routes (concept `webhooks`). */
  routes: readonly RouteDefinition[];
  wiring: RouteWiring;
}

/**
 * Events and webhooks, as a nested stack of the stage: the event path from the table's stream to the subscribers
 * (lib/webhook-events.ts) and the routes that manage webhook subscriptions.
 */
export class EventsStack extends NestedStack {
  readonly events: WebhookEvents;
  /** The webhook routes' functions, by operation name (the event path's are `events.relay`, `fanOut`, `delivery`). */
  readonly functions = new Map<string, ServiceFunction>();

  constructor(scope: Construct, id: string, props: EventsStackProps) {
    super(scope, id, props);
    const { wiring } = props;
    this.events = new WebhookEvents(this, 'Events', { data: wiring.data, topic: wiring.topic });
    for (const [operation, fn] of [
      ['relay-outbox-events', this.events.relay],
      ['fan-out-webhook-events', this.events.fanOut],
      ['deliver-webhook', this.events.delivery],
    ] as const) {
      watchFunction(this, operation, fn, wiring);
    }
    for (const route of props.routes) {
      this.functions.set(route.operation, addRouteOperation(this, route, wiring));
    }
  }
}

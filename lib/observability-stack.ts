import { NestedStack, type NestedStackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Observability, type ObservabilityProps } from './observability.ts';

/** The stage's dashboard and its alarms on the API, the event path and SMS, as a nested stack. */
export class ObservabilityStack extends NestedStack {
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: ObservabilityProps & NestedStackProps) {
    super(scope, id, props);
    this.observability = new Observability(this, 'Observability', props);
  }
}

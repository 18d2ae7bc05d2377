import { AsyncLocalStorage } from 'node:async_hooks';
import type { RouteDefinition, TableAction, TableIndex } from '../routes.ts';
import type { DocumentClient } from './dynamo.ts';

/**
 * Local and test mode only: holds each request to the DynamoDB actions and the grants (pepper, SMS, webhook key) its
 * route-table entry lists, which are exactly the IAM permissions the stack grants that Lambda. A use case that starts calling a new action fails its
 * end-to-end tests here, instead of failing with AccessDenied after deployment.
 */
const currentRoute = new AsyncLocalStorage<RouteDefinition>();

export const runAsRoute = <T>(route: RouteDefinition, work: () => Promise<T>) =>
  currentRoute.run(route, work);

/** Command names as the DynamoDB client reports them (the document client wraps these). */
const COMMAND_ACTIONS: Record<string, TableAction> = {
  GetItemCommand: 'GetItem',
  PutItemCommand: 'PutItem',
  UpdateItemCommand: 'UpdateItem',
  DeleteItemCommand: 'DeleteItem',
  QueryCommand: 'Query',
};

const TRANSACT_ACTIONS: Record<string, TableAction> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
};

export class AccessDenied extends Error {
  constructor(operation: string, action: string) {
    super(
      `${operation} is not granted ${/^(uses|sends|signs|reads)[A-Z]/.test(action) ? action : `dynamodb:${action}`} in the route table`,
    );
    this.name = 'AccessDenied';
  }
}

function actionsOf(commandName: string, input: Record<string, unknown>): string[] {
  if (commandName === 'TransactWriteItemsCommand') {
    const items = (input.TransactItems as Record<string, unknown>[] | undefined) ?? [];
    return items.flatMap((item) => Object.keys(item).map((kind) => TRANSACT_ACTIONS[kind] ?? kind));
  }
  return [COMMAND_ACTIONS[commandName] ?? commandName.replace(/Command$/, '')];
}

/** The route-table flags that stand for a grant other than table actions. */
export type RouteGrant = 'usesPepper' | 'sendsSms' | 'usesWebhookKey' | 'signsReceipts' | 'readsReceiptKeys';

/** Throws unless the current request's route holds the grant (outside a request, e.g. the relay, nothing is checked). */
export function requireGrant(grant: RouteGrant): void {
  const route = currentRoute.getStore();
  if (route && !route[grant]) throw new AccessDenied(route.operation, grant);
}

export function guardTableAccess(client: DocumentClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const route = currentRoute.getStore();
      if (route) {
        const input = args.input as Record<string, unknown>;
        const index = typeof input.IndexName === 'string' ? input.IndexName : undefined;
        if (index) {
          // A query on an index is granted on that index's ARN only (`<table>/index/<name>`).
          if (!route.indexes?.includes(index as TableIndex))
            throw new AccessDenied(route.operation, `Query on index ${index}`);
        } else {
          for (const action of actionsOf(context.commandName ?? '', input)) {
            if (!route.table.includes(action as TableAction)) throw new AccessDenied(route.operation, action);
          }
        }
      }
      return next(args);
    },
    { step: 'initialize', name: 'routeTableAccessGuard' },
  );
}

/**
 * The state table's physical schema, in one place so the CDK construct, local mode and the
 * tests create the same table. Plain data (no aws-cdk-lib import): Lambda bundles include it.
 * The access patterns behind these keys are in docs/data-model.md.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export const TABLE_DEFINITION = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: 'gsi1',
      partitionKey: { name: 'gsi1pk', type: 'S' },
      sortKey: { name: 'gsi1sk', type: 'S' },
      projection: 'ALL',
    },
    {
      // Environments by the GitOps repository and branch they follow: where a push is routed.
      indexName: 'gsi2',
      partitionKey: { name: 'gsi2pk', type: 'S' },
      sortKey: { name: 'gsi2sk', type: 'S' },
      projection: 'INCLUDE',
      nonKeyAttributes: ['organization', 'environment', 'gitopsPath', 'status'],
    },
  ],
  /** Epoch seconds; DynamoDB deletes expired items (alerts after 90 days). */
  timeToLiveAttribute: 'expiresAt',
  billingMode: 'PAY_PER_REQUEST',
} as const;

export const GSI1 = TABLE_DEFINITION.globalSecondaryIndexes[0].indexName;
export const GSI2 = TABLE_DEFINITION.globalSecondaryIndexes[1].indexName;

/** CreateTable input for the SDK (local mode, tests). TTL is set separately (UpdateTimeToLive). */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const { partitionKey, sortKey, globalSecondaryIndexes } = TABLE_DEFINITION;
  const attributeNames = new Set<string>([partitionKey.name, sortKey.name]);
  for (const index of globalSecondaryIndexes) {
    attributeNames.add(index.partitionKey.name);
    attributeNames.add(index.sortKey.name);
  }
  return {
    TableName: tableName,
    BillingMode: TABLE_DEFINITION.billingMode,
    AttributeDefinitions: [...attributeNames].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: partitionKey.name, KeyType: 'HASH' },
      { AttributeName: sortKey.name, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: globalSecondaryIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
      ],
      Projection:
        'nonKeyAttributes' in index
          ? { ProjectionType: index.projection, NonKeyAttributes: [...index.nonKeyAttributes] }
          : { ProjectionType: index.projection },
    })),
  };
}

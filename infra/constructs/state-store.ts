import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { TABLE_DEFINITION } from '../../functions/adapters/dynamodb/table-schema.js';

/** The item operations the repository uses (functions/adapters/dynamodb/store.ts). */
export type ItemAction = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'Query';

export interface StateStoreProps {
  /** Customer-managed key that encrypts the table. */
  readonly encryptionKey: kms.IKey;
}

/**
 * The single DynamoDB table that holds organizations, environments, runs (with their phase
 * records), alerts and the audit history. Key design and access patterns: docs/data-model.md.
 */
export class StateStore extends Construct {
  readonly table: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: StateStoreProps) {
    super(scope, id);
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: TABLE_DEFINITION.partitionKey.name, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_DEFINITION.sortKey.name, type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(props.encryptionKey),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE_DEFINITION.timeToLiveAttribute,
      deletionProtection: true,
      // State outlives the stack: a `cdk destroy` must never take tenants' history with it.
      removalPolicy: RemovalPolicy.RETAIN,
      globalSecondaryIndexes: TABLE_DEFINITION.globalSecondaryIndexes.map((index) => ({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey.name, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey.name, type: dynamodb.AttributeType.STRING },
        ...('nonKeyAttributes' in index
          ? { projectionType: dynamodb.ProjectionType.INCLUDE, nonKeyAttributes: [...index.nonKeyAttributes] }
          : { projectionType: dynamodb.ProjectionType.ALL }),
      })),
    });
  }

  /**
   * Item-level access for a handler (never Scan, batch writes or streams), the key use DynamoDB
   * needs for a customer-managed key, and the TABLE_NAME variable the handler reads, in one call.
   */
  grantItems(fn: lambda.Function, ...actions: ItemAction[]): iam.Grant {
    fn.addEnvironment('TABLE_NAME', this.table.tableName);
    this.table.encryptionKey?.grant(
      fn,
      'kms:Decrypt',
      'kms:Encrypt',
      'kms:GenerateDataKey',
      'kms:DescribeKey',
    );
    return iam.Grant.addToPrincipal({
      grantee: fn,
      actions: actions.map((action) => `dynamodb:${action}`),
      resourceArns: [this.table.tableArn, `${this.table.tableArn}/index/*`],
    });
  }
}

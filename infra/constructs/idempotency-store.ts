import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface IdempotencyStoreProps {
  /** Customer-managed key that encrypts the table (the stack's key). */
  readonly encryptionKey: kms.IKey;
}

/**
 * The table behind Powertools idempotency: one item per `Idempotency-Key` (hashed with the
 * function name), holding the first response until it expires. Kept apart from the state table
 * so its short-lived, high-churn items never mix with tenants' records or their access patterns.
 */
export class IdempotencyStore extends Construct {
  readonly table: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: IdempotencyStoreProps) {
    super(scope, id);
    // Attribute names are Powertools' DynamoDBPersistenceLayer defaults (keyAttr, expiryAttr).
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(props.encryptionKey),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiration',
      // A replayed response must survive a stack replacement as long as a client may retry with its key.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * What Powertools' DynamoDB persistence layer calls (GetItem, PutItem with a condition,
   * UpdateItem, DeleteItem on failure), the key use, and IDEMPOTENCY_TABLE_NAME, in one call.
   */
  grantIdempotency(fn: lambda.Function): iam.Grant {
    fn.addEnvironment('IDEMPOTENCY_TABLE_NAME', this.table.tableName);
    this.table.encryptionKey?.grant(
      fn,
      'kms:Decrypt',
      'kms:Encrypt',
      'kms:GenerateDataKey',
      'kms:DescribeKey',
    );
    return iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      resourceArns: [this.table.tableArn],
    });
  }
}

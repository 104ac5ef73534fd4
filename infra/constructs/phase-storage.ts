import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface PhaseStorageProps {
  /** Customer-managed key for both buckets. */
  readonly encryptionKey: kms.IKey;
  /** How long phase artifacts (outputs, state backups, SSM transfers) are kept. @default Duration.days(90) */
  readonly artifactRetention?: Duration;
}

/**
 * The S3 buckets the phases share: Terraform state (one key per organization and environment,
 * versioned so any earlier state can be restored) and phase artifacts (Terraform outputs, state
 * backups taken before every apply, Ansible's SSM file transfers).
 */
export class PhaseStorage extends Construct {
  readonly stateBucket: s3.Bucket;
  readonly artifactBucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: PhaseStorageProps) {
    super(scope, id);
    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      // Server access logging cannot target a KMS-encrypted bucket; SSE-S3 is what S3 supports here.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateBucket = this.privateBucket('TerraformState', props.encryptionKey, 'terraform-state/', {
      noncurrentVersionExpiration: Duration.days(365),
    });
    this.artifactBucket = this.privateBucket('Artifacts', props.encryptionKey, 'artifacts/', {
      expiration: props.artifactRetention ?? Duration.days(90),
      noncurrentVersionExpiration: Duration.days(30),
    });
  }

  /** A versioned, KMS-encrypted, TLS-only, private bucket that logs access and outlives the stack. */
  private privateBucket(id: string, encryptionKey: kms.IKey, logPrefix: string, lifecycle: s3.LifecycleRule) {
    return new s3.Bucket(this, id, {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey,
      bucketKeyEnabled: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: logPrefix,
      lifecycleRules: [lifecycle],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}

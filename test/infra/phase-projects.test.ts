import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { PHASES } from '../../functions/domain/model.js';
import { slipwayTemplate } from '../support/synth.js';

type Resources = Record<string, { Properties: Record<string, unknown> }>;

describe('PhaseProjects', () => {
  let template: Awaited<ReturnType<typeof slipwayTemplate>>;
  let projects: Resources;
  beforeAll(async () => {
    template = await slipwayTemplate();
    projects = template.findResources('AWS::CodeBuild::Project') as Resources;
  });

  it('creates one CodeBuild project per phase, each running its own buildspec file', () => {
    expect(Object.keys(projects)).toHaveLength(PHASES.length);
    for (const phase of PHASES) {
      template.hasResourceProperties('AWS::CodeBuild::Project', {
        Source: { Type: 'S3', BuildSpec: `buildspecs/${phase}.yml` },
        Environment: Match.objectLike({
          Type: 'ARM_CONTAINER',
          PrivilegedMode: false,
          EnvironmentVariables: Match.arrayWith([{ Name: 'SLIPWAY_PHASE', Type: 'PLAINTEXT', Value: phase }]),
        }),
      });
    }
  });

  it('runs every project outside any VPC, with a timeout, a KMS key and its own log group', () => {
    for (const project of Object.values(projects)) {
      expect(project.Properties.VpcConfig).toBeUndefined();
      expect(project.Properties.TimeoutInMinutes).toBeGreaterThan(0);
      expect(project.Properties.TimeoutInMinutes).toBeLessThanOrEqual(60);
      expect(project.Properties.EncryptionKey).toBeDefined();
      expect(project.Properties.LogsConfig).toMatchObject({
        CloudWatchLogs: { Status: 'ENABLED', GroupName: expect.anything() },
      });
    }
  });

  it('gives every phase log group an explicit retention', () => {
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThanOrEqual(PHASES.length);
    for (const group of groups) expect(group.Properties?.RetentionInDays).toBeGreaterThan(0);
  });

  it('never passes a secret as a plain environment variable', () => {
    for (const project of Object.values(projects)) {
      const variables = (project.Properties.Environment as { EnvironmentVariables: Array<{ Name: string }> })
        .EnvironmentVariables;
      for (const variable of variables)
        expect(variable.Name).not.toMatch(/SECRET$|TOKEN|PASSWORD|KUBECONFIG$/);
    }
  });

  it('keeps Terraform state in a versioned, encrypted, private bucket that outlives the stack', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            Match.objectLike({
              ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }),
            }),
          ],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      }),
      DeletionPolicy: 'Retain',
    });
  });
});

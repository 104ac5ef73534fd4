import type { StateMachineDefinition } from 'aws-local-stepfunctions';

/**
 * Turns the state machine that `cdk synth` produced into a runnable Amazon States Language
 * definition: CloudFormation writes it as `Fn::Join` of strings and `Ref` / `Fn::GetAtt` tokens,
 * which are resolved here into fake but well-formed names and ARNs. Local mode and the workflow
 * tests execute exactly this definition, never a hand-written copy.
 */

const FAKE = { partition: 'aws', region: 'us-east-1', account: '123456789012' };

type CfnValue = string | number | boolean | null | CfnValue[] | { [key: string]: CfnValue };
export interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, CfnValue> }>;
}

/** The ASL definition (parsed JSON) of the template's one state machine, with tokens resolved. */
export function definitionFromTemplate(template: CfnTemplate): StateMachineDefinition {
  const machines = Object.values(template.Resources).filter(
    (r) => r.Type === 'AWS::StepFunctions::StateMachine',
  );
  if (machines.length !== 1) {
    throw new Error(`expected exactly one AWS::StepFunctions::StateMachine, found ${machines.length}`);
  }
  const definition = machines[0]?.Properties?.DefinitionString;
  if (definition === undefined) throw new Error('the state machine has no DefinitionString');
  const text = resolve(definition, template);
  if (typeof text !== 'string') throw new Error('DefinitionString did not resolve to a string');
  return JSON.parse(text) as StateMachineDefinition;
}

function resolve(value: CfnValue, template: CfnTemplate): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`cannot resolve ${JSON.stringify(value)} in a definition string`);
  }
  if ('Fn::Join' in value) {
    const [separator, parts] = value['Fn::Join'] as [string, CfnValue[]];
    return parts.map((part) => resolve(part, template)).join(separator);
  }
  if ('Ref' in value) return resolveRef(String(value.Ref), template);
  if ('Fn::GetAtt' in value) {
    const [logicalId, attribute] = value['Fn::GetAtt'] as [string, string];
    return resolveGetAtt(logicalId, attribute, template);
  }
  throw new Error(`unsupported intrinsic in definition: ${Object.keys(value).join(', ')}`);
}

function resolveRef(logicalId: string, template: CfnTemplate): string {
  switch (logicalId) {
    case 'AWS::Partition':
      return FAKE.partition;
    case 'AWS::Region':
      return FAKE.region;
    case 'AWS::AccountId':
      return FAKE.account;
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
  }
  const resource = template.Resources[logicalId];
  if (!resource) throw new Error(`Ref to unknown resource ${logicalId}`);
  // Functions, projects and topics are referenced by name; the logical id stands in for it.
  return logicalId;
}

function resolveGetAtt(logicalId: string, attribute: string, template: CfnTemplate): string {
  const resource = template.Resources[logicalId];
  if (!resource) throw new Error(`Fn::GetAtt on unknown resource ${logicalId}`);
  const service: Record<string, string> = {
    'AWS::Lambda::Function': `arn:${FAKE.partition}:lambda:${FAKE.region}:${FAKE.account}:function:${logicalId}`,
    'AWS::CodeBuild::Project': `arn:${FAKE.partition}:codebuild:${FAKE.region}:${FAKE.account}:project/${logicalId}`,
    'AWS::SNS::Topic': `arn:${FAKE.partition}:sns:${FAKE.region}:${FAKE.account}:${logicalId}`,
  };
  const arn = service[resource.Type];
  if (attribute !== 'Arn' || !arn) throw new Error(`unsupported Fn::GetAtt ${logicalId}.${attribute}`);
  return arn;
}

import { Match } from 'aws-cdk-lib/assertions';
import type { Declaration } from '../../../../infra/declaration';
import { fixtureDeclaration, withWorkVisibility } from '../../../fixtures/declaration';
import { actionsOn, logicalId, synthesize, type Synthesized } from '../../../support/synth';

/** The runtime's fixture (a queue with a consumer, and a schedule), with a deployable visibility timeout. */
const work = { ...fixtureDeclaration.resources.queues.work!, visibilityTimeoutSeconds: 60 };
const declaration: Declaration = {
  ...fixtureDeclaration,
  resources: { ...fixtureDeclaration.resources, queues: { ...fixtureDeclaration.resources.queues, work } },
};

let synthesized: Synthesized;
beforeAll(() => {
  synthesized = synthesize(declaration);
});

const queue = () => synthesized.stack.resources.queues.work!;
const deadLetterQueue = () => queue().deadLetterQueue!.queue;

describe('a declared queue', () => {
  it('sends messages to its own dead-letter queue after the declared number of receives', () => {
    expect(synthesized.resources[logicalId(queue())]!.Properties).toMatchObject({
      VisibilityTimeout: 60,
      MessageRetentionPeriod: work.retentionSeconds,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(deadLetterQueue()), 'Arn'] },
        maxReceiveCount: work.maxReceiveCount,
      },
    });
  });

  it('keeps dead letters for 14 days', () => {
    expect(synthesized.resources[logicalId(deadLetterQueue())]!.Properties.MessageRetentionPeriod).toBe(1_209_600);
  });

  it('encrypts the queue and its dead-letter queue with the storage key and refuses plain HTTP', () => {
    const key = { 'Fn::GetAtt': [logicalId(synthesized.stack.resources.storageKey), 'Arn'] };
    for (const q of [queue(), deadLetterQueue()]) {
      expect(synthesized.resources[logicalId(q)]!.Properties.KmsMasterKeyId).toEqual(key);
      synthesized.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: logicalId(q) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('alarms as soon as a message is in its dead-letter queue', () => {
    synthesized.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(deadLetterQueue()), 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('refuses a visibility timeout shorter than 6x its consumer\'s timeout', () => {
    expect(() => synthesize(withWorkVisibility(5))).toThrow(/visibility timeout \(5 s\) must be at least 6x/);
  });
});

describe('a queue consumer', () => {
  it('receives declared batches from its queue and reports partial batch failures', () => {
    synthesized.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalId(queue()), 'Arn'] },
      FunctionName: { Ref: logicalId(synthesized.stack.functions.workConsumer!) },
      BatchSize: 5,
      MaximumBatchingWindowInSeconds: 0,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('may receive and delete its queue\'s messages and decrypt them with the storage key, not the vault\'s', () => {
    expect(actionsOn(synthesized, 'workConsumer', logicalId(queue()))).toEqual(
      expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']),
    );
    expect(actionsOn(synthesized, 'workConsumer', logicalId(synthesized.stack.resources.storageKey))).toContain('kms:Decrypt');
    expect(actionsOn(synthesized, 'workConsumer', logicalId(synthesized.stack.resources.key))).toEqual([]);
  });

  it('gets the URL of the queue it declares it sends to', () => {
    const fn = synthesized.resources[logicalId(synthesized.stack.functions.workConsumer!)]!;
    expect(fn.Properties.Environment.Variables.WORK_QUEUE_URL).toEqual({ Ref: logicalId(queue()) });
  });
});

describe('a schedule', () => {
  it('invokes its function on the declared expression', () => {
    const tick = logicalId(synthesized.stack.functions.tick!);
    synthesized.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [tick, 'Arn'] } })],
    });
    synthesized.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [tick, 'Arn'] },
      Principal: 'events.amazonaws.com',
    });
  });
});

it('leaves no cdk-nag AwsSolutions finding unacknowledged with queues, consumers and schedules', () => {
  expect(synthesized.nagFindings).toEqual([]);
});

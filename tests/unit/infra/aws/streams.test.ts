import { declaration } from '../../../../infra/functions';
import { actionsOn, logicalId, synthesize, type Synthesized } from '../../../support/synth';

let synthesized: Synthesized;
beforeAll(() => {
  synthesized = synthesize(declaration);
});

const mapping = () => {
  const relay = logicalId(synthesized.stack.functions.webhookRelay!);
  const found = Object.values(synthesized.resources).filter(
    (r) => r.Type === 'AWS::Lambda::EventSourceMapping' && r.Properties.FunctionName.Ref === relay,
  );
  expect(found).toHaveLength(1);
  return found[0]!.Properties;
};

describe('the webhook relay on the main table\'s stream', () => {
  it('streams the main table\'s new items', () => {
    expect(synthesized.resources[logicalId(synthesized.stack.resources.tables.main!)]!.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
  });

  it('is invoked for inserted EVENT# items only, with partial batch responses, bisection, bounded retries and an on-failure queue', () => {
    const properties = mapping();
    expect(properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [logicalId(synthesized.stack.resources.tables.main!), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [expect.any(String), 'Arn'] } } },
    });
    expect(properties.FilterCriteria.Filters.map((f: { Pattern: string }) => JSON.parse(f.Pattern))).toEqual([
      { eventName: ['INSERT'], dynamodb: { Keys: { sk: { S: [{ prefix: 'EVENT#' }] } } } },
    ]);
  });

  it('alarms as soon as the relay gives up on a batch', () => {
    const onFailure = mapping().DestinationConfig.OnFailure.Destination['Fn::GetAtt'][0];
    synthesized.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [onFailure, 'QueueName'] } }],
      Threshold: 0,
    });
  });

  it('may send to the deliveries queue and read the main table, but not write it', () => {
    const table = logicalId(synthesized.stack.resources.tables.main!);
    expect(actionsOn(synthesized, 'webhookRelay', logicalId(synthesized.stack.resources.queues.deliveries!))).toContain('sqs:SendMessage');
    const onTable = actionsOn(synthesized, 'webhookRelay', table);
    expect(onTable).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:DescribeStream']));
    expect(onTable.filter((action) => /Put|Update|Delete|Write/.test(action))).toEqual([]);
  });

  it('leaves no cdk-nag AwsSolutions finding unacknowledged', () => {
    expect(synthesized.nagFindings).toEqual([]);
  });
});

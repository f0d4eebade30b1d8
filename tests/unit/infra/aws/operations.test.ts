import { Match } from 'aws-cdk-lib/assertions';
import { declaration } from '../../../../infra/functions';
import { logicalId, synthesize, type Synthesized } from '../../../support/synth';

let synthesized: Synthesized;
beforeAll(() => {
  synthesized = synthesize(declaration, { alarmEmail: 'ops@example.com' });
});

const ofType = (type: string) => Object.entries(synthesized.resources).filter(([, resource]) => resource.Type === type);
const topicId = () => ofType('AWS::SNS::Topic').map(([id]) => id);

describe("the operator's alarms and dashboard", () => {
  it('has one alarm topic, encrypted, with the alarmEmail address subscribed', () => {
    expect(topicId()).toHaveLength(1);
    synthesized.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    synthesized.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  it('has every alarm of the stack and its nested stacks notify the topic, on alarm and on recovery', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(100);
    const [topic] = topicId();
    for (const [id, alarm] of alarms) {
      // Nested stacks receive the topic's ARN as a parameter; `combine` resolves it back to the topic.
      expect([id, JSON.stringify(alarm.Properties.AlarmActions)]).toEqual([id, JSON.stringify([{ Ref: topic }])]);
      expect(alarm.Properties.OKActions).toEqual(alarm.Properties.AlarmActions);
    }
  });

  it("alarms on the API's 5xx and p99 latency, each queue's oldest message, the webhook failure rate and table throttles", () => {
    synthesized.template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: '5xx', Namespace: 'AWS/ApiGateway', Threshold: 5 });
    synthesized.template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Latency', ExtendedStatistic: 'p99', Threshold: 3000 });
    for (const queue of Object.values(synthesized.stack.resources.queues)) {
      synthesized.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(queue), 'QueueName'] } }],
      });
    }
    synthesized.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'IF(attempts >= 20, 100 * failures / attempts, 0)' })]),
      Threshold: 25,
    });
    expect(ofType('AWS::CloudWatch::Alarm').filter(([id]) => id.includes('TableThrottlesAlarm'))).toHaveLength(Object.keys(synthesized.stack.resources.tables).length);
  });

  it('draws a dashboard of the API, queues, dead letters, workers, syncs, webhooks and throttles', () => {
    const [[, dashboard]] = ofType('AWS::CloudWatch::Dashboard') as [[string, { Properties: { DashboardBody: unknown } }]];
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const title of ['API requests and errors', 'API latency', 'Queue depths', 'Oldest message age', 'Dead-letter queues', 'Worker errors', 'Syncs', 'Webhooks', 'Throttles', 'Stack-wide alarms']) {
      expect(body).toContain(title);
    }
  });

  it('refuses an alarmEmail that is not an email address, naming the setting', () => {
    expect(() => synthesize(declaration, { alarmEmail: 'not-an-address' })).toThrow(/"alarmEmail" must be an email address/);
  });

  it('subscribes no one when alarmEmail is not set', () => {
    const plain = synthesize(declaration);
    expect(Object.values(plain.resources).filter((resource) => resource.Type === 'AWS::SNS::Subscription')).toEqual([]);
  });
});

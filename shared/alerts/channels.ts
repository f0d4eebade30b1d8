import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { send } from '../platform/outbound';
import type { Alert } from './schema';

/**
 * How an alert leaves Junction beyond the event log (the webhook channel is an event,
 * written with the alert's change; see evaluator.ts): a Slack incoming webhook and email
 * through SES. Each throws on failure with a message that carries no URL and no address,
 * so it can be kept on the alert and logged.
 */
export interface ChannelSenders {
  slack(url: string, message: { text: string }): Promise<void>;
  email(message: { to: string[]; subject: string; text: string }): Promise<void>;
}

export type NotificationKind = 'triggered' | 'resolved';

const comparisonText = { gt: '>', gte: '≥', lt: '<', lte: '≤' } as const;

/** One line a person reads in Slack or a mail subject. */
export function alertSummary(alert: Alert, kind: NotificationKind): string {
  const head = kind === 'resolved' ? 'Resolved' : `[${alert.severity}]`;
  const value = kind === 'resolved' ? alert.lastValue : alert.value;
  return `${head} ${alert.ruleName}: ${alert.metric} is ${value} (threshold ${comparisonText[alert.comparison]} ${alert.threshold})`;
}

function alertBody(alert: Alert, kind: NotificationKind): string {
  return [
    alertSummary(alert, kind),
    '',
    `Alert: ${alert.id}`,
    `Rule: ${alert.ruleId}`,
    `Opened: ${alert.openedAt}`,
    ...(alert.resolvedAt ? [`Resolved: ${alert.resolvedAt}`] : []),
  ].join('\n');
}

export function slackMessage(alert: Alert, kind: NotificationKind) {
  return { text: alertSummary(alert, kind) };
}

export function emailMessage(alert: Alert, kind: NotificationKind) {
  return { subject: alertSummary(alert, kind).slice(0, 200), text: alertBody(alert, kind) };
}

/**
 * The senders Junction uses: Slack through the one outbound client (it resolves the host
 * once and refuses private addresses), email through SES from the deployment's
 * `alertEmailFrom` address (a verified SES identity).
 */
export function channelSenders(options: { ses: () => SESv2Client; from: () => string | undefined }): ChannelSenders {
  return {
    async slack(url, message) {
      let status: number;
      try {
        // Two tries within seconds: the evaluator runs every minute and must not wait on one receiver.
        ({ status } = await send({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) }, { maxAttempts: 2, timeoutMs: 5000 }));
      } catch (error) {
        throw new Error(`Slack could not be reached: ${(error as Error).message.replace(/https?:\/\/\S+/g, '[url]')}`);
      }
      if (status < 200 || status >= 300) throw new Error(`Slack answered ${status}`);
    },
    async email(message) {
      const from = options.from();
      if (!from) throw new Error('no sender address: set the alertEmailFrom setting');
      try {
        await options.ses().send(
          new SendEmailCommand({
            FromEmailAddress: from,
            Destination: { ToAddresses: message.to },
            Content: { Simple: { Subject: { Data: message.subject, Charset: 'UTF-8' }, Body: { Text: { Data: message.text, Charset: 'UTF-8' } } } },
          }),
        );
      } catch (error) {
        const name = (error as Error).name || 'Error';
        throw new Error(`SES refused the message: ${name}`);
      }
    },
  };
}

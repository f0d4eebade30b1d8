import { SESv2Client } from '@aws-sdk/client-sesv2';
import * as z from 'zod';
import { region } from '../platform/aws';
import { once, readConfig } from '../platform/config';
import { mainTable } from '../platform/tables';
import { lazyVault } from '../vault/default';
import { channelSenders } from './channels';
import type { EvaluatorDeps } from './evaluator';
import type { AlertApiDeps } from './service';
import { alertStore } from './store';

/** Rules and alerts through the API: the vault only seals (a Slack URL), and only routes that take one are granted the key. */
export const alertApiDeps = once((): AlertApiDeps => ({ store: alertStore(mainTable()), vault: lazyVault }));

/** Reading, acknowledging, deleting: no vault. */
export const alertStoreDeps = once(() => ({ store: alertStore(mainTable()) }));

const emailConfig = once(() =>
  readConfig(
    'alert email',
    z.object({
      /** The verified SES identity alert emails come from (the `alertEmailFrom` setting). */
      ALERT_EMAIL_FROM: z.email(),
      JUNCTION_LOCAL: z.enum(['true', 'false']).default('false'),
      // Local mode sends to the stand-in (infra/local/ses.ts), never to a real account.
      AWS_ENDPOINT_URL_SESV2: z.url().optional(),
    }).refine((c) => c.JUNCTION_LOCAL === 'false' || c.AWS_ENDPOINT_URL_SESV2 !== undefined, {
      message: 'AWS_ENDPOINT_URL_SESV2 is required in local mode',
      path: ['AWS_ENDPOINT_URL_SESV2'],
    }),
  ),
);

/** The SESv2 client, made on first use: its endpoint comes from the SDK's standard variable (AWS_ENDPOINT_URL_SESV2) locally. */
const ses = once(() => {
  emailConfig();
  return new SESv2Client({ region: region() });
});

/** The evaluator's dependencies in a Lambda container; the metrics reader is the caller's (shared/metrics/series.ts). */
export function evaluatorDeps(reader: EvaluatorDeps['reader']): EvaluatorDeps {
  return {
    store: alertStore(mainTable()),
    reader,
    vault: lazyVault,
    senders: channelSenders({ ses, from: () => emailConfig().ALERT_EMAIL_FROM }),
  };
}

import type { Integration, IntegrationInput } from '../schema';
import { airtable } from './airtable';
import { asana } from './asana';
import { bigcommerce } from './bigcommerce';
import { bitbucket } from './bitbucket';
import { box } from './box';
import { brevo } from './brevo';
import { clickup } from './clickup';
import { discord } from './discord';
import { dropbox } from './dropbox';
import { freshbooks } from './freshbooks';
import { github } from './github';
import { gitlab } from './gitlab';
import { gmail } from './gmail';
import { gocardless } from './gocardless';
import { googleDrive } from './google-drive';
import { hubspot } from './hubspot';
import { intercom } from './intercom';
import { jira } from './jira';
import { klaviyo } from './klaviyo';
import { mailchimp } from './mailchimp';
import { mailgun } from './mailgun';
import { mixpanel } from './mixpanel';
import { mollie } from './mollie';
import { notion } from './notion';
import { onedrive } from './onedrive';
import { openai } from './openai';
import { paddle } from './paddle';
import { pagerduty } from './pagerduty';
import { pipedrive } from './pipedrive';
import { posthog } from './posthog';
import { postmark } from './postmark';
import { quickbooks } from './quickbooks';
import { resend } from './resend';
import { salesforce } from './salesforce';
import { segment } from './segment';
import { sendgrid } from './sendgrid';
import { sentry } from './sentry';
import { shopify } from './shopify';
import { slack } from './slack';
import { smartsheet } from './smartsheet';
import { square } from './square';
import { stripe } from './stripe';
import { twilio } from './twilio';
import { vercel } from './vercel';
import { xero } from './xero';
import { zoom } from './zoom';

/** The built-in definitions as written, one data file each. */
export const builtInDefinitions = [
  airtable,
  asana,
  bigcommerce,
  bitbucket,
  box,
  brevo,
  clickup,
  discord,
  dropbox,
  freshbooks,
  github,
  gitlab,
  gmail,
  gocardless,
  googleDrive,
  hubspot,
  intercom,
  jira,
  klaviyo,
  mailchimp,
  mailgun,
  mixpanel,
  mollie,
  notion,
  onedrive,
  openai,
  paddle,
  pagerduty,
  pipedrive,
  posthog,
  postmark,
  quickbooks,
  resend,
  salesforce,
  segment,
  sendgrid,
  sentry,
  shopify,
  slack,
  smartsheet,
  square,
  stripe,
  twilio,
  vercel,
  xero,
  zoom,
];

/**
 * The built-ins with the schema's defaults filled in. They are checked against the schema
 * by the tests (tests/unit/shared/integrations/catalog.test.ts), not at every cold start: parsing
 * 46 definitions with zod cost ~30 ms of init in every function that reads the catalog.
 */
export const builtInIntegrations: readonly Integration[] = builtInDefinitions.map(withDefaults);

/** What `IntegrationDefinition.parse` adds to a valid definition; a test holds the two equal. */
export function withDefaults(definition: IntegrationInput): Integration {
  return { params: [], headers: {}, rateLimits: [], streams: [], ...definition } as Integration;
}

import { IntegrationDefinition, type Integration } from '../schema';
import { airtable } from './airtable';
import { github } from './github';
import { hubspot } from './hubspot';
import { notion } from './notion';
import { openai } from './openai';
import { sendgrid } from './sendgrid';
import { shopify } from './shopify';
import { slack } from './slack';
import { stripe } from './stripe';
import { twilio } from './twilio';

/** The built-in definitions as written, one data file each. */
export const builtInDefinitions = [airtable, github, hubspot, notion, openai, sendgrid, shopify, slack, stripe, twilio];

/**
 * The built-ins, validated when the module loads: a definition that breaks the schema
 * stops the function at cold start with zod's message (and fails the unit tests first).
 */
export const builtInIntegrations: readonly Integration[] = builtInDefinitions.map((definition) =>
  IntegrationDefinition.parse(definition),
);

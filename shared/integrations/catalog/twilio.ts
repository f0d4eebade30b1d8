import type { IntegrationInput } from '../schema';

/**
 * HTTP Basic with an API key SID and secret (Twilio's advice for production) or the
 * Account SID and auth token. The account's resources live under its SID in the URL, and
 * with an API key the username is not that SID, so the account SID is a param of its own.
 */
export const twilio: IntegrationInput = {
  key: 'twilio',
  name: 'Twilio',
  category: 'communication',
  description: 'Messages, calls and phone numbers, through the 2010-04-01 REST API.',
  docsUrl: 'https://www.twilio.com/docs/usage/api',
  baseUrl: 'https://api.twilio.com/2010-04-01',
  params: [
    {
      name: 'accountSid',
      label: 'Account SID',
      description: 'The account whose resources the connection reads and writes (AC…).',
      pattern: 'AC[0-9a-fA-F]{32}',
      hint: 'an Account SID (AC and 32 hexadecimal digits)',
      maxLength: 34,
      required: true,
      example: 'AC0123456789abcdef0123456789abcdef',
    },
  ],
  auth: [
    {
      type: 'basic',
      fields: [
        {
          name: 'username',
          label: 'API key SID or Account SID',
          secret: false,
          pattern: '(SK|AC)[0-9a-fA-F]{32}',
          hint: 'an API key SID (SK…) or an Account SID (AC…)',
          maxLength: 34,
        },
        { name: 'password', label: 'API key secret or auth token', secret: true, maxLength: 128 },
      ],
    },
  ],
  // Standard API keys may not read the Account resource itself, so the check lists one number.
  check: { method: 'GET', path: '/Accounts/{accountSid}/IncomingPhoneNumbers.json?PageSize=1' },
};

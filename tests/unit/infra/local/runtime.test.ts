import { startLocal } from '../../../../infra/local/runtime';
import { withWorkVisibility } from '../../../fixtures/declaration';
import { root } from '../../../support/runtime';

describe('starting the local runtime', () => {
  it('refuses a queue whose visibility timeout is under 6x its consumer\'s timeout, as synth does', async () => {
    await expect(startLocal({ declaration: withWorkVisibility(5), root })).rejects.toThrow(
      "the work queue's visibility timeout (5 s) must be at least 6x its consumer workConsumer's timeout (1 s)",
    );
  });
});

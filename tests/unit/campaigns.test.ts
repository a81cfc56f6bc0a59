import { describe, expect, test } from 'vitest';
import { currentCampaign } from '../../server/src/domain/campaigns';

const c = (name: string, startsOn: string, endsOn: string) => ({ name, startsOn, endsOn });

describe('currentCampaign()', () => {
  const spring = c('spring', '2027-02-01', '2027-03-31');
  const month = c('assistance month', '2027-03-01', '2027-03-31');
  const autumn = c('autumn', '2027-09-01', '2027-09-30');

  test('is the campaign running today, the latest to start when several overlap', () => {
    expect(currentCampaign([spring, autumn], '2027-02-10')?.name).toBe('spring');
    expect(currentCampaign([month, spring, autumn], '2027-03-15')?.name).toBe('assistance month');
    expect(currentCampaign([spring], '2027-03-31')?.name).toBe('spring');
  });

  test('between campaigns it is the next to start; after all of them, the last to end; none without campaigns', () => {
    expect(currentCampaign([spring, autumn], '2027-05-01')?.name).toBe('autumn');
    expect(currentCampaign([autumn, spring], '2027-12-01')?.name).toBe('autumn');
    expect(currentCampaign([], '2027-12-01')).toBeUndefined();
  });
});

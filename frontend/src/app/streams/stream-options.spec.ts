import { describe, expect, it } from '@jest/globals';

import { optionText } from './stream-options';

describe('optionText (subscription options as CREATE SUBSCRIPTION spells them)', () => {
  it('maps the catalog chars and booleans', () => {
    expect(optionText('two_phase', 'd')).toBe('off');
    expect(optionText('two_phase', 'e')).toBe('on');
    expect(optionText('streaming', 'p')).toBe('parallel');
    expect(optionText('streaming', 'f')).toBe('off');
    expect(optionText('streaming', false)).toBe('off'); // PG15 stores a boolean
    expect(optionText('binary', true)).toBe('on');
    expect(optionText('origin', 'any')).toBe('any');
    expect(optionText('synchronous_commit', null)).toBe('n/a');
  });
});

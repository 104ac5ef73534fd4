import { describe, expect, it } from 'vitest';
import { fieldIssue, validationFailed } from '../../../functions/domain/api/error-codes.js';
import { issue } from '../../../functions/domain/spec/issues.js';

describe('field-named issues', () => {
  it('start the message with the field', () => {
    expect(fieldIssue('after', 'is required')).toEqual({ field: 'after', message: 'after: is required' });
    expect(issue('quota.cpu', 'must be positive')).toEqual({
      field: 'quota.cpu',
      message: 'quota.cpu: must be positive',
    });
  });

  it('do not name the field twice when the detail already names it (an error message passed on)', () => {
    expect(fieldIssue('after', 'after: is required').message).toBe('after: is required');
    expect(issue('network.podCidr', 'network.podCidr: overlaps').message).toBe('network.podCidr: overlaps');
    expect(validationFailed([fieldIssue('after', 'after: is required')]).message).toBe(
      'the request is invalid: after: is required',
    );
  });

  it('still prefix a detail that only mentions another field', () => {
    expect(fieldIssue('before', 'after: differs').message).toBe('before: after: differs');
  });
});

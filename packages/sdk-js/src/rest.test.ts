import { describe, expect, it } from 'vitest';
import { restPath } from './rest.js';

describe('restPath', () => {
  it('encodes each value as one segment, leaving the template as written', () => {
    expect(restPath`/v1/conversations/${'c1'}/members/${'contact:9f'}`).toBe('/v1/conversations/c1/members/contact%3A9f');
    expect(restPath`/v1/conversations/${'../admin'}/members`).toBe('/v1/conversations/..%2Fadmin/members');
    expect(restPath`/v1/presence?userIds=${'a b&c'}`).toBe('/v1/presence?userIds=a%20b%26c');
    expect(restPath`/v1/conversations?limit=${100}`).toBe('/v1/conversations?limit=100');
  });
});

import { describe, expect, test } from 'vitest';
import { declaredCharsets } from '../../server/src/transport/bodyCharset';

describe('declaredCharsets', () => {
  test('reads the charset parameter in any case, quoted (with escapes) or not, beside other parameters', () => {
    expect(declaredCharsets('application/json')).toEqual([]);
    expect(declaredCharsets('application/json; charset=utf-8')).toEqual(['utf-8']);
    expect(declaredCharsets('application/json;CHARSET="UTF-16"')).toEqual(['utf-16']);
    expect(declaredCharsets('application/json; foo=bar; charset = "utf\\-8" ; x=y')).toEqual(['utf-8']);
    expect(declaredCharsets('application/json; charset=utf-8; charset=utf-16le')).toEqual(['utf-8', 'utf-16le']);
    expect(declaredCharsets('application/json; charset=')).toEqual(['']);
  });
});

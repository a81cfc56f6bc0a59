import { describe, expect, test } from 'vitest';
import { addressBlock } from '../../server/src/domain/addressBlock';

describe('addressBlock', () => {
  test('an IPv4 address counts in its /24, also when written IPv4-mapped', () => {
    expect(addressBlock('10.20.30.40')).toBe('10.20.30.0/24');
    expect(addressBlock('10.20.30.41')).toBe('10.20.30.0/24');
    expect(addressBlock('::ffff:10.20.30.40')).toBe('10.20.30.0/24');
    expect(addressBlock('10.20.31.40')).toBe('10.20.31.0/24');
  });

  test('an IPv6 address counts in its /48, however it is written', () => {
    expect(addressBlock('2001:db8:abcd:12::1')).toBe('2001:db8:abcd::/48');
    expect(addressBlock('2001:0DB8:ABCD:0099:0:0:0:7')).toBe('2001:db8:abcd::/48');
    expect(addressBlock('2001:db8::1')).toBe('2001:db8:0::/48');
    expect(addressBlock('::1:2:3:4:5:6:7')).toBe('0:1:2::/48');
    expect(addressBlock('fe80::1%eth0')).toBe('fe80:0:0::/48');
    expect(addressBlock('64:ff9b::192.0.2.1')).toBe('64:ff9b:0::/48');
  });

  test('no address is one block of its own rather than an error', () => {
    expect(addressBlock(undefined)).toBe('unknown');
    expect(addressBlock('')).toBe('unknown');
  });
});

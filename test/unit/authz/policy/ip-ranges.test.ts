import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inRange, ipRange, parseIp } from '../../../../authz/policy/lib/ip-ranges.js';

const CASES: [string, string, number, boolean][] = [
  ['10.1.2.3', '10.0.0.0', 8, true],
  ['11.1.2.3', '10.0.0.0', 8, false],
  ['10.1.2.3', '10.1.2.3', 32, true],
  ['10.1.2.4', '10.1.2.3', 32, false],
  ['203.0.113.7', '0.0.0.0', 0, true],
  ['192.168.1.129', '192.168.1.128', 25, true],
  ['192.168.1.127', '192.168.1.128', 25, false],
  ['::ffff:10.1.2.3', '10.0.0.0', 8, true],
  ['::ffff:a01:203', '10.0.0.0', 8, true],
  ['2001:db8::1', '2001:db8::', 32, true],
  ['2001:db9::1', '2001:db8::', 32, false],
  ['2001:db8:0:0:8000::1', '2001:db8::', 65, false],
  ['2001:db8:0:0:7fff::1', '2001:db8::', 65, true],
  ['fe80::1%eth0', 'fe80::', 10, true],
  ['::1', '::1', 128, true],
  ['10.1.2.3', '::', 0, false],
  ['2001:db8::1', '0.0.0.0', 0, false],
  ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8', 128, true],
  ['64:ff9b::192.0.2.33', '64:ff9b::', 96, true],
];

for (const [ip, net, bits, want] of CASES) {
  test(`source ip ${ip} in ${net}/${bits} is ${want}`, () => {
    const a = parseIp(ip);
    const n = parseIp(net);
    assert.ok(a !== undefined && n !== undefined);
    assert.equal(inRange(ipRange(n, bits), a), want);
  });
}

for (const bad of [
  '',
  '10.0.0',
  '10.0.0.256',
  'fe80:::1',
  'example.com',
  '1.2.3.4.5',
  ' 10.0.0.1',
]) {
  test(`"${bad}" is not an IP address`, () => {
    assert.equal(parseIp(bad), undefined);
  });
}

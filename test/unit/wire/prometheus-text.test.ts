import assert from 'node:assert/strict';
import { test } from 'node:test';
import { byLabel, escapeLabelValue, metricFamily, sampleLine } from '../../../wire/index.js';

test('a family is its HELP and TYPE lines, then one line per sample in order', () => {
  assert.deepEqual(
    metricFamily(
      'x_total',
      'counter',
      'Things.',
      byLabel('reason', [
        ['a', 1],
        ['b', 2],
      ]),
    ),
    [
      '# HELP x_total Things.',
      '# TYPE x_total counter',
      'x_total{reason="a"} 1',
      'x_total{reason="b"} 2',
    ],
  );
  assert.equal(sampleLine('up', {}, 1), 'up 1');
  assert.equal(sampleLine('m', { a: 'x', b: 'y' }, 0), 'm{a="x",b="y"} 0');
});

test('label values from config or requests cannot close the label or start a new series', () => {
  const hostile: [string, string][] = [
    ['a double quote', 'x"} 1\nfake_total 99'],
    ['a backslash before a quote', 'x\\"'],
    ['a newline', 'line1\nline2'],
    ['a trailing backslash', 'x\\'],
  ];
  for (const [what, value] of hostile) {
    const line = sampleLine('m', { route_name: value }, 1);
    assert.equal(line.split('\n').length, 1, what);
    const inner = /^m\{route_name="((?:[^"\\]|\\.)*)"\} 1$/.exec(line);
    assert.ok(inner, `${what}: ${line}`);
    const decoded = inner[1]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    assert.equal(decoded, value, what);
  }
  assert.equal(escapeLabelValue('plain'), 'plain');
});

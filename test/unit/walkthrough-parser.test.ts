import { describe, expect, it } from 'vitest';
import { matches, parseSteps, render } from '../support/walkthrough.ts';

/** The walkthrough test's reading of a page: what is a command, what is its output, and what may differ. */
describe('parseSteps', () => {
  it('reads commands with their continuation lines, quoted line breaks and outputs; prose comments are skipped', () => {
    const page = [
      'Text.',
      '```sh',
      '# prose',
      'curl -s -X POST $B/x \\',
      '  -d \'{"a": 1,',
      '       "b": 2}\'',
      '# {"ok":true}',
      '#  "more"',
      'X=1',
      '',
      '# more prose',
      'cat > f <<JS',
      '# not output',
      'JS',
      '```',
      '```js',
      'not(run);',
      '```',
    ].join('\n');
    const steps = parseSteps(page);
    expect(steps.map((s) => [s.command, s.expected, s.line])).toEqual([
      ['curl -s -X POST $B/x \\\n  -d \'{"a": 1,\n       "b": 2}\'', ['{"ok":true}', ' "more"'], 4],
      ['X=1', [], 9],
      ['cat > f <<JS\n# not output\nJS', [], 12],
    ]);
  });
});

describe('matches', () => {
  it('masks ids, times, codes and signatures, ignores whitespace and reads … as anything', () => {
    const shown = [
      '{"id":"dff0efc0ac24a12cc215ef66a4808afbcmno","person_id":"p-4a1c9e0b",',
      ' "text":"OTP: 790296",…}',
    ];
    const answer =
      '{"id":"0123456789abcdef0123456789abcdefcmno","person_id":"p-00ff00ff","text":"OTP: 123456","at":"2026-12-06T20:00:00Z"}';
    expect(matches(shown, answer)).toBe(true);
  });

  it('fails on any other difference', () => {
    expect(matches(['{"verified":true}'], '{"verified":false}')).toBe(false);
    expect(
      matches(['{"status":403,"code":"invalid_tan"}'], '{"status":403,"code":"invalid_tan","x":1}'),
    ).toBe(false);
    expect(matches([], 'unexpected output')).toBe(false);
    expect(matches(['HTTP/1.1 201 Created', '…', '{}'], 'HTTP/1.1 200 OK\ncontent-type: x\n\n{}')).toBe(
      false,
    );
  });
});

describe('render', () => {
  it('leaves headers out and wraps long JSON at a field boundary', () => {
    const long = `{"a":"${'x'.repeat(80)}","b":"${'y'.repeat(40)}"}`;
    expect(render(`HTTP/1.1 201 Created\r\ncontent-type: application/json\r\n\r\n${long}`)).toEqual([
      'HTTP/1.1 201 Created',
      '…',
      `{"a":"${'x'.repeat(80)}",`,
      ` "b":"${'y'.repeat(40)}"}`,
    ]);
  });
});

describe('blocks for reading only', () => {
  it('skips the block right after the not-run marker', () => {
    const page = [
      '<!-- walkthrough: not run -->',
      '```sh',
      'npm ci && npm start',
      '```',
      '```sh',
      'echo hi',
      '# hi',
      '```',
    ];
    expect(parseSteps(page.join('\n')).map((s) => s.command)).toEqual(['echo hi']);
  });
});

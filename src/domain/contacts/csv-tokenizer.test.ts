import { describe, expect, it } from 'vitest';
import { AppError } from '../../lib/errors.js';
import { detectDelimiter, makeCsvTokenizer, type CsvRecord } from './csv-tokenizer.js';

function tokenize(text: string, delimiter = ',', pieces: number[] = []): CsvRecord[] {
  const tokenizer = makeCsvTokenizer(delimiter);
  const out: CsvRecord[] = [];
  let at = 0;
  for (const cut of [...pieces, text.length]) {
    tokenizer.push(text.slice(at, cut), out);
    at = cut;
  }
  tokenizer.end(out);
  return out;
}

const TRICKY = 'a,b,c\r\n"x, y","he said ""hi""",\r\n\r\n"multi\r\nline\nvalue",2,3\n\rlast,"",z';

describe('makeCsvTokenizer', () => {
  it('handles quoting, doubled quotes, quoted line breaks and mixed line endings', () => {
    expect(tokenize(TRICKY)).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x, y', 'he said "hi"', ''] },
      // line 3 is blank; the record spans lines 4-6
      { line: 4, fields: ['multi\r\nline\nvalue', '2', '3'] },
      // "\n\r" is two line breaks: line 7 is blank
      { line: 8, fields: ['last', '', 'z'] },
    ]);
  });

  it('gives the same records whatever the chunk boundaries', () => {
    const whole = tokenize(TRICKY);
    for (let cut = 0; cut <= TRICKY.length; cut++) {
      expect(tokenize(TRICKY, ',', [cut])).toEqual(whole);
    }
    const everyChar = Array.from({ length: TRICKY.length }, (_, i) => i);
    expect(tokenize(TRICKY, ',', everyChar)).toEqual(whole);
  });

  it('is lenient like spreadsheets with stray quotes', () => {
    expect(tokenize('ab"c,"d"e,f\n')).toEqual([{ line: 1, fields: ['ab"c', 'de', 'f'] }]);
  });

  it('marks a quote left open at the end of the file', () => {
    expect(tokenize('a,b\n1,"open\n2,3\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', 'open\n2,3\n'], unterminated: true },
    ]);
  });

  it('stops a record that outgrows the limit instead of buffering the file', () => {
    const tokenizer = makeCsvTokenizer(',', 100);
    const out: CsvRecord[] = [];
    tokenizer.push('a\n"', out);
    expect(() => tokenizer.push('x'.repeat(200), out)).toThrow(AppError);
  });

  it('uses the given delimiter', () => {
    expect(tokenize('a\tb;c\n1\t"2\t3"\n', '\t')).toEqual([
      { line: 1, fields: ['a', 'b;c'] },
      { line: 2, fields: ['1', '2\t3'] },
    ]);
  });
});

describe('detectDelimiter', () => {
  it.each([
    ['email,name;x\n', ','],
    ['email;name;"a,b,c"\n', ';'],
    ['email\tname\tphone\r\n', '\t'],
    ['email\n', ','],
    ['\n\n\r\nemail;phone\n', ';'],
  ])('%j → %j', (text, delimiter) => {
    expect(detectDelimiter(text, false)).toBe(delimiter);
  });

  it('waits for the end of the header line', () => {
    expect(detectDelimiter('email;pho', false)).toBeNull();
    expect(detectDelimiter('"a\nb";c', false)).toBeNull();
    expect(detectDelimiter('email;pho', true)).toBe(';');
  });
});

import { describe, expect, it } from 'vitest';
import { toWinAnsi } from './win-ansi.js';

describe('toWinAnsi', () => {
  it.each([
    ['plain ASCII unchanged', 'Hello, World! 123', 'Hello, World! 123'],
    ['Latin-1 and WinAnsi extras unchanged', 'Zoë Ærø façade – “quoted” … €5 Œuvre ™', 'Zoë Ærø façade – “quoted” … €5 Œuvre ™'],
    ['decomposable accents folded', 'Őrs Dvořák Nguyễn', 'Ors Dvorák Nguyen'],
    ['combining sequence composed', 'Jose\u0301', 'José'],
    ['stroke letters mapped', 'Łukasz Đorđe', 'Lukasz Dorde'],
    ['CJK replaced per character', '山田 太郎', '?? ??'],
    ['emoji replaced once per grapheme', 'Hi 😀 👨‍👩‍👧 👍🏽!', 'Hi ? ? ?!'],
    ['Cyrillic replaced', 'Иван', '????'],
    ['invisible format characters dropped', 'a\u200bb\u200dc\ufe0f', 'abc'],
    ['typographic spaces and dashes plain', 'a\u2003b\u2009c \u2010 d\u2212e', 'a b c - d-e'],
    ['tabs become spaces, CRLF becomes LF', 'a\tb\r\nc\rd\ne', 'a b\nc\nd\ne'],
    ['other control characters dropped', 'a\u0000b\u0007c', 'abc'],
    ['lone surrogate replaced', 'a\ud800b', 'a?b'],
  ])('%s', (_name, input, expected) => {
    expect(toWinAnsi(input)).toBe(expected);
  });
});

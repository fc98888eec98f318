import { describe, expect, it } from 'vitest';
import {
  compileTemplate,
  escapeHtml,
  listPlaceholders,
  renderTemplate,
  validateTemplate,
  type TemplateContext,
} from './render.js';

const ctx: TemplateContext = {
  contact: {
    firstName: "O'Neil & Hijos",
    lastName: null,
    email: 'a@example.com',
    phone: '+4915112345678',
    attributes: { tier: 'gold', visits: 3, vip: false, link: '<a href="x">me</a>', nested: { a: 1 } },
  },
  data: { offer: { code: 'SPRING-25', pct: 25 }, snippet: '<b>bold</b>', items: ['first', 'second'], when: new Date('2024-05-01T10:00:00Z') },
  campaign: { title: 'Spring & Summer' },
  unsubscribeUrl: 'https://x.test/u?t=1&c=2',
};

describe('renderTemplate', () => {
  const cases: Array<[string, string, 'html' | 'text', string]> = [
    ['escapes once in html', 'Hi {{ contact.firstName }}!', 'html', 'Hi O&#39;Neil &amp; Hijos!'],
    ['no escaping in text', 'Hi {{ contact.firstName }}!', 'text', "Hi O'Neil & Hijos!"],
    ['markup in a value is escaped', '{{contact.attributes.link}}', 'html', '&lt;a href=&quot;x&quot;&gt;me&lt;/a&gt;'],
    ['triple braces are raw in html', '<p>{{{ data.snippet }}}</p>', 'html', '<p><b>bold</b></p>'],
    ['triple braces in text are plain', '{{{ data.snippet }}}', 'text', '<b>bold</b>'],
    ['null renders empty', '[{{ contact.lastName }}]', 'html', '[]'],
    ['missing namespace renders empty', '[{{ nothing.here }}]', 'text', '[]'],
    ['missing deep path renders empty', '[{{ data.offer.x.y }}]', 'html', '[]'],
    ['numbers and booleans', '{{ data.offer.pct }}% {{contact.attributes.visits}} {{ contact.attributes.vip }}', 'text', '25% 3 false'],
    ['objects render empty', '[{{ contact.attributes.nested }}][{{ data.items }}]', 'html', '[][]'],
    ['array index', '{{ data.items.1 }}', 'text', 'second'],
    ['dates as ISO', '{{ data.when }}', 'text', '2024-05-01T10:00:00.000Z'],
    ['prototype is not reachable', '[{{ contact.constructor }}][{{ data.offer.toString }}]', 'html', '[][]'],
    ['campaign and unsubscribe', '{{ campaign.title }} {{ unsubscribeUrl }}', 'html', 'Spring &amp; Summer https://x.test/u?t=1&amp;c=2'],
    ['whitespace inside braces is optional', '{{contact.email}}|{{   contact.email   }}', 'text', 'a@example.com|a@example.com'],
    ['invalid path stays literal', 'a {{ not valid }} b', 'text', 'a {{ not valid }} b'],
  ];
  it.each(cases)('%s', (_name, tpl, mode, expected) => {
    expect(renderTemplate(tpl, ctx, mode)).toBe(expected);
  });

  it('escapes a value that contains entities exactly once', () => {
    expect(renderTemplate('{{ data.v }}', { data: { v: '&amp;' } }, 'html')).toBe('&amp;amp;');
  });

  it('never prints undefined or null', () => {
    const out = renderTemplate('{{ contact.firstName }} {{ contact.lastName }} {{ data.x }}', { contact: { lastName: null } }, 'html');
    expect(out).toBe('  ');
    expect(out).not.toMatch(/undefined|null|\{\{/);
  });
});

describe('compileTemplate', () => {
  it('parses once and renders many contexts', () => {
    const t = compileTemplate('Dear {{ contact.firstName }}, code {{ data.code }}');
    expect(t.placeholders).toEqual(['contact.firstName', 'data.code']);
    expect(t.render({ contact: { firstName: 'Ana' }, data: { code: 'A1' } }, 'text')).toBe('Dear Ana, code A1');
    expect(t.render({ contact: { firstName: 'Bo' } }, 'text')).toBe('Dear Bo, code ');
  });

  it('a compiled template renders many contacts independently (no state carried between renders)', () => {
    const t = compileTemplate('<p>Hello {{ contact.firstName }} {{ contact.lastName }}, {{ data.offer.code }}</p>');
    for (let i = 0; i < 1000; i++) {
      const html = t.render({ contact: { firstName: `N${i}`, ...(i % 2 ? { lastName: 'L&L' } : {}) }, data: ctx.data }, 'html');
      expect(html).toBe(`<p>Hello N${i} ${i % 2 ? 'L&amp;L' : ''}, SPRING-25</p>`);
    }
  });
});

describe('listPlaceholders / validateTemplate', () => {
  it('lists unique paths in order', () => {
    expect(listPlaceholders('{{ a.b }} {{{ c }}} {{a.b}}')).toEqual(['a.b', 'c']);
  });

  it('reports unknown namespaces and malformed placeholders', () => {
    expect(validateTemplate('{{ contact.firstName }} {{ data.x }} {{ unsubscribeUrl }}')).toEqual([]);
    const problems = validateTemplate('{{ contcat.firstName }} {{ oops');
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('contcat.firstName');
    expect(problems[1]).toContain('malformed');
  });

  it('escapeHtml handles all five characters', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });
});

// Regenerates the example contact files (invented people) deterministically:
//   npx tsx examples/make-contacts.ts
// contacts-google.csv uses the Google Contacts CSV export layout (Gender column, Group
// Membership labels, "Custom Field 1" holding the contact type); contacts.vcf is vCard 3.0.
// A few rows are wrong on purpose (an invalid email, an unusable phone, a birth date in the
// future) so an import shows its per-line error report. Some people opted out of one channel
// (a "Custom Field 2" such as "Email Opt-Out: yes" in the CSV): campaigns skip them there.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
let seed = 20261203;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

const FIRST_F = ['Ada', 'Grace', 'Hedy', 'Mary', 'Rosa', 'Lena', 'Ines', 'Zoe', 'Mia', 'Emma', 'Clara', 'Nora'];
const FIRST_M = ['Alan', 'Linus', 'Ken', 'Dennis', 'Tim', 'Jonas', 'Omar', 'Luca', 'Noah', 'Felix', 'Ravi', 'Ezra'];
const LAST = ['Lovelace', 'Hopper', 'Lamarr', 'Turing', 'Ritchie', 'Thompson', 'Berners', 'Okafor', 'Schmidt',
  'Novak', "O'Neil", 'García', 'Müller', 'Nakamura', 'Singh', 'Kowalski', 'Rossi', 'Dubois', 'Andersen', 'Costa'];
const TYPES = ['CUSTOMER', 'CUSTOMER', 'CUSTOMER', 'LEAD', 'LEAD', 'PARTNER'];
const TAGS = ['VIP', 'Newsletter', 'Gold', 'Churn Risk', 'Berlin', 'Early Adopter'];
const US = [['12 Main Street', 'Springfield', 'IL', '62701'], ['400 Market St', 'San Francisco', 'CA', '94105'],
  ['77 Beacon St', 'Boston', 'MA', '02108'], ['5 Pine Road', 'Austin', 'TX', '73301']];
const DE = [['Unter den Linden 5', 'Berlin', '', '10117'], ['Marienplatz 8', 'München', '', '80331'],
  ['Königsallee 12', 'Düsseldorf', '', '40212']];

export interface Person {
  first: string; last: string; email: string; phone: string; birthday: string; gender: string;
  type: string; tags: string[]; street: string; city: string; region: string; postal: string; country: string;
  optOut: '' | 'Email' | 'WhatsApp' | 'Call' | 'Mail';
}

function person(i: number): Person {
  const female = rnd() < 0.5;
  const first = pick(female ? FIRST_F : FIRST_M);
  const last = pick(LAST);
  const german = rnd() < 0.4;
  const addr = german ? pick(DE) : pick(US);
  const y = 1950 + Math.floor(rnd() * 55);
  const m = 1 + Math.floor(rnd() * 12);
  const d = 1 + Math.floor(rnd() * 28);
  const slug = `${first}.${last}`.toLowerCase().normalize('NFD').replace(/[^a-z.]/g, '');
  const p: Person = {
    first, last,
    email: rnd() < 0.85 ? `${slug}.${i}@example.${german ? 'de' : 'com'}` : '',
    phone: rnd() < 0.8 ? (german ? `+49 151 ${String(2000000 + i * 37).padStart(8, '0')}` : `+1 415 555 ${String(1000 + i).slice(-4)}`) : '',
    birthday: rnd() < 0.9 ? `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}` : '',
    gender: rnd() < 0.08 ? '' : rnd() < 0.05 ? 'other' : female ? 'female' : 'male',
    type: pick(TYPES),
    tags: TAGS.filter(() => rnd() < 0.25),
    street: rnd() < 0.85 ? addr[0] : '', city: addr[1], region: addr[2], postal: addr[3],
    country: german ? 'Germany' : 'United States',
    optOut: '',
  };
  if (!p.email && !p.phone) p.email = `${slug}.${i}@example.org`; // everyone has an identity
  return p;
}

const people = Array.from({ length: 240 }, (_, i) => person(i + 1));
// Wrong on purpose, at fixed places: each shows up in the import's error report.
people[5].email = 'hedy.lamarr(at)example.com';
people[41].phone = '12';
people[41].email = '';
people[99].birthday = '2999-01-01';
// Opted out of one channel, at fixed places (not drawn, so the people above stay the same).
const OPT_OUTS = ['Email', 'WhatsApp', 'Mail', 'Call'] as const;
people.forEach((p, i) => {
  if (i % 17 === 3) p.optOut = OPT_OUTS[Math.floor(i / 17) % OPT_OUTS.length];
});

const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const HEADER = ['Name', 'Given Name', 'Additional Name', 'Family Name', 'Yomi Name', 'Given Name Yomi',
  'Additional Name Yomi', 'Family Name Yomi', 'Name Prefix', 'Name Suffix', 'Initials', 'Nickname', 'Short Name',
  'Maiden Name', 'Birthday', 'Gender', 'Location', 'Billing Information', 'Directory Server', 'Mileage',
  'Occupation', 'Hobby', 'Sensitivity', 'Priority', 'Subject', 'Notes', 'Language', 'Photo', 'Group Membership',
  'E-mail 1 - Type', 'E-mail 1 - Value', 'Phone 1 - Type', 'Phone 1 - Value', 'Address 1 - Type',
  'Address 1 - Formatted', 'Address 1 - Street', 'Address 1 - City', 'Address 1 - PO Box', 'Address 1 - Region',
  'Address 1 - Postal Code', 'Address 1 - Country', 'Address 1 - Extended Address', 'Custom Field 1 - Type',
  'Custom Field 1 - Value', 'Custom Field 2 - Type', 'Custom Field 2 - Value'];

const csvRows = people.map((p) => {
  const groups = [...p.tags, '* myContacts'].join(' ::: ');
  const formatted = p.street ? `${p.street}\n${p.postal} ${p.city}\n${p.country}` : '';
  const cells: Record<string, string> = {
    Name: `${p.first} ${p.last}`, 'Given Name': p.first, 'Family Name': p.last, Birthday: p.birthday,
    Gender: p.gender, 'Group Membership': groups, 'E-mail 1 - Type': p.email ? '* Home' : '',
    'E-mail 1 - Value': p.email, 'Phone 1 - Type': p.phone ? 'Mobile' : '', 'Phone 1 - Value': p.phone,
    'Address 1 - Type': p.street ? 'Home' : '', 'Address 1 - Formatted': formatted,
    'Address 1 - Street': p.street, 'Address 1 - City': p.street ? p.city : '',
    'Address 1 - Region': p.street ? p.region : '', 'Address 1 - Postal Code': p.street ? p.postal : '',
    'Address 1 - Country': p.street ? p.country : '', 'Custom Field 1 - Type': 'Contact Type',
    'Custom Field 1 - Value': p.type,
    'Custom Field 2 - Type': p.optOut ? `${p.optOut} Opt-Out` : '',
    'Custom Field 2 - Value': p.optOut ? 'yes' : '',
  };
  return HEADER.map((h) => q(cells[h] ?? '')).join(',');
});
writeFileSync(path.join(here, 'contacts-google.csv'), [HEADER.join(','), ...csvRows].join('\r\n') + '\r\n');

const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/,/g, '\\,').replace(/;/g, '\\;');
// The same people as a phone's vCard export (their emails on another domain, so importing both
// files gives two sets of contacts); vCard has no opt-out property, so nobody opted out here.
const cards = people.slice(0, 220).map((p, i) => {
  const lines = ['BEGIN:VCARD', 'VERSION:3.0', `UID:vcard-${i + 1}`, `N:${esc(p.last)};${esc(p.first)};;;`,
    `FN:${esc(p.first)} ${esc(p.last)}`];
  if (p.email) lines.push(`EMAIL;TYPE=INTERNET,HOME:${p.email.replace('@example', '@vcard.example')}`);
  if (p.phone) lines.push(`TEL;TYPE=CELL:${p.phone}`);
  if (i % 3 === 0) lines.push(`TEL;TYPE=WORK:+1 212 555 ${String(2000 + i).slice(-4)}`);
  if (p.birthday) lines.push(`BDAY:${p.birthday}`);
  if (p.gender) lines.push(`X-GENDER:${p.gender === 'female' ? 'F' : p.gender === 'male' ? 'M' : 'O'}`);
  if (p.street) lines.push(`ADR;TYPE=HOME:;;${esc(p.street)};${esc(p.city)};${esc(p.region)};${p.postal};${esc(p.country)}`);
  if (p.tags.length) lines.push(`CATEGORIES:${p.tags.map(esc).join(',')}`);
  lines.push(`X-CONTACT-TYPE:${p.type}`);
  // A long note, folded at 75 octets as vCard requires.
  const note = `NOTE:Invented person number ${i + 1} for the campaign engine examples; any resemblance is a coincidence.`;
  lines.push(note.slice(0, 75), ` ${note.slice(75)}`);
  lines.push('END:VCARD');
  return lines.join('\r\n');
});
writeFileSync(path.join(here, 'contacts.vcf'), cards.join('\r\n') + '\r\n');
console.log(`wrote ${people.length} CSV rows and ${cards.length} vCards`);

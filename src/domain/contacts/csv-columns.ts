// Which CSV column feeds which contact field. Header names are compared case-insensitively with
// spaces, underscores and dashes removed, so "E-mail 1 - Value", "email_1_value" and
// "Email1Value" are one name. Layouts covered: our plain one (email, phone, first_name, ...,
// opt_out_email), Google Contacts (old "Given Name"/"Group Membership" and new "First Name"/
// "Labels"), Outlook ("E-mail Address", "Mobile Phone", "Home Street", "Categories", ...).
//
// A field several columns can feed (Outlook has five phone columns) takes the first non-empty one
// by priority; the values not taken are not lost: extra emails/phones go to
// attributes.otherEmails/otherPhones, anything else to attributes under its original header.
import type { Address, ChannelName } from './types.js';

export type ScalarField =
  | 'externalId'
  | 'firstName'
  | 'lastName'
  | 'fullName'
  | 'birthDate'
  | 'gender'
  | 'contactType';

export type ColumnRole =
  | { kind: 'scalar'; field: ScalarField; priority: number }
  | { kind: 'email' | 'phone'; priority: number }
  | { kind: 'tags' }
  | { kind: 'address'; part: keyof Address; group: number }
  | { kind: 'optOut'; channel: ChannelName }
  // Google's "Custom Field 1 - Type" (old layout) or "- Label" (new) names what "- Value" holds.
  | { kind: 'customLabel' | 'customValue'; n: number }
  | { kind: 'attribute' };

const HEADER_NOISE = /[\s_-]+/g;

/** "E-mail 1 - Value" → "email1value". */
export function headerKey(name: string): string {
  return name.toLowerCase().replace(HEADER_NOISE, '');
}

const SCALARS: Record<ScalarField, string[]> = {
  externalId: ['externalid', 'uid', 'id', 'contactid', 'customerid'],
  firstName: ['firstname', 'givenname', 'first', 'forename'],
  lastName: ['lastname', 'familyname', 'surname', 'last'],
  fullName: ['name', 'fullname', 'displayname'],
  birthDate: ['birthdate', 'birthday', 'dateofbirth', 'dob', 'bday'],
  gender: ['gender', 'sex'],
  contactType: ['contacttype'],
};

// Mobile first: calls and WhatsApp need one, and a home line is a worse guess.
const PHONES: Record<string, number> = {
  mobilephone: 10, mobile: 10, mobilenumber: 10, cellphone: 10, cell: 10,
  phone: 20, phonenumber: 20, telephone: 20, tel: 20, msisdn: 20,
  primaryphone: 40, homephone: 50, homephone2: 51, businessphone: 60, businessphone2: 61,
  otherphone: 70, companymainphone: 75,
};

const EMAILS: Record<string, number> = { email: 10, emailaddress: 10, primaryemail: 10 };

const TAG_COLUMNS = new Set(['tags', 'tag', 'labels', 'groupmembership', 'categories', 'groups']);

// Address groups in order of preference; one group is taken whole, never mixed with another.
const ADDRESS_GROUPS: Record<keyof Address, string[]>[] = [
  {
    line1: ['addressline1', 'address1', 'address', 'street', 'streetaddress'],
    line2: ['addressline2', 'address2'],
    city: ['city', 'town', 'locality'],
    region: ['region', 'state', 'province'],
    postalCode: ['postalcode', 'zip', 'zipcode', 'postcode'],
    country: ['country', 'countrycode'],
  },
  ...['address1', 'home', 'business', 'other'].map((p) => ({
    // Google "Address 1 - Street" and Outlook "Home Street" share the suffixes.
    line1: [`${p}street`],
    line2: [`${p}extendedaddress`, `${p}street2`],
    city: [`${p}city`],
    region: [`${p}region`, `${p}state`],
    postalCode: [`${p}postalcode`],
    country: [`${p}country`, `${p}country/region`, `${p}countryregion`],
  })),
];

const CHANNEL = '(call|email|whatsapp|mail)';
const OPT_OUT = [
  new RegExp(`^(?:optout|unsubscribed?)${CHANNEL}$`),
  new RegExp(`^${CHANNEL}(?:optout|unsubscribed?)$`),
  new RegExp(`^donot${CHANNEL}$`),
];

function buildLookup(): Map<string, ColumnRole> {
  const lookup = new Map<string, ColumnRole>();
  for (const [field, keys] of Object.entries(SCALARS) as [ScalarField, string[]][]) {
    keys.forEach((key, priority) => lookup.set(key, { kind: 'scalar', field, priority }));
  }
  for (const [key, priority] of Object.entries(PHONES)) lookup.set(key, { kind: 'phone', priority });
  for (const [key, priority] of Object.entries(EMAILS)) lookup.set(key, { kind: 'email', priority });
  for (const key of TAG_COLUMNS) lookup.set(key, { kind: 'tags' });
  ADDRESS_GROUPS.forEach((parts, group) => {
    for (const [part, keys] of Object.entries(parts) as [keyof Address, string[]][]) {
      for (const key of keys) lookup.set(key, { kind: 'address', part, group });
    }
  });
  return lookup;
}

const LOOKUP: ReadonlyMap<string, ColumnRole> = buildLookup();

/** What one header cell feeds. */
export function columnRole(header: string): ColumnRole {
  const key = headerKey(header);
  const known = LOOKUP.get(key);
  if (known !== undefined) return known;
  // Google "E-mail 2 - Value" / Outlook "E-mail 2 Address", "Phone 3 - Value".
  let m = /^email(\d+)(?:value|address)$/.exec(key);
  if (m) return { kind: 'email', priority: 20 + Number(m[1]) };
  m = /^phone(\d+)value$/.exec(key);
  if (m) return { kind: 'phone', priority: 30 + Number(m[1]) };
  m = /^customfield(\d+)(type|label|value)$/.exec(key);
  if (m) return { kind: m[2] === 'value' ? 'customValue' : 'customLabel', n: Number(m[1]) };
  for (const pattern of OPT_OUT) {
    m = pattern.exec(key);
    if (m) return { kind: 'optOut', channel: m[1] as ChannelName };
  }
  return { kind: 'attribute' };
}

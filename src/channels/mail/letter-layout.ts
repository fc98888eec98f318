// Where things go on a printed letter, in PDF points (1/72 in). Pure data and string helpers, kept
// apart from the drawing so the window geometry can be read and checked on its own.

export type PageSize = 'A4' | 'LETTER';

export interface PostalAddress {
  line1?: string | null;
  line2?: string | null;
  city?: string | null;
  region?: string | null;
  postalCode?: string | null;
  country?: string | null;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LetterLayout {
  width: number;
  height: number;
  /** Inside the envelope window, with a little slack for the letter sliding in the envelope. */
  address: Box;
  /** Left and right edges of the body text. */
  left: number;
  right: number;
  subjectY: number;
  bottom: number;
  qrSize: number;
}

const MM = 72 / 25.4;
const IN = 72;

export const LAYOUTS: Record<PageSize, LetterLayout> = {
  // DIN 5008 form B on a DL / C5/6 window envelope: window 20 mm from the left, 45 mm from the
  // top, 85-90 × 45 mm. 5 mm inset on each side keeps the text clear of the window's edge.
  A4: {
    width: 210 * MM,
    height: 297 * MM,
    address: { x: 25 * MM, y: 50 * MM, width: 75 * MM, height: 35 * MM },
    left: 25 * MM,
    right: 210 * MM - 20 * MM,
    subjectY: 98.5 * MM, // DIN 5008 form B: body starts under the first fold mark (105 mm)
    bottom: 297 * MM - 20 * MM,
    qrSize: 38 * MM,
  },
  // US Letter folded in thirds into a #10 window envelope: window 7/8 in from the left, its
  // address area about 2 in from the top of the sheet, 4.5 × 1.125 in.
  LETTER: {
    width: 8.5 * IN,
    height: 11 * IN,
    address: { x: 0.875 * IN + 0.1 * IN, y: 2 * IN + 0.05 * IN, width: 4.3 * IN, height: 1.05 * IN },
    left: 1 * IN,
    right: 8.5 * IN - 1 * IN,
    subjectY: 3.75 * IN, // just under the first fold (11/3 in)
    bottom: 11 * IN - 0.75 * IN,
    qrSize: 1.5 * IN,
  },
};

// Countries that write "City, REGION POSTCODE" on one line.
const CITY_FIRST = /^(us|usa|united states( of america)?|ca|can|canada|au|aus|australia)$/i;
// Countries that put the postcode on its own line under the town.
const POSTCODE_LAST = /^(gb|uk|united kingdom|great britain|england|scotland|wales|northern ireland|ie|ireland)$/i;

function clean(s: string | null | undefined): string {
  return (s ?? '').replace(/\s+/g, ' ').trim();
}

/**
 * The address block's lines: recipient, street lines, locality in the destination country's
 * order, then the country in capitals (UPU convention). Empty parts are left out. Without a
 * country the sheet size decides: US Letter is addressed the US way, A4 the European way.
 */
export function addressLines(name: string, a: PostalAddress, pageSize: PageSize): string[] {
  const country = clean(a.country);
  const city = clean(a.city);
  const region = clean(a.region);
  const postal = clean(a.postalCode);
  const style = country
    ? CITY_FIRST.test(country) ? 'city-first' : POSTCODE_LAST.test(country) ? 'postcode-last' : 'postcode-first'
    : pageSize === 'LETTER' ? 'city-first' : 'postcode-first';

  const locality: string[] = [];
  if (style === 'city-first') {
    const tail = [region, postal].filter(Boolean).join(' ');
    locality.push([city, tail].filter(Boolean).join(', '));
  } else if (style === 'postcode-last') {
    locality.push(city, region, postal);
  } else {
    locality.push([postal, city, region].filter(Boolean).join(' '));
  }
  return [clean(name), clean(a.line1), clean(a.line2), ...locality, country.toUpperCase()].filter(
    (l) => l.length > 0,
  );
}

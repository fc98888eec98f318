// TwiML for a scripted outbound call: the campaign's script read out in the campaign's language.
// The script is operator text (and may contain contact data), so it is XML-escaped: an `&` or `<`
// would otherwise make Twilio reject the document and the call fail.

// Short codes the campaign config uses → the BCP-47 tags Twilio's <Say> expects.
const LANGUAGES: Record<string, string> = {
  en: 'en-US',
  de: 'de-DE',
  es: 'es-ES',
  fr: 'fr-FR',
};

export function twimlLanguage(lang: string | undefined | null): string {
  const l = (lang ?? '').trim();
  if (!l) return 'en-US';
  return LANGUAGES[l.toLowerCase()] ?? l;
}

const XML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/**
 * Escapes XML-significant characters and drops characters XML 1.0 forbids outright (control
 * characters, lone surrogates), which no escaping can make legal.
 */
export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
    .replace(/[&<>"']/g, (c) => XML_ESCAPES[c]);
}

export function buildTwiml(script: string, lang?: string | null): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<Response><Say language="${escapeXml(twimlLanguage(lang))}">${escapeXml(script)}</Say></Response>`
  );
}

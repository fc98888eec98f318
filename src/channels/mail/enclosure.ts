// The campaign's attachment printed behind every letter of the letters PDF (an enclosure).
// PNG and JPEG become one page each, fitted inside the margins of the letter's page size. A PDF
// keeps its own pages: each is turned once into a Form XObject (pdf-lib's page embedder, which
// decodes the content and gathers inherited resources) and copied object by object into the
// pdfkit document being streamed; every letter then draws those objects again by reference, so
// ten thousand letters cost ten thousand small pages, not ten thousand copies of the attachment.
import PDFDocumentKit from 'pdfkit';
import {
  PDFArray,
  PDFBool,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNull,
  PDFNumber,
  PDFRef,
  PDFStream,
  PDFString,
  type PDFObject,
} from 'pdf-lib';
import { AppError } from '../../lib/errors.js';
import type { PageSize } from './letter-layout.js';

type Doc = PDFKit.PDFDocument;
/** What pdfkit's object writer takes: strings are names, String objects and bytes are strings. */
type KitValue = string | number | boolean | null | Uint8Array | KitValue[] | { [k: string]: KitValue } | KitRef;
interface KitRef {
  data: unknown;
  write(chunk: Uint8Array): void;
  end(): void;
}

export const ENCLOSURE_TYPES = ['application/pdf', 'image/png', 'image/jpeg'] as const;

export interface Enclosure {
  contentType: string;
  pageCount: number;
  /** Prepares the enclosure for one document (objects written once); returns how to draw it after a letter. */
  install(doc: Doc, pageSize: PageSize): { draw(): void };
}

const MM = 72 / 25.4;

// pdfkit's openImage (parse once, draw many times) is missing from its type definitions.
const openImage = (doc: Doc, bytes: Buffer): unknown => (doc as unknown as { openImage(b: Buffer): unknown }).openImage(bytes);

function imageEnclosure(bytes: Buffer, contentType: string): Enclosure {
  return {
    contentType,
    pageCount: 1,
    install(doc, pageSize) {
      // One image object for the whole document; every page refers to it.
      const image = openImage(doc, bytes);
      return {
        draw() {
          doc.addPage({ size: pageSize, margin: 0 });
          const margin = 15 * MM;
          const w = doc.page.width - 2 * margin;
          const h = doc.page.height - 2 * margin;
          doc.image(image as unknown as Buffer, margin, margin, { fit: [w, h], align: 'center', valign: 'center' });
        },
      };
    },
  };
}

/** Copies pdf-lib objects (of one source context) into a pdfkit document, each indirect object once. */
function makeCopier(doc: Doc, lookup: (ref: PDFRef) => PDFObject | undefined) {
  const done = new Map<string, KitRef>();
  const newRef = (): KitRef => (doc as unknown as { ref(data?: unknown): KitRef }).ref({});

  function value(o: PDFObject | undefined): KitValue {
    if (o === undefined || o === PDFNull) return null;
    if (o instanceof PDFRef) return indirect(o);
    if (o instanceof PDFName) return o.asString().slice(1); // encoded, pdfkit adds the slash
    if (o instanceof PDFNumber) return o.asNumber();
    if (o instanceof PDFBool) return o.asBoolean();
    // Hex strings keep every byte as it was, whatever the encoding.
    if (o instanceof PDFString || o instanceof PDFHexString) return o.asBytes();
    if (o instanceof PDFArray) return o.asArray().map(value);
    if (o instanceof PDFDict) return dict(o);
    throw new AppError('validation', `unsupported PDF object ${o.constructor.name} in the attachment`);
  }

  function dict(d: PDFDict, skip: string[] = []): { [k: string]: KitValue } {
    const out: { [k: string]: KitValue } = {};
    for (const [k, v] of d.entries()) {
      const key = k.asString().slice(1);
      if (!skip.includes(key)) out[key] = value(v);
    }
    return out;
  }

  function indirect(r: PDFRef): KitRef {
    const seen = done.get(r.tag);
    if (seen) return seen;
    const target = newRef();
    done.set(r.tag, target); // before the contents: cycles find it
    const o = lookup(r);
    if (o instanceof PDFStream) {
      // Length is recomputed by pdfkit; the bytes stay encoded as they are (Filter kept), and
      // pdfkit compresses only streams that have no Filter.
      target.data = dict(o.dict, ['Length']);
      (target as unknown as { compress: boolean }).compress = !o.dict.has(PDFName.of('Filter'));
      target.write(o.getContents());
    } else {
      target.data = value(o);
    }
    target.end();
    return target;
  }

  return { indirect };
}

/** Each page of the PDF as a Form XObject in a holder document's context (pdf-lib's page embedder). */
async function embedAll(bytes: Buffer) {
  // Encrypted PDFs are refused by load (their content could not be read anyway).
  const src = await PDFDocument.load(bytes, { updateMetadata: false });
  const pages = src.getPages();
  if (pages.length === 0) throw new Error('it has no pages');
  const holder = await PDFDocument.create();
  const embedded = await holder.embedPages(pages);
  for (const e of embedded) await e.embed();
  return { holder, embedded };
}

async function pdfEnclosure(bytes: Buffer): Promise<Enclosure> {
  let loaded: Awaited<ReturnType<typeof embedAll>>;
  try {
    loaded = await embedAll(bytes);
  } catch (e) {
    throw new AppError('validation', `the attachment is not a PDF that can be appended: ${(e as Error).message}`, { cause: e });
  }
  const { holder, embedded } = loaded;
  const sizes = embedded.map((e) => ({ width: e.width, height: e.height }));
  return {
    contentType: 'application/pdf',
    pageCount: embedded.length,
    install(doc) {
      const copier = makeCopier(doc, (ref) => holder.context.lookup(ref));
      const forms = embedded.map((e) => copier.indirect(e.ref));
      return {
        draw() {
          forms.forEach((form, i) => {
            const { width, height } = sizes[i];
            doc.addPage({ size: [width, height], margin: 0 });
            const name = `Enc${i + 1}`;
            (doc.page as unknown as { xobjects: Record<string, unknown> }).xobjects[name] = form;
            // pdfkit's pages start flipped (origin top left); the form is drawn in PDF space.
            (doc as unknown as { addContent(s: string): void }).addContent(`q 1 0 0 -1 0 ${height} cm /${name} Do Q`);
          });
        },
      };
    },
  };
}

/** Reads an attachment as an enclosure; AppError('validation') when its type or content cannot be appended. */
export async function loadEnclosure(bytes: Buffer, contentType: string): Promise<Enclosure> {
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (type === 'application/pdf') return pdfEnclosure(bytes);
  if (type === 'image/png' || type === 'image/jpeg') {
    try {
      // Parse now, so a broken image is refused before the first byte of the batch is sent.
      openImage(new PDFDocumentKit({ autoFirstPage: false }), bytes);
    } catch (e) {
      throw new AppError('validation', `the attachment image cannot be read: ${(e as Error).message}`, { cause: e });
    }
    return imageEnclosure(bytes, type);
  }
  throw new AppError('validation', `a ${type} attachment cannot be printed behind the letters; PDF, PNG and JPEG can`, {
    fields: [{ field: 'appendAttachment', message: `the attachment is ${type}; only ${ENCLOSURE_TYPES.join(', ')} can be appended` }],
  });
}

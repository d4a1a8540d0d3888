import { gunzipSync } from 'node:zlib';

/** One member of a tar archive. */
export interface TarEntry {
  /** Path as stored (after GNU long-name and pax path records are applied). */
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
  /** Byte offset of the member's header in the (uncompressed) archive, for error messages. */
  offset: number;
  data: Uint8Array;
  linkTarget: string;
}

const decoder = new TextDecoder();

function field(b: Uint8Array, at: number, len: number): string {
  const s = b.subarray(at, at + len);
  const nul = s.indexOf(0);
  return decoder.decode(nul < 0 ? s : s.subarray(0, nul));
}

function octal(b: Uint8Array, at: number, len: number, archive: string, offset: number): number {
  if (b[at]! & 0x80) {
    // GNU base-256 encoding for large sizes.
    let v = 0;
    for (let i = 1; i < len; i++) v = v * 256 + b[at + i]!;
    return v;
  }
  const s = field(b, at, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new TarError(`${archive}: at byte ${offset}: bad octal field "${s}" in tar header`);
  return parseInt(s, 8);
}

export class TarError extends Error {
  override readonly name = 'TarError';
}

/** Is this a gzip stream (magic 1f 8b)? */
export function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/**
 * Reads a tar archive (optionally gzip-compressed) in memory: ustar, GNU long names ('L')
 * and pax extended headers ('x', path and linkpath).
 */
export function readTar(input: Uint8Array, archive: string): TarEntry[] {
  let b: Uint8Array;
  try {
    b = isGzip(input) ? new Uint8Array(gunzipSync(input)) : input;
  } catch (e) {
    throw new TarError(`${archive}: not a readable gzip stream (${(e as Error).message})`);
  }
  const entries: TarEntry[] = [];
  let pos = 0;
  let longName: string | null = null;
  let longLink: string | null = null;
  let paxPath: string | null = null;
  let paxLink: string | null = null;
  while (pos + 512 <= b.length) {
    const h = b.subarray(pos, pos + 512);
    if (h.every((x) => x === 0)) break;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    const stored = octal(h, 148, 8, archive, pos);
    if (stored !== sum) throw new TarError(`${archive}: at byte ${pos}: tar header checksum mismatch (not a tar archive?)`);
    const size = octal(h, 124, 12, archive, pos);
    const typeflag = String.fromCharCode(h[156]!);
    const dataStart = pos + 512;
    if (dataStart + size > b.length) throw new TarError(`${archive}: at byte ${pos}: member claims ${size} bytes but the archive ends first`);
    const data = b.subarray(dataStart, dataStart + size);
    const next = dataStart + Math.ceil(size / 512) * 512;
    if (typeflag === 'L') longName = field(data, 0, data.length);
    else if (typeflag === 'K') longLink = field(data, 0, data.length);
    else if (typeflag === 'x') {
      const pax = parsePax(data);
      paxPath = pax.get('path') ?? null;
      paxLink = pax.get('linkpath') ?? null;
    } else if (typeflag === 'g') {
      // global pax header: nothing we use
    } else {
      const magic = field(h, 257, 6);
      const prefix = magic.startsWith('ustar') ? field(h, 345, 155) : '';
      const name = field(h, 0, 100);
      const path = paxPath ?? longName ?? (prefix ? `${prefix}/${name}` : name);
      const linkTarget = paxLink ?? longLink ?? field(h, 157, 100);
      const type = typeflag === '0' || typeflag === '\0' || typeflag === '7' ? 'file' : typeflag === '5' ? 'directory' : typeflag === '2' ? 'symlink' : 'other';
      entries.push({ path, type, offset: pos, data, linkTarget });
      longName = longLink = paxPath = paxLink = null;
    }
    pos = next;
  }
  return entries;
}

function parsePax(data: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  const text = decoder.decode(data);
  let i = 0;
  while (i < text.length) {
    const sp = text.indexOf(' ', i);
    if (sp < 0) break;
    const len = parseInt(text.slice(i, sp), 10);
    if (!(len > 0)) break;
    const rec = text.slice(sp + 1, i + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) out.set(rec.slice(0, eq), rec.slice(eq + 1));
    i += len;
  }
  return out;
}

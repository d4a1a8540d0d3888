#!/usr/bin/env node
// The control profile: the harvest exactly as the kernel exported it (no summary record, checksum
// word 0, no end marker), under the names GCC asks for. Made from a gcda-summarize --layout
// profile-dir output by removing what gcda-summarize added, so both profiles use the same names.
// usage: node raw-profile.mjs SUMMARIZED_DIR OUT_DIR
// Only GCC 9+ little-endian .gcda files (what a GCC 12 x86_64/UML kernel writes) are handled.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const MAGIC = 0x67636461;
const TAG_OBJECT_SUMMARY = 0xa1000000;

/** Returns the file without its OBJECT_SUMMARY record and end marker, checksum word set to 0. */
export function stripSummary(buf) {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 16 || dv.getUint32(0, true) !== MAGIC) throw new Error('not a little-endian .gcda');
  const parts = [Buffer.from(buf.subarray(0, 16))];
  parts[0].writeUInt32LE(0, 12); // the kernel writes 0 where libgcov writes the object checksum
  let pos = 16;
  while (pos < buf.length) {
    if (buf.length - pos < 8) {
      if (buf.length - pos === 4 && dv.getUint32(pos, true) === 0) break; // end marker
      throw new Error(`truncated record at byte ${pos}`);
    }
    const tag = dv.getUint32(pos, true);
    const len = dv.getUint32(pos + 4, true); // GCC 12: length in bytes
    if (tag === 0) break; // end marker (followed by nothing)
    if (pos + 8 + len > buf.length) throw new Error(`record at byte ${pos} overruns the file`);
    if (tag !== TAG_OBJECT_SUMMARY) parts.push(buf.subarray(pos, pos + 8 + len));
    pos += 8 + len;
  }
  return Buffer.concat(parts);
}

function main(argv) {
  if (argv.length !== 2) {
    console.error('usage: node raw-profile.mjs SUMMARIZED_DIR OUT_DIR');
    return 2;
  }
  const [src, out] = argv;
  mkdirSync(out, { recursive: true });
  let n = 0;
  for (const name of readdirSync(src)) {
    if (!name.endsWith('.gcda')) continue;
    writeFileSync(join(out, name), stripSummary(readFileSync(join(src, name))));
    n++;
  }
  console.log(`raw-profile: wrote ${n} files without summary records to ${out}`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exit(main(process.argv.slice(2)));

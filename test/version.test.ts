import { describe, expect, it } from 'vitest';
import { counterKinds, decodeVersion, generationFeatures, versionWord } from '../src/index.js';

describe('version words', () => {
  // Examples from gcc/gcov-iov.c (old digit scheme to GCC 6, letter scheme from GCC 7).
  it.each([
    ['402*', 42],
    ['407*', 47],
    ['408R', 48],
    ['504*', 54],
    ['603*', 63],
    ['A75*', 75],
    ['A93*', 93],
    ['B02*', 102],
    ['B13*', 113],
    ['B22*', 122],
    ['B42 ', 142],
    ['B51*', 151],
  ])('%s decodes to %i', (text, number) => {
    const v = decodeVersion(versionWord(text));
    expect(v?.number).toBe(number);
    expect(v?.text).toBe(text);
  });

  it('rejects words that are not versions', () => {
    expect(decodeVersion(versionWord('zzzz'))).toBeUndefined();
    expect(decodeVersion(0)).toBeUndefined();
  });

  it('switches layouts at the documented generations', () => {
    expect(generationFeatures(113).lengthInBytes).toBe(false);
    expect(generationFeatures(122).lengthInBytes).toBe(true);
    expect(generationFeatures(84).histogram).toBe(true);
    expect(generationFeatures(93).histogram).toBe(false);
    expect(counterKinds(122).map((k) => k.name)).toEqual(['arcs', 'interval', 'pow2', 'topn', 'indirect_call', 'average', 'ior', 'time_profiler']);
    expect(counterKinds(142).at(-1)?.name).toBe('conditions');
    expect(counterKinds(48).length).toBe(8);
    expect(counterKinds(49).length).toBe(9);
    expect(counterKinds(54).length).toBe(10);
    expect(counterKinds(75).length).toBe(9);
  });
});

/**
 * readRange as data: a Range value and a file size in, the ranges (or
 * "whole", or "unsatisfiable") out.
 */
import test from 'ava';
import { readRange, type RangeRequest } from '../../src/app/byte-ranges.js';

const ranges = (...pairs: Array<[number, number]>): RangeRequest => ({ kind: 'ranges', ranges: pairs.map(([start, end]) => ({ start, end })) });
const WHOLE: RangeRequest = { kind: 'whole' };
const UNSATISFIABLE: RangeRequest = { kind: 'unsatisfiable' };

const cases: Array<[string, number, RangeRequest]> = [
  ['bytes=0-0', 10, ranges([0, 0])],
  ['Bytes=2-', 10, ranges([2, 9])],
  ['bytes=-3', 10, ranges([7, 9])],
  ['bytes=-30', 10, ranges([0, 9])],
  ['bytes=5-500', 10, ranges([5, 9])],
  ['bytes=0-99999999999999999999', 10, ranges([0, 9])],
  ['bytes= 1-2 ,\t4-5', 10, ranges([1, 2], [4, 5])],
  ['bytes=,1-2,,', 10, ranges([1, 2])],
  ['bytes=6-7,1-2', 10, ranges([1, 2], [6, 7])],
  ['bytes=1-2,3-4', 10, ranges([1, 4])],
  ['bytes=1-5,2-3', 10, ranges([1, 5])],
  ['bytes=20-,1-2', 10, ranges([1, 2])],
  ['bytes=10-', 10, UNSATISFIABLE],
  ['bytes=-0', 10, UNSATISFIABLE],
  ['bytes=-0,10-11', 10, UNSATISFIABLE],
  ['bytes=0-', 0, WHOLE],
  ['bytes=-1', 0, WHOLE],
  ['bytes=', 10, WHOLE],
  ['bytes=,', 10, WHOLE],
  ['bytes', 10, WHOLE],
  ['bits=0-1', 10, WHOLE],
  ['bytes=3-2', 10, WHOLE],
  ['bytes=1-2,3-2', 10, WHOLE],
  ['bytes=+1-2', 10, WHOLE],
  ['bytes=1.5-2', 10, WHOLE],
  ['bytes=0x1-2', 10, WHOLE],
  ['bytes=1 -2', 10, WHOLE],
  ['bytes=-', 10, WHOLE],
  ['bytes=0-9,0-9', 10, WHOLE],
  ['bytes=0-4,5-9', 10, ranges([0, 9])],
  ['bytes=0-0,1-1,2-2,3-3', 10, WHOLE],
];

for (const [header, size, expected] of cases) {
  test(`readRange reads ${JSON.stringify(header)} of ${size} bytes as ${expected.kind}`, (t) => {
    t.deepEqual(readRange(header, size, 3), expected);
  });
}

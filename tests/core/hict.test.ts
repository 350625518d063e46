import test from 'ava';
import { Hict } from '../../src/core/hict.js';

test('Hict keeps every field line in order with its original case and looks up ignoring case', (t) => {
  const hict = new Hict();
  hict.add('Accept', 'a');
  hict.add('X-Dup', '1');
  hict.add('x-dup', '2');
  hict.add('ACCEPT', 'b');
  t.is(hict.size, 4);
  t.is(hict.get('accept'), 'a');
  t.is(hict.last('Accept'), 'b');
  t.deepEqual(hict.getAll('X-DUP'), ['1', '2']);
  t.is(hict.count('x-dup'), 2);
  t.true(hict.has('x-Dup'));
  t.false(hict.has('missing'));
  t.is(hict.get('missing'), undefined);
  t.is(hict.last('missing'), undefined);
  t.deepEqual(
    [...hict],
    [
      ['Accept', 'a'],
      ['X-Dup', '1'],
      ['x-dup', '2'],
      ['ACCEPT', 'b'],
    ],
  );
  t.deepEqual(JSON.parse(JSON.stringify(hict)), [
    ['Accept', 'a'],
    ['X-Dup', '1'],
    ['x-dup', '2'],
    ['ACCEPT', 'b'],
  ]);
});

test('Hict#firsts and #lasts give one pair per name, case-insensitively', (t) => {
  const hict = new Hict([
    ['A', '1'],
    ['b', '2'],
    ['a', '3'],
  ]);
  t.deepEqual(hict.firsts(), [
    ['A', '1'],
    ['b', '2'],
  ]);
  t.deepEqual(hict.lasts(), [
    ['A', '3'],
    ['b', '2'],
  ]);
});

test('Hict#set replaces every line of a name; #delete removes them all', (t) => {
  const hict = new Hict({ 'Set-Cookie': ['a=1', 'b=2'], 'Content-Length': 5 });
  t.deepEqual(hict.getAll('set-cookie'), ['a=1', 'b=2']);
  t.is(hict.get('content-length'), '5');
  hict.set('SET-COOKIE', 'c=3');
  t.deepEqual(hict.entries(), [
    ['Content-Length', '5'],
    ['SET-COOKIE', 'c=3'],
  ]);
  t.is(hict.delete('set-cookie'), 1);
  t.is(hict.delete('nothing'), 0);
  t.is(hict.size, 1);
  const copy = new Hict(hict);
  copy.addKeyed('X-Fast', 'x-fast', 'v');
  t.is(copy.get('X-FAST'), 'v');
  t.is(hict.size, 1);
});

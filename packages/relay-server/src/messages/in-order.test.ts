import { describe, expect, it } from 'vitest';
import { InOrder } from './in-order.js';

/** A promise the test settles when it says. */
function later<T>() {
  let resolve: (value: T) => void = () => {};
  let reject: (error: Error) => void = () => {};
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

describe('InOrder', () => {
  it('settles one key’s work in the order it was asked for, whatever order it finishes in, and other keys apart', async () => {
    const order = new InOrder();
    const [first, second, third, elsewhere] = [later<string>(), later<string>(), later<string>(), later<string>()];
    const settled: string[] = [];
    const track = (promise: Promise<string>) =>
      promise.then(
        (value) => settled.push(value),
        (error: Error) => settled.push(`refused ${error.message}`),
      );
    const all = [
      track(order.run('c1', first.promise)),
      track(order.run('c1', second.promise)),
      track(order.run('c1', third.promise)),
      track(order.run('c2', elsewhere.promise)),
    ];
    // The later work finishes first, one of them refused before its turn: nothing of c1 settles yet.
    third.resolve('third');
    second.reject(new Error('second'));
    elsewhere.resolve('elsewhere');
    await all[3];
    expect(settled).toEqual(['elsewhere']);
    first.resolve('first');
    await Promise.all(all);
    expect(settled).toEqual(['elsewhere', 'first', 'refused second', 'third']);
  });
});

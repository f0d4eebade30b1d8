import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import BN from '../../../infra/lambda-bn';

// bn.js itself (a dependency of the Encryption SDK), to hold the stand-in to its answers.
interface RealBN {
  mod(o: RealBN): RealBN;
  add(o: RealBN): RealBN;
  sub(o: RealBN): RealBN;
  mul(o: RealBN): RealBN;
  div(o: RealBN): RealBN;
  pow(o: RealBN): RealBN;
  eq(o: RealBN): boolean;
  bitLength(): number;
  toNumber(): number;
  toArray(endian?: string, length?: number): number[];
  toRed(ctx: unknown): RealBN & { redPow(e: RealBN): RealBN & { fromRed(): RealBN } };
  toString(base: number): string;
}
type RealBNClass = { new (value: unknown, base?: unknown, endian?: unknown): RealBN; mont(p: RealBN): unknown };
const require = createRequire(import.meta.url);
const Real = require(require.resolve('bn.js', { paths: [require.resolve('@aws-crypto/serialize')] })) as RealBNClass;

const p384 = 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFF0000000000000000FFFFFFFF';
const p256 = 'FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF';

describe('the bn.js stand-in in function bundles', () => {
  it('writes a 64-bit big-endian length as bn.js does (every frame’s additional data)', () => {
    for (const length of [0, 1, 255, 256, 4096, 2 ** 32 + 7, Number.MAX_SAFE_INTEGER]) {
      expect(new BN(length).toArray('be', 8)).toEqual(new Real(length).toArray('be', 8));
    }
  });

  it('reads a big-endian length back as bn.js does (message body headers)', () => {
    for (let i = 0; i < 50; i++) {
      const bytes = [0, 0, ...randomBytes(6)];
      expect(new BN(bytes, 16, 'be').toNumber()).toBe(new Real(bytes, 16, 'be').toNumber());
    }
  });

  it('refuses lengths that do not fit, as bn.js does', () => {
    expect(() => new BN([0x01, 0, 0, 0, 0, 0, 0, 0], 16, 'be').toNumber()).toThrow('53 bits');
    expect(() => new Real([0x01, 0, 0, 0, 0, 0, 0, 0], 16, 'be').toNumber()).toThrow();
    expect(() => new BN(2 ** 40).toArray('be', 4)).toThrow('longer than desired length');
    expect(() => new Real(2 ** 40).toArray('be', 4)).toThrow();
  });

  it('derives the curve constants the SDK computes at load as bn.js does', () => {
    for (const hex of [p256, p384]) {
      const [p, four, one, three] = [new BN(hex, 16), new BN(4), new BN(1), new BN(3)];
      const [rp, rfour, rone] = [new Real(hex, 16), new Real(4), new Real(1)];
      expect(p.mod(four).eq(three)).toBe(true);
      expect(p.bitLength()).toBe(rp.bitLength());
      expect(p.add(one).div(four).toString(16)).toBe(rp.add(rone).div(rfour).toString(16));
    }
  });

  it('decompresses a curve point with the same arithmetic as bn.js (signing suites)', () => {
    const [p, a, b] = [p384, p384.replace(/F$/, 'C'), 'B3312FA7E23EE7E4988E056BE3F82D19181D9C6EFE8141120314088F5013875AC656398D8A2ED19D2A85C8EDD3EC2AEF'];
    for (let i = 0; i < 10; i++) {
      const x = [...randomBytes(48)];
      const ours = sqrtStep(BN, x, p, a, b);
      const theirs = sqrtStep(Real as unknown as typeof BN, x, p, a, b);
      expect(ours).toEqual(theirs);
    }
  });

  it('refuses inputs the SDK never gives it instead of guessing', () => {
    expect(() => new BN('12', 2)).toThrow('base 2');
    expect(() => new BN('xyz', 16)).toThrow('not a base-16 number');
    expect(() => new BN(1.5)).toThrow('safe integers');
    expect(() => new BN(3).redPow(new BN(2))).toThrow('toRed');
  });
});

/** ecc_decode's arithmetic on one x coordinate, with either implementation. */
function sqrtStep(Impl: typeof BN, x: number[], pHex: string, aHex: string, bHex: string) {
  const [p, a, b, x1, three, four, one] = [new Impl(pHex, 16), new Impl(aHex, 16), new Impl(bHex, 16), new Impl(x), new Impl(3), new Impl(4), new Impl(1)];
  const alpha = x1.pow(three).mod(p).add(a.mul(x1).mod(p)).add(b).mod(p);
  const beta = alpha.toRed(Impl.mont(p)).redPow(p.add(one).div(four)).fromRed();
  return { beta: beta.toArray('be', 48), other: p.sub(beta).toArray('be', 48), parity: beta.mod(new Impl(2)).toNumber() };
}

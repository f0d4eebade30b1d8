/**
 * Stands in for `bn.js` in function bundles (see bundling.ts): the few big-number
 * operations the Encryption SDK performs, on the language's own BigInt.
 *
 * The SDK needs a 64-bit big-endian length in every frame's additional data and reads one
 * back from each message body header; for signing suites it also decompresses ECDSA public
 * keys, whose curve constants it derives when its module loads. bn.js is 45 KiB of
 * JavaScript wrapped in a function V8 compiles eagerly, and those constants take its
 * Montgomery code a few milliseconds more: all of it on every cold start of a function that
 * touches the vault. Each method below keeps bn.js's meaning for the inputs the SDK gives
 * it (tests/unit/infra/bn.test.ts checks them against bn.js itself); anything else is refused.
 */
type Endian = 'be' | 'le';
type Input = number | string | bigint | ArrayLike<number>;

class Reduction {
  constructor(readonly modulus: bigint) {}
}

export default class BN {
  readonly #value: bigint;
  /** Set on numbers made by `toRed`, for `redPow`. */
  #red: Reduction | undefined;

  constructor(input: Input, base?: number | Endian, endian?: Endian) {
    this.#value = toBigInt(input, base === 'be' || base === 'le' ? 10 : (base ?? 10), base === 'le' || endian === 'le' ? 'le' : 'be');
  }

  /** The reduction context `toRed` works in; bn.js's Montgomery form has the same results. */
  static mont(modulus: BN): Reduction {
    return new Reduction(modulus.#value);
  }

  add(other: BN): BN {
    return BN.#of(this.#value + other.#value);
  }

  sub(other: BN): BN {
    return BN.#of(this.#value - other.#value);
  }

  mul(other: BN): BN {
    return BN.#of(this.#value * other.#value);
  }

  /** Truncating division, as bn.js's `div`. */
  div(other: BN): BN {
    return BN.#of(this.#value / other.#value);
  }

  /** bn.js's `mod` keeps the dividend's sign, as `%` does. */
  mod(other: BN): BN {
    return BN.#of(this.#value % other.#value);
  }

  pow(exponent: BN): BN {
    return BN.#of(this.#value ** exponent.#value);
  }

  eq(other: BN): boolean {
    return this.#value === other.#value;
  }

  bitLength(): number {
    return this.#value === 0n ? 0 : abs(this.#value).toString(2).length;
  }

  toNumber(): number {
    if (abs(this.#value) > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('Number can only safely store up to 53 bits');
    return Number(this.#value);
  }

  toArray(endian: Endian = 'be', length?: number): number[] {
    if (this.#value < 0n) throw new Error('toArray of a negative number is not supported here');
    const bytes: number[] = [];
    for (let rest = this.#value; rest > 0n; rest >>= 8n) bytes.unshift(Number(rest & 0xffn));
    if (length !== undefined) {
      if (bytes.length > length) throw new Error('byte array longer than desired length');
      while (bytes.length < length) bytes.unshift(0);
    } else if (bytes.length === 0) {
      bytes.push(0);
    }
    return endian === 'le' ? bytes.reverse() : bytes;
  }

  toString(base = 10): string {
    return this.#value.toString(base);
  }

  toRed(context: Reduction): BN {
    return BN.#of(((this.#value % context.modulus) + context.modulus) % context.modulus, context);
  }

  fromRed(): BN {
    return BN.#of(this.#value);
  }

  /** Modular exponentiation in the reduction context, square and multiply. */
  redPow(exponent: BN): BN {
    const red = this.#red;
    if (!red) throw new Error('redPow needs a number in a reduction context (toRed)');
    let result = 1n;
    let base = this.#value;
    for (let e = exponent.#value; e > 0n; e >>= 1n) {
      if (e & 1n) result = (result * base) % red.modulus;
      base = (base * base) % red.modulus;
    }
    return BN.#of(result, red);
  }

  static #of(value: bigint, red?: Reduction): BN {
    const bn = new BN(value);
    bn.#red = red;
    return bn;
  }
}

function toBigInt(input: Input, base: number, endian: Endian): bigint {
  if (typeof input === 'bigint') return input;
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input)) throw new Error('bn: only safe integers are supported');
    return BigInt(input);
  }
  if (typeof input === 'string') {
    if (base !== 16 && base !== 10) throw new Error(`bn: base ${base} is not supported here`);
    const negative = input.startsWith('-');
    const digits = negative ? input.slice(1) : input;
    if (!(base === 16 ? /^[0-9a-f]+$/i : /^[0-9]+$/).test(digits)) throw new Error(`bn: not a base-${base} number`);
    const value = BigInt(base === 16 ? `0x${digits}` : digits);
    return negative ? -value : value;
  }
  const bytes = Array.from(input);
  if (endian === 'le') bytes.reverse();
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte & 0xff);
  return value;
}

function abs(value: bigint): bigint {
  return value < 0n ? -value : value;
}

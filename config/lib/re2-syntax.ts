// The one home of RE2 rules. Envoy evaluates route regexes with RE2, and Pomerium evaluates
// client-input regexes (the SAN matchers of downstream_mtls) with RE2 too; JavaScript's engine
// accepts more (lookaround, backreferences, atomic groups, unbounded repeats) and means other
// things by some syntax (`\s`, `\Q…\E`, `[[:alpha:]]`, `(?P<n>…)`, inline flags). This parser
// follows RE2's syntax (re2/syntax, Perl flags as Envoy uses them): what RE2 rejects is rejected
// here with the character offset, and what it accepts is translated to an equivalent JavaScript
// pattern (flag `u`) with RE2's meaning. It also estimates RE2's program size, which Envoy
// limits (envoy/lib/bootstrap-common.ts sets the error level to 1000).

export type Re2Result =
  | {
      readonly ok: true;
      /** JavaScript source with RE2's meaning; compile with flags `u` (+ `i` when `ignoreCase`). */
      readonly source: string;
      readonly ignoreCase: boolean;
      /** Estimate of RE2's compiled program size (Envoy's `re2.max_program_size`). */
      readonly programSize: number;
      /** The largest code point written as a `\x` escape (0 when none). */
      readonly maxHexEscape: number;
    }
  | {
      readonly ok: false;
      readonly message: string /** 0-based character offset. */;
      readonly offset: number;
    };

/**
 * The RE2 program size Envoy accepts: the bootstrap's runtime raises Envoy's default error level
 * (100, which ordinary route regexes such as `^/[a-z]{1,60}$` exceed) to this.
 */
export const ENVOY_RE2_MAX_PROGRAM_SIZE = 1000;

/** RE2's limit on a counted repetition (and on the product of nested ones). */
export const RE2_MAX_REPEAT = 1000;

class Re2SyntaxError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

interface Node {
  /** JavaScript source. */
  src: string;
  /** Estimated RE2 instructions. */
  size: number;
  /** Product of counted repetitions inside (RE2 bounds it by 1000). */
  repeat: number;
  /** Matches the empty string only (RE2 refuses to repeat nothing: `^*` is fine, `()*` too). */
  atom: boolean;
  /** One character (a literal or a class): RE2 merges alternations of these into one class. */
  single?: boolean;
}

const POSIX: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

/** Perl classes with RE2's ASCII meaning (JavaScript's `\s` also matches Unicode spaces). */
const PERL: Readonly<Record<string, string>> = {
  d: '0-9',
  s: '\\t\\n\\f\\r ',
  w: '0-9A-Za-z_',
};

const GENERAL_CATEGORIES = new Set(
  'C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(
    ' ',
  ),
);

const SYNTAX = new Set('\\.+*?()|[]{}^$'.split(''));

function escapeChar(cp: number, inClass = false): string {
  if (cp < 0x20 || cp === 0x7f) return `\\x${cp.toString(16).padStart(2, '0')}`;
  const c = String.fromCodePoint(cp);
  if (SYNTAX.has(c) || c === '/' || (inClass && c === '-')) return `\\${c}`;
  return c;
}

/** A literal code point, case-folded into a class when `(?i)` is scoped. */
function literal(cp: number, fold: boolean): Node {
  const c = String.fromCodePoint(cp);
  const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  if (fold) {
    const variants = [...new Set([c, c.toLowerCase(), c.toUpperCase()])].filter(
      (v) => [...v].length === 1,
    );
    if (variants.length > 1) {
      return {
        src: `[${variants.map((v) => escapeChar(v.codePointAt(0) as number, true)).join('')}]`,
        size,
        repeat: 1,
        atom: true,
        single: true,
      };
    }
  }
  return { src: escapeChar(cp), size, repeat: 1, atom: true, single: true };
}

class Parser {
  private i = 0;
  /** Flags set by a leading `(?i)` for the whole pattern (translated to JavaScript's `i`). */
  globalI = false;
  /** The largest `\x` escape (Envoy refuses those above \x{FF}). */
  maxHexEscape = 0;

  private readonly p: string;
  constructor(pattern: string) {
    this.p = pattern;
  }

  parse(): Node {
    // A leading `(?i)` (possibly with other flags) applies to everything: JavaScript's `i`.
    const lead = /^\(\?([imsU]+)\)/.exec(this.p);
    const flags: Flags = { i: false, m: false, s: false, U: false };
    if (lead?.[1]?.includes('i') && !/\(\?[imsU]*-[imsU]*i/.test(this.p)) this.globalI = true;
    const node = this.alternation(flags, 0);
    if (this.i < this.p.length) throw new Re2SyntaxError('unexpected )', this.i);
    return node;
  }

  private peek(n = 0): string {
    return this.p[this.i + n] ?? '';
  }

  private fold(flags: Flags): boolean {
    return flags.i && !this.globalI;
  }

  private alternation(flags: Flags, depth: number): Node {
    if (depth > 1000) throw new Re2SyntaxError('expression nests too deeply', this.i);
    const branches: Node[] = [this.concatenation(flags, depth)];
    while (this.peek() === '|') {
      this.i++;
      branches.push(this.concatenation(flags, depth));
    }
    if (branches.length === 1) return branches[0] as Node;
    // `a|b|c` compiles to the class [a-c] (measured: (a|b|c){300} passes Envoy's 1000).
    const merged = branches.every((b) => b.single === true);
    return {
      src: branches.map((b) => b.src).join('|'),
      size: merged
        ? Math.max(...branches.map((b) => b.size))
        : branches.reduce((n, b) => n + b.size, 0),
      repeat: Math.max(...branches.map((b) => b.repeat)),
      atom: false,
    };
  }

  private concatenation(flags: Flags, depth: number): Node {
    const parts: Node[] = [];
    while (this.i < this.p.length && this.peek() !== '|' && this.peek() !== ')') {
      const start = this.i;
      const atom = this.atom(flags, depth);
      if (atom === null) continue; // a flag group `(?i)` changes `flags` and matches nothing
      parts.push(this.repetition(atom, flags, start));
    }
    return {
      src: parts.map((p) => (p.atom ? p.src : `(?:${p.src})`)).join(''),
      size: parts.reduce((n, p) => n + p.size, 0),
      repeat: Math.max(1, ...parts.map((p) => p.repeat)),
      atom: parts.length === 1 && (parts[0] as Node).atom,
      single: parts.length === 1 && (parts[0] as Node).single === true,
    };
  }

  private repetition(atom: Node, flags: Flags, start: number): Node {
    let node = atom;
    let repeated = false;
    for (;;) {
      const at = this.i;
      const c = this.peek();
      let min: number;
      let max: number; // -1: unbounded
      if (c === '*' || c === '+' || c === '?') {
        this.i++;
        [min, max] = c === '*' ? [0, -1] : c === '+' ? [1, -1] : [0, 1];
      } else if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.p.slice(this.i));
        if (!m) return node; // not a repetition: `{` is a literal, read as the next atom
        this.i += m[0].length;
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
        if (min > RE2_MAX_REPEAT || max > RE2_MAX_REPEAT || (max !== -1 && max < min)) {
          throw new Re2SyntaxError(`bad repetition operator: ${m[0]}`, at);
        }
      } else return node;
      if (repeated) {
        throw new Re2SyntaxError(`bad repetition operator: ${this.p.slice(at - 1, this.i)}`, at);
      }
      if (at === start) {
        throw new Re2SyntaxError(`missing argument to repetition operator: ${c}`, at);
      }
      repeated = true;
      // the operator itself (`?` included) before any lazy marker after it
      const op = this.p.slice(at, this.i);
      let lazy = false;
      if (this.peek() === '?') {
        this.i++;
        lazy = true;
      }
      if (flags.U) lazy = !lazy;
      const product = node.repeat * (max === -1 ? Math.max(min, 1) : Math.max(max, 1));
      if (c === '{' && product > RE2_MAX_REPEAT) {
        throw new Re2SyntaxError(
          `bad repetition operator: nested repetitions exceed ${RE2_MAX_REPEAT}`,
          at,
        );
      }
      const quant = `${op}${lazy ? '?' : ''}`;
      const copies = max === -1 ? Math.max(min, 1) : max;
      const size =
        c === '{'
          ? node.size * Math.max(copies, 1) + Math.max(0, (max === -1 ? 1 : max) - min)
          : node.size + 1;
      node = {
        src: `${node.atom ? node.src : `(?:${node.src})`}${quant}`,
        size,
        repeat: c === '{' ? product : node.repeat,
        atom: false,
      };
    }
  }

  /** One atom, or null for a flag group. */
  private atom(flags: Flags, depth: number): Node | null {
    const start = this.i;
    const c = this.peek();
    switch (c) {
      case '(':
        return this.group(flags, depth);
      case '[':
        return this.charClass(flags);
      case '.':
        this.i++;
        return {
          src: flags.s ? '[\\s\\S]' : '[^\\n]',
          size: 2,
          repeat: 1,
          atom: true,
          single: true,
        };
      case '^':
        this.i++;
        return { src: flags.m ? '(?:^|(?<=\\n))' : '^', size: 1, repeat: 1, atom: false };
      case '$':
        this.i++;
        return { src: flags.m ? '(?:$|(?=\\n))' : '$', size: 1, repeat: 1, atom: false };
      case '\\':
        return this.escape(flags);
      case '*':
      case '+':
      case '?':
        throw new Re2SyntaxError(`missing argument to repetition operator: ${c}`, start);
      default: {
        const cp = this.p.codePointAt(this.i) as number;
        this.i += cp > 0xffff ? 2 : 1;
        return literal(cp, this.fold(flags));
      }
    }
  }

  private group(flags: Flags, depth: number): Node | null {
    const open = this.i;
    this.i++;
    let capture = true;
    let name: string | undefined;
    let inner = flags;
    if (this.peek() === '?') {
      const rest = this.p.slice(this.i + 1);
      const named = /^P?<([A-Za-z0-9_]+)>/.exec(rest);
      if (named) {
        name = named[1];
        this.i += 1 + named[0].length;
      } else if (/^P?</.test(rest) && !/^<[=!]/.test(rest)) {
        throw new Re2SyntaxError('invalid named capture group', open);
      } else {
        const m = /^([imsU]*)(?:-([imsU]*))?([:)])/.exec(rest);
        if (!m || m[2] === '' || (m[3] === ')' && m[1] === '' && m[2] === undefined)) {
          throw new Re2SyntaxError(
            /^(<?[=!]|>)/.test(rest)
              ? `invalid or unsupported Perl syntax: (?${rest.slice(0, rest[0] === '<' ? 2 : 1)} (RE2 has no lookaround or atomic groups)`
              : `invalid or unsupported Perl syntax: (?${rest.slice(0, 1)}`,
            open,
          );
        }
        this.i += 1 + m[0].length;
        const next: Flags = { ...flags };
        for (const f of m[1] ?? '') next[f as keyof Flags] = true;
        for (const f of m[2] ?? '') next[f as keyof Flags] = false;
        if (m[3] === ')') {
          // `(?flags)`: applies to the rest of the enclosing group.
          // Scoped case folding is translated literal by literal (literal(), range()).
          Object.assign(flags, next);
          return null;
        }
        capture = false;
        inner = next;
      }
    }
    const body = this.alternation({ ...inner }, depth + 1);
    if (this.peek() !== ')') throw new Re2SyntaxError('missing closing )', open);
    this.i++;
    const src = capture
      ? name === undefined
        ? `(${body.src})`
        : `(?<${name}>${body.src})`
      : `(?:${body.src})`;
    return { src, size: body.size + (capture ? 2 : 0), repeat: body.repeat, atom: true };
  }

  /** `\x`: escapes outside a class. */
  private escape(flags: Flags): Node {
    const at = this.i;
    const n = this.peek(1);
    if (n === '') throw new Re2SyntaxError('trailing \\', at);
    const empty = (src: string): Node => {
      this.i += 2;
      return { src, size: 1, repeat: 1, atom: false };
    };
    switch (n) {
      case 'A':
        return empty('^');
      case 'z':
        return empty('$');
      case 'b':
        return empty('\\b');
      case 'B':
        return empty('\\B');
      case 'Q': {
        const end = this.p.indexOf('\\E', at + 2);
        const text = this.p.slice(at + 2, end === -1 ? undefined : end);
        this.i = end === -1 ? this.p.length : end + 2;
        const chars = [...text].map((ch) => literal(ch.codePointAt(0) as number, this.fold(flags)));
        return {
          src: `(?:${chars.map((ch) => ch.src).join('')})`,
          size: chars.reduce((s, ch) => s + ch.size, 0),
          repeat: 1,
          atom: true,
        };
      }
      case 'C':
        throw new Re2SyntaxError('\\C (any byte) is not supported here', at);
    }
    const cls = this.classEscape(flags);
    if (cls !== null) return { src: cls.src, size: cls.size, repeat: 1, atom: true, single: true };
    const cp = this.charEscape();
    return literal(cp, this.fold(flags));
  }

  /** `\d \s \w \D \S \W \pX \p{X} \PX \P{X}` as a JavaScript class, or null. */
  private classEscape(_flags: Flags, inClass = false): { src: string; size: number } | null {
    const at = this.i;
    const n = this.peek(1);
    const lower = n.toLowerCase();
    if (PERL[lower] !== undefined) {
      this.i += 2;
      const body = PERL[lower] as string;
      // Instructions as measured against Envoy (\w{450} is 1354); a negated class costs one more.
      const size = (lower === 'd' ? 1 : 3) + (n === lower ? 0 : 1);
      if (inClass) return { src: n === lower ? body : `\u0000NEG${body}`, size };
      return { src: n === lower ? `[${body}]` : `[^${body}]`, size };
    }
    if (n === 'p' || n === 'P') {
      let name: string;
      if (this.peek(2) === '{') {
        const end = this.p.indexOf('}', at + 3);
        if (end === -1) throw new Re2SyntaxError('invalid character class range: missing }', at);
        name = this.p.slice(at + 3, end);
        this.i = end + 1;
      } else {
        name = this.peek(2);
        this.i += 3;
      }
      let negate = n === 'P';
      if (name.startsWith('^')) {
        negate = !negate;
        name = name.slice(1);
      }
      let prop: string;
      if (name === 'Any') prop = '\\s\\S';
      else {
        prop = GENERAL_CATEGORIES.has(name) ? `\\p{${name}}` : `\\p{Script=${name}}`;
        try {
          new RegExp(prop, 'u');
        } catch {
          throw new Re2SyntaxError(`invalid character class range: \\p{${name}}`, at);
        }
      }
      if (name === 'Any') {
        if (inClass) return { src: negate ? '' : '\\s\\S', size: 4 };
        return { src: negate ? '[^\\s\\S]' : '[\\s\\S]', size: 4 };
      }
      const js = negate ? prop.replace('\\p', '\\P') : prop;
      // Measured against Envoy: \pL{300} is 2104 instructions, [\pL\pN]{100} is 1004.
      return { src: js, size: inClass ? 5 : 7 };
    }
    return null;
  }

  /** A single-character escape (after `\`), as a code point. Throws what RE2 rejects. */
  private charEscape(): number {
    const at = this.i;
    const n = this.peek(1);
    const simple: Record<string, number> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };
    if (simple[n] !== undefined) {
      this.i += 2;
      return simple[n] as number;
    }
    if (/[0-7]/.test(n)) {
      const m = /^[0-7]{1,3}/.exec(this.p.slice(at + 1)) as RegExpExecArray;
      // \1-\9 alone are backreferences: RE2 has none (\0 and \1nn are octal).
      if (n !== '0' && m[0].length === 1) {
        throw new Re2SyntaxError(`invalid escape sequence: \\${n} (RE2 has no backreferences)`, at);
      }
      this.i += 1 + m[0].length;
      return Number.parseInt(m[0], 8);
    }
    if (n === '8' || n === '9') {
      throw new Re2SyntaxError(`invalid escape sequence: \\${n} (RE2 has no backreferences)`, at);
    }
    if (n === 'x') {
      const braced = /^\{([0-9A-Fa-f]+)\}/.exec(this.p.slice(at + 2));
      const two = /^[0-9A-Fa-f]{2}/.exec(this.p.slice(at + 2));
      const hex = braced ? braced[1] : two?.[0];
      const cp = hex === undefined ? Number.NaN : Number.parseInt(hex, 16);
      if (hex === undefined || cp > 0x10ffff) {
        throw new Re2SyntaxError('invalid escape sequence: \\x', at);
      }
      this.i += 2 + (braced ? braced[0].length : 2);
      if (cp > this.maxHexEscape) this.maxHexEscape = cp;
      return cp;
    }
    // Punctuation may be escaped; letters and digits not listed above are errors in RE2.
    if (/[A-Za-z0-9]/.test(n)) throw new Re2SyntaxError(`invalid escape sequence: \\${n}`, at);
    const cp = this.p.codePointAt(at + 1) as number;
    if (cp >= 0x80) throw new Re2SyntaxError('invalid escape sequence', at);
    this.i += 2;
    return cp;
  }

  private charClass(flags: Flags): Node {
    const open = this.i;
    this.i++;
    let negate = false;
    if (this.peek() === '^') {
      negate = true;
      this.i++;
    }
    const items: string[] = [];
    const negated: string[] = [];
    let size = 0;
    let first = true;
    for (;;) {
      if (this.i >= this.p.length) throw new Re2SyntaxError('missing closing ]', open);
      const c = this.peek();
      if (c === ']' && !first) {
        this.i++;
        break;
      }
      first = false;
      if (c === '[' && this.peek(1) === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(this.p.slice(this.i));
        if (m) {
          const body = POSIX[m[2] as string];
          if (body === undefined) {
            throw new Re2SyntaxError(`invalid character class range: ${m[0]}`, this.i);
          }
          (m[1] === '^' ? negated : items).push(body);
          size += 2;
          this.i += m[0].length;
          continue;
        }
      }
      if (c === '\\') {
        const cls = this.classEscape(flags, true);
        if (cls !== null) {
          if (cls.src.startsWith('\u0000NEG')) negated.push(cls.src.slice(4));
          else items.push(cls.src);
          size += cls.size;
          continue;
        }
      }
      const lo = this.classChar();
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== '') {
        const dash = this.i;
        this.i++;
        if (this.peek() === '\\' && /[dswDSWpP]/.test(this.peek(1))) {
          throw new Re2SyntaxError('invalid character class range', dash);
        }
        const hi = this.classChar();
        if (hi < lo) {
          throw new Re2SyntaxError(
            `invalid character class range: ${this.p.slice(dash - 1, this.i)}`,
            dash,
          );
        }
        items.push(this.range(lo, hi, flags));
      } else items.push(this.range(lo, lo, flags));
      size += 1; // measured: [é-ü]{999} is 1003 instructions
    }
    // [^\D] and [[:^alpha:]]: a negated part is an alternative of its own class.
    let src: string;
    const positive = items.join('');
    if (negated.length === 0) {
      src = negate ? `[^${positive}]` : `[${positive}]`;
    } else {
      const parts = [
        ...(positive === '' ? [] : [`[${positive}]`]),
        ...negated.map((b) => `[^${b}]`),
      ];
      const any = `(?:${parts.join('|')})`;
      src = negate ? `(?:(?!${any})[\\s\\S])` : any;
    }
    // A negated class is its complement's ranges: one more (measured: [^a]{900} is 1804).
    return {
      src,
      size: Math.max(1, size) + (negate ? 1 : 0),
      repeat: 1,
      atom: true,
      single: negated.length === 0,
    };
  }

  private classChar(): number {
    const c = this.peek();
    if (c === '\\') {
      if (this.peek(1) === 'Q' || this.peek(1) === 'E') {
        throw new Re2SyntaxError('invalid escape sequence inside a class', this.i);
      }
      return this.charEscape();
    }
    const cp = this.p.codePointAt(this.i) as number;
    this.i += cp > 0xffff ? 2 : 1;
    return cp;
  }

  private range(lo: number, hi: number, flags: Flags): string {
    const one =
      lo === hi ? escapeChar(lo, true) : `${escapeChar(lo, true)}-${escapeChar(hi, true)}`;
    if (!this.fold(flags)) return one;
    // Scoped (?i): add the other case of the ASCII letters in the range.
    const extra: string[] = [];
    const add = (a: number, b: number, delta: number) => {
      const x = Math.max(lo, a);
      const y = Math.min(hi, b);
      if (x <= y) extra.push(`${escapeChar(x + delta, true)}-${escapeChar(y + delta, true)}`);
    };
    add(0x41, 0x5a, 0x20);
    add(0x61, 0x7a, -0x20);
    return one + extra.join('');
  }
}

/**
 * Translations by pattern: config checks, the Envoy builder and authz's matcher each translate a
 * route's regex (three times per regex route of `portcullis validate`). Bounded for reloads.
 */
const translated = new Map<string, Re2Result>();

/** Parses `pattern` as RE2 does; the JavaScript translation and program size, or the error. */
export function translateRe2(pattern: string): Re2Result {
  let r = translated.get(pattern);
  if (r === undefined) {
    if (translated.size >= 10_000) translated.clear();
    r = translateUncached(pattern);
    translated.set(pattern, r);
  }
  return r;
}

function translateUncached(pattern: string): Re2Result {
  const parser = new Parser(pattern);
  try {
    const node = parser.parse();
    const source = node.src;
    new RegExp(source, parser.globalI ? 'ui' : 'u');
    // RE2 adds a match instruction (checked against Envoy: x{990} is 994, (abc){300} 1504).
    return {
      ok: true,
      source,
      ignoreCase: parser.globalI,
      programSize: node.size + 1,
      maxHexEscape: parser.maxHexEscape,
    };
  } catch (err) {
    if (err instanceof Re2SyntaxError)
      return { ok: false, message: err.message, offset: err.offset };
    return {
      ok: false,
      message: `not a regular expression (${(err as Error).message})`,
      offset: 0,
    };
  }
}

/** Why RE2 (or Envoy's program-size limit `maxProgramSize`) refuses `pattern`, or undefined. */
export function re2Problem(pattern: string, maxProgramSize?: number): string | undefined {
  const r = translateRe2(pattern);
  if (!r.ok) return `${r.message} (at character ${r.offset + 1})`;
  // Measured against Envoy 1.40: `\x{FF}` compiles, `\x{100}` and above are "invalid escape".
  if (maxProgramSize !== undefined && r.maxHexEscape > 0xff) {
    return 'Envoy refuses \\x escapes above \\x{FF} (write the character itself)';
  }
  if (maxProgramSize !== undefined && r.programSize > maxProgramSize) {
    return `RE2 program too large for Envoy (about ${r.programSize} instructions, limit ${maxProgramSize})`;
  }
  return undefined;
}

/** A RegExp with RE2's meaning matching the whole of a string (`^(?:pattern)$`); throws. */
export function compileRe2Anchored(pattern: string): RegExp {
  const r = translateRe2(pattern);
  if (!r.ok) throw new Error(`${r.message} (at character ${r.offset + 1})`);
  return new RegExp(`^(?:${r.source})$`, r.ignoreCase ? 'ui' : 'u');
}

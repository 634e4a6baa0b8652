/**
 * A small lexer for the source scans of the registry tests: the string literals of a TypeScript file
 * (comments skipped, regular expression literals skipped) and the spans of its brackets, so a test can
 * ask "which literals are inside the same row / call as this one" without a parser.
 */
export interface Literal {
  /** The literal's text between its quotes, escapes left as written. */
  text: string;
  /** `'` or `"`; `` ` `` for a template without `${}`; `${` for a template with substitutions. */
  quote: "'" | '"' | '`' | '${';
  /** Offset of the opening quote. */
  start: number;
  end: number;
}

export interface Scanned {
  literals: Literal[];
  /** [open, close] offsets of every (), [] and {} pair, in order of their opening. */
  brackets: [number, number][];
  /** The source with comments replaced by spaces (offsets unchanged). */
  code: string;
}

const OPEN: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
// After these (or at the start), a `/` starts a regular expression rather than a division.
const BEFORE_REGEX = /(^|[=(,:[!&|?{};+\-*%<>~^]|\breturn|\btypeof|\bcase|\bin|\bof)\s*$/;

export function scanLiterals(source: string): Scanned {
  const literals: Literal[] = [];
  const brackets: [number, number][] = [];
  const code = source.split('');
  const stack: { char: string; at: number; template?: boolean }[] = [];
  let i = 0;
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (code[k] !== '\n') code[k] = ' ';
  };
  // Reads a template from `from` (just after the backtick or a closing `}`) to its end or next `${`.
  const templatePart = (from: number): { next: number; substitution: boolean } => {
    let k = from;
    while (k < source.length) {
      if (source[k] === '\\') k += 2;
      else if (source[k] === '`') return { next: k + 1, substitution: false };
      else if (source[k] === '$' && source[k + 1] === '{') return { next: k + 2, substitution: true };
      else k++;
    }
    return { next: k, substitution: false };
  };
  while (i < source.length) {
    const c = source[i];
    const two = source.slice(i, i + 2);
    if (two === '//') {
      const end = source.indexOf('\n', i);
      const stop = end < 0 ? source.length : end;
      blank(i, stop);
      i = stop;
    } else if (two === '/*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? source.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === "'" || c === '"') {
      let k = i + 1;
      while (k < source.length && source[k] !== c && source[k] !== '\n') k += source[k] === '\\' ? 2 : 1;
      literals.push({ text: source.slice(i + 1, k), quote: c, start: i, end: k + 1 });
      i = k + 1;
    } else if (c === '`') {
      const part = templatePart(i + 1);
      if (part.substitution) {
        literals.push({ text: source.slice(i + 1, part.next - 2), quote: '${', start: i, end: part.next });
        stack.push({ char: '{', at: part.next - 1, template: true });
      } else {
        literals.push({ text: source.slice(i + 1, part.next - 1), quote: '`', start: i, end: part.next });
      }
      i = part.next;
    } else if (c === '/' && BEFORE_REGEX.test(source.slice(Math.max(0, i - 12), i))) {
      let k = i + 1;
      let inClass = false;
      while (k < source.length && source[k] !== '\n') {
        if (source[k] === '\\') k++;
        else if (source[k] === '[') inClass = true;
        else if (source[k] === ']') inClass = false;
        else if (source[k] === '/' && !inClass) break;
        k++;
      }
      i = k + 1;
    } else if (c in OPEN) {
      stack.push({ char: c, at: i });
      i++;
    } else if (c === ')' || c === ']' || c === '}') {
      const open = stack.pop();
      if (open?.template) {
        // The end of a `${…}`: the template goes on.
        const part = templatePart(i + 1);
        if (part.substitution) stack.push({ char: '{', at: part.next - 1, template: true });
        i = part.next;
        continue;
      }
      if (open) brackets.push([open.at, i]);
      i++;
    } else {
      i++;
    }
  }
  brackets.sort((a, b) => a[0] - b[0]);
  return { literals, brackets, code: code.join('') };
}

/** The bracket spans that contain `offset`, innermost first. */
export function enclosing(scanned: Scanned, offset: number): [number, number][] {
  return scanned.brackets
    .filter(([open, close]) => open < offset && offset < close)
    .sort((a, b) => a[1] - a[0] - (b[1] - b[0]));
}

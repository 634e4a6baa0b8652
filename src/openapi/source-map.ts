import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { getAtPointer, joinPointer, splitPointer } from './pointer.ts';

export interface SourceLocation {
  /** The file as shown to the user (relative to the working directory when inside it). */
  file: string;
  /** JSON pointer inside that file. */
  pointer: string;
  line?: number;
}

/** `file` relative to `root` when it is inside it, absolute otherwise. */
export function displayPath(root: string, file: string): string {
  const relative = path.relative(root, file);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

interface Origin {
  file: string;
  pointer: string;
}

/**
 * Maps nodes of the bundled document back to the file and line they were written in. Bundling keeps
 * the objects it inlines (only `$ref`s are rewritten), so object identity leads back to the source
 * file, and the file's YAML syntax tree gives the line. Files are re-read only when a line is needed.
 */
export class SourceMap {
  readonly #origins = new WeakMap<object, Origin>();
  readonly #trees = new Map<string, { contents: Node | null; lines: LineCounter } | null>();
  readonly #displayRoot: string;

  /** `files`: absolute path → parsed value, root document last so inlined files keep their own origin. */
  constructor(files: ReadonlyArray<[file: string, value: unknown]>, displayRoot = process.cwd()) {
    this.#displayRoot = displayRoot;
    for (const [file, value] of files) this.#register(value, file, '');
  }

  /** Where `node` (an object of the bundled document) came from; `key` narrows it to one keyword. */
  locate(node: object, key?: string): SourceLocation | undefined {
    const origin = this.#origins.get(node);
    if (!origin) return undefined;
    return this.#at(origin.file, key === undefined ? origin.pointer : joinPointer(origin.pointer, key));
  }

  /** Where a pointer into the bundled document was written: the deepest known object, then the rest. */
  locatePointer(document: unknown, pointer: string): SourceLocation | undefined {
    const segments = splitPointer(pointer);
    for (let depth = segments.length; depth >= 0; depth--) {
      const node = getAtPointer(document, joinPointer('', ...segments.slice(0, depth)));
      const origin = node && typeof node === 'object' ? this.#origins.get(node) : undefined;
      if (origin) return this.#at(origin.file, joinPointer(origin.pointer, ...segments.slice(depth)));
    }
    return undefined;
  }

  format(location: SourceLocation | undefined): string | undefined {
    if (!location) return undefined;
    return location.line === undefined ? location.file : `${location.file}:${location.line}`;
  }

  displayPath(file: string): string {
    return displayPath(this.#displayRoot, file);
  }

  #register(value: unknown, file: string, pointer: string): void {
    if (value === null || typeof value !== 'object' || this.#origins.has(value)) return;
    this.#origins.set(value, { file, pointer });
    for (const [key, child] of Object.entries(value)) this.#register(child, file, joinPointer(pointer, key));
  }

  #at(file: string, pointer: string): SourceLocation {
    return { file: this.displayPath(file), pointer, line: this.#line(file, pointer) };
  }

  #line(file: string, pointer: string): number | undefined {
    const tree = this.#tree(file);
    if (!tree?.contents) return undefined;
    let node: Node | null = tree.contents;
    let offset = node.range?.[0];
    for (const segment of splitPointer(pointer)) {
      if (isMap(node)) {
        const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === segment);
        if (!pair) break;
        offset = (pair.key as Node | null)?.range?.[0] ?? offset;
        node = pair.value as Node | null;
      } else if (isSeq(node)) {
        const item = node.items[Number(segment)] as Node | undefined;
        if (!item) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else break;
      if (!node) break;
    }
    return offset === undefined ? undefined : tree.lines.linePos(offset).line;
  }

  #tree(file: string) {
    if (!this.#trees.has(file)) {
      try {
        const lines = new LineCounter();
        const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter: lines, uniqueKeys: false });
        this.#trees.set(file, { contents: doc.contents as Node | null, lines });
      } catch {
        this.#trees.set(file, null);
      }
    }
    return this.#trees.get(file);
  }
}
